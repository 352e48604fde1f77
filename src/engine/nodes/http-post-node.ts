/**
 * `|httpPost(url)` / `|httpPost().endpoint(name)` (Kapacitor's http_post.go): POSTs every point
 * or batch as one models.Row — `{"series":[row]}` JSON, or the endpoint's row-template — and
 * passes the data on. The request itself is the host's (`ctx.httpPost`): the engine knows no
 * HTTP. Kapacitor sends synchronously, one request at a time, and does not retry; a failure is
 * logged and counted.
 *
 * States: requests go out one after another in arrival order (a promise chain per node).
 * Without `.codeField()` a message is passed on at once. With it, a message waits for its
 * response and is passed on with the status as an int field (0 when no response came), so
 * children see messages in arrival order, later than the write that brought them.
 */
import type { Series } from "../../core/alert-event.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { HttpPostRequest, TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { dur, has, str } from "../props.js";
import { batchSeries, pointSeries } from "./alert-node.js";

export class HttpPostNode extends RuntimeNode {
  private readonly url: string | undefined;
  private readonly endpoint: string | undefined;
  private readonly headers: Record<string, string> = {};
  private readonly codeField: string | undefined;
  private readonly timeout: number;
  private readonly captureResponse: boolean;
  /** The last request (and emit) in line; `idle()` waits for it. */
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private warnedNoSender = false;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const a = n.args[0];
    this.url = a?.type === "string" ? a.value : undefined;
    this.endpoint = str(n, "endpoint");
    for (const p of n.properties) {
      const [k, v] = p.args;
      if (p.name === "header" && k?.type === "string" && v?.type === "string")
        this.headers[k.value] = v.value;
    }
    this.codeField = str(n, "codeField");
    this.timeout = dur(n, "timeout") ?? 0;
    this.captureResponse = has(n, "captureResponse");
    if (
      this.endpoint !== undefined &&
      ctx.httpPost !== undefined &&
      !ctx.httpPost.hasEndpoint(this.endpoint)
    ) {
      throw new Error(
        `${n.name}: endpoint '${this.endpoint}' does not exist (no [[httppost]] with that endpoint)`,
      );
    }
  }

  override point(m: PointMsg): void {
    const code = this.codeField;
    this.post(pointSeries(m), (status) => {
      if (code !== undefined) this.emitPoint({ ...m, fields: { ...m.fields, [code]: BigInt(status) } });
    });
    if (code === undefined) this.emitPoint(m);
  }

  override batch(m: BatchMsg): void {
    const code = this.codeField;
    this.post(batchSeries(m), (status) => {
      if (code === undefined) return;
      const c = BigInt(status);
      this.emitBatch({ ...m, points: m.points.map((p) => ({ ...p, fields: { ...p.fields, [code]: c } })) });
    });
    if (code === undefined) this.emitBatch(m);
  }

  /** Resolves when every request so far has been answered (and its message passed on). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Requests sent and not answered yet. */
  pending(): number {
    return this.inFlight;
  }

  private post(row: Series, then: (status: number) => void): void {
    const sender = this.ctx.httpPost;
    if (sender === undefined) {
      if (!this.warnedNoSender) {
        this.warnedNoSender = true;
        this.ctx.logger.log(
          "warn",
          `${this.name}: this host sends no HTTP requests; data is passed on unsent`,
          {
            task: this.ctx.taskName,
            node: this.name,
          },
        );
      }
      then(0);
      return;
    }
    const req: HttpPostRequest = {
      task: this.ctx.taskName,
      node: this.name,
      headers: this.headers,
      row,
      timeout: this.timeout,
      captureResponse: this.captureResponse,
    };
    if (this.url !== undefined) req.url = this.url;
    if (this.endpoint !== undefined) req.endpoint = this.endpoint;
    this.inFlight++;
    this.chain = this.chain.then(async () => {
      const status = await sender.post(req);
      this.inFlight--;
      if (status < 200 || status > 299) this.stats.errors++;
      try {
        then(status);
      } catch (e) {
        this.error(e);
      }
    });
  }
}
