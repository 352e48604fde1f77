/**
 * `|influxDBOut()` (Kapacitor's influxdb_out.go): writes every point, and every point of every
 * batch, to InfluxDB through the context's `influx` writer. Points are buffered and written
 * when `buffer` points have collected (default 1000) or `flushInterval` (default 10s) has passed
 * on the wall clock since the last write; `stop()` writes what is left.
 *
 * Each point keeps its own tags (a batch point: its own tags) plus the node's `.tag(k, v)`
 * tags, which win; the measurement is `.measurement()` or the data's name. With `.create()`,
 * `CREATE DATABASE "db"` (`WITH NAME "rp"` when a retention policy is set) runs when the task
 * starts, before any data, as Kapacitor's runOut does; if it fails (logged, counted) the next
 * write tries it again first. A failed write is counted as a node error and logged; its points
 * are dropped. The node passes nothing on.
 */
import { coerceError, TickdError } from "../../core/errors.js";
import type { Point, Tags } from "../../core/types.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import { allProperties } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { dur, has, int, str } from "../props.js";

type WritePrecision = "ns" | "u" | "ms" | "s" | "m" | "h";

const PRECISIONS: Readonly<Record<string, WritePrecision>> = {
  "": "ns",
  n: "ns",
  ns: "ns",
  u: "u",
  us: "u",
  ms: "ms",
  s: "s",
  m: "m",
  h: "h",
};

export const DEFAULT_BUFFER = 1000;
export const DEFAULT_FLUSH_INTERVAL = 10e9;

function quoteIdent(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export class InfluxDBOutNode extends RuntimeNode {
  readonly database: string;
  readonly retentionPolicy: string;
  readonly precision: WritePrecision;
  private readonly measurement: string | undefined;
  private readonly cluster: string | undefined;
  private readonly tags: Tags;
  private readonly create: boolean;
  private readonly bufferSize: number;
  private readonly flushInterval: number;
  private buffer: Point[] = [];
  private lastFlush: bigint | undefined;
  private created: Promise<void> | undefined;
  private writes: Promise<void> = Promise.resolve();
  /** Points written successfully and write requests that failed. */
  readonly written = { points: 0, failures: 0 };

  /** Kapacitor's influxDBOut statistics (influxdb_out.go). */
  override extraStats(): Record<string, number> {
    return { points_written: this.written.points, write_errors: this.written.failures };
  }
  private warnedUnconfigured = false;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.database = str(n, "database") ?? "";
    if (this.database === "")
      throw new TickdError("E_TASK_INVALID", `${n.name}: influxDBOut needs .database()`);
    this.retentionPolicy = str(n, "retentionPolicy") ?? "";
    const p = str(n, "precision") ?? "";
    const precision = PRECISIONS[p];
    if (precision === undefined)
      throw new TickdError("E_TASK_INVALID", `${n.name}: invalid precision ${JSON.stringify(p)}`);
    this.precision = precision;
    this.measurement = str(n, "measurement");
    this.cluster = str(n, "cluster");
    this.tags = {};
    for (const t of allProperties(n, "tag")) {
      const [k, v] = t.args;
      if (k?.type === "string" && v?.type === "string") this.tags[k.value] = v.value;
    }
    this.create = has(n, "create");
    this.bufferSize = Math.max(1, int(n, "buffer") ?? DEFAULT_BUFFER);
    this.flushInterval = dur(n, "flushInterval") ?? DEFAULT_FLUSH_INTERVAL;
    // A task starts when it is built: create now, even if no point ever comes.
    if (this.create && ctx.influx !== undefined) {
      this.createDatabase().catch((e: unknown) =>
        this.error(new Error(`failed to create database ${this.database}: ${coerceError(e).message}`)),
      );
    }
  }

  override point(m: PointMsg): void {
    this.add({
      name: this.measurement ?? m.name,
      tags: this.withTags(m.tags),
      fields: m.fields,
      time: m.time,
    });
  }

  override batch(b: BatchMsg): void {
    for (const p of b.points)
      this.add({
        name: this.measurement ?? b.name,
        tags: this.withTags(p.tags),
        fields: p.fields,
        time: p.time,
      });
  }

  override barrier(now: bigint): void {
    this.lastFlush ??= now;
    if (this.buffer.length > 0 && Number(now - this.lastFlush) >= this.flushInterval) this.flush();
    if (this.buffer.length === 0) this.lastFlush = now;
    super.barrier(now);
  }

  /** Writes what is buffered now; resolves when every write so far has finished. */
  flush(): Promise<void> {
    if (this.buffer.length > 0) {
      const points = this.buffer;
      this.buffer = [];
      this.writes = this.writes.then(() => this.write(points));
    }
    return this.writes;
  }

  /** Final flush (task stop); also waits for a create still under way. */
  async stop(): Promise<void> {
    await this.created?.catch(() => undefined);
    await this.flush();
  }

  /** Points waiting for the next write. */
  get buffered(): number {
    return this.buffer.length;
  }

  private withTags(tags: Tags): Tags {
    return Object.keys(this.tags).length === 0 ? tags : { ...tags, ...this.tags };
  }

  private add(p: Point): void {
    this.buffer.push(p);
    if (this.buffer.length >= this.bufferSize) void this.flush();
  }

  private async write(points: Point[]): Promise<void> {
    const influx = this.ctx.influx;
    if (influx === undefined) {
      // Counted every time, logged once.
      this.error(new Error("InfluxDB not configured, cannot write points"), this.warnedUnconfigured);
      this.warnedUnconfigured = true;
      return;
    }
    try {
      if (this.create) await this.createDatabase();
      await influx.write(this.cluster, this.database, this.retentionPolicy, points, this.precision);
      this.written.points += points.length;
    } catch (e) {
      this.written.failures++;
      this.error(e);
    }
  }

  /** `CREATE DATABASE` once; a failed attempt is forgotten so the next write tries again. */
  private createDatabase(): Promise<void> {
    const influx = this.ctx.influx;
    if (influx === undefined) return Promise.resolve();
    this.created ??= influx
      .query(
        this.cluster,
        `CREATE DATABASE ${quoteIdent(this.database)}` +
          (this.retentionPolicy !== "" ? ` WITH NAME ${quoteIdent(this.retentionPolicy)}` : ""),
      )
      .then(
        () => undefined,
        (e: unknown) => {
          this.created = undefined;
          throw e;
        },
      );
    return this.created;
  }
}
