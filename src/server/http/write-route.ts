/**
 * `POST /write` and `POST /kapacitor/v1/write`: line protocol in, points to the task manager.
 * Hot path — InfluxDB subscriptions post every point here — so it does no more than read,
 * parse and hand over. Errors are plain text plus "\n", as Kapacitor (and InfluxDB) write them.
 *
 * A body with some bad lines: Kapacitor rejects the whole request (400, nothing written).
 * tickd writes the good points and still answers 400, one line per rejected line
 * (`line N: unable to parse '<text>': <reason>`), after a first line saying how many points
 * were accepted, so a client that retries on 400 learns what to fix and nothing good is lost.
 */
import { parseLineProtocol, parsePrecision } from "../../core/line-protocol.js";
import { coerceError } from "../../core/errors.js";
import type { Point } from "../../core/types.js";
import type { TaskService } from "../task-service.js";
import { drainThen, HttpError, type RequestContext } from "./request-context.js";
import type { HttpLogger } from "./types.js";
import { dispatchTrace } from "../../delivery/trace.js";

export interface WriteDeps {
  tasks: TaskService;
  logger: HttpLogger;
  defaultRetentionPolicy: string;
  /**
   * Cluster mode (src/cluster/write-producer.ts): the points are produced to the cluster's
   * points topic instead of written here; resolves once Kafka acknowledged them.
   */
  produce?: (db: string, rp: string, points: readonly Point[]) => Promise<void>;
}

function plainError(ctx: RequestContext, status: number, message: string): void {
  ctx.text(status, message + "\n");
}

export async function serveWrite(ctx: RequestContext, d: WriteDeps): Promise<void> {
  const w0 = dispatchTrace?.now() ?? 0;
  const precisionParam = ctx.query.get("precision") ?? "";
  const precision = parsePrecision(precisionParam);
  if (precision === undefined) {
    plainError(ctx, 400, `invalid precision ${JSON.stringify(precisionParam)}: use n, u, ms, s, m or h`);
    return;
  }
  const db = ctx.query.get("db") ?? "";
  if (db === "") {
    plainError(ctx, 400, "database is required");
    return;
  }
  const rp = ctx.query.get("rp") || d.defaultRetentionPolicy;

  let body: Buffer;
  try {
    body = await ctx.readBody();
  } catch (e) {
    if (e instanceof HttpError) {
      const answer = (): void => {
        if (e.closeConnection) ctx.res.setHeader("Connection", "close");
        plainError(ctx, e.status, e.message);
      };
      if (e.status === 413) drainThen(ctx.req, answer);
      else answer();
      return;
    }
    throw e;
  }

  const w1 = dispatchTrace?.now() ?? 0;
  // Only the fields the tasks of (db, rp) read are decoded; the rest are checked, not converted.
  // Not in cluster mode: the points go to Kafka whole, for the partition owner's tasks.
  const fields = d.produce === undefined ? d.tasks.fieldFilter?.(db, rp) : undefined;
  const { points, errors } = parseLineProtocol(
    body,
    fields === undefined ? { precision } : { precision, fields },
  );
  if (points.length > 0 && d.produce !== undefined) {
    try {
      await d.produce(db, rp, points);
    } catch (e) {
      // Nothing of this write is known to be in Kafka: the client should retry it.
      const err = coerceError(e);
      d.logger.log("error", "write not accepted: producing to Kafka failed", {
        db,
        rp,
        points: points.length,
        error: err.message,
      });
      plainError(ctx, 503, err.message);
      return;
    }
  } else if (points.length > 0) {
    try {
      dispatchTrace?.writeStart(w0, w1);
      d.tasks.write(db, rp, points);
    } catch (e) {
      const err = coerceError(e);
      d.logger.log("error", "write failed", { db, rp, points: points.length, error: err.message });
      plainError(ctx, 500, err.message);
      return;
    } finally {
      dispatchTrace?.writeEnd();
    }
  }
  if (errors.length === 0) {
    ctx.noContent();
    return;
  }
  const lines = errors.map((e) => `line ${e.line}: unable to parse '${e.text}': ${e.message}`);
  if (points.length > 0) {
    lines.unshift(
      `partial write: ${points.length} point${points.length === 1 ? "" : "s"} accepted, ` +
        `${errors.length} line${errors.length === 1 ? "" : "s"} rejected`,
    );
  }
  plainError(ctx, 400, lines.join("\n"));
}
