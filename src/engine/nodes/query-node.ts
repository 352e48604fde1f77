/**
 * `batch |query('SELECT …')` (Kapacitor's batch.go and query.go): a node that queries InfluxDB
 * on the wall clock and emits each series of the answer as one batch.
 *
 * Query text: the user's SELECT keeps its fields, sources and WHERE; tickd adds
 * `time >= '<start>' AND time < '<stop>'` (ANDed with the WHERE), replaces any GROUP BY with
 * `.groupBy()` (`time(d)` becomes `time(d, offset)`, offset 0 unless `.alignGroup()`), and sets
 * `fill()` when `.fill()` is given. Each tick at time `t`: stop = t − offset, start = stop − period.
 *
 * Schedule: without `.align()`, ticks fall every `every` from the first wall-clock tick the
 * task sees; with `.align()`, on multiples of `every` (Go's Truncate). Ticks missed while the
 * process was busy collapse into one, as a Go ticker drops them.
 *
 * Batches: one per series, named after the measurement, tags = series tags, group = those
 * tags (plus the name with `.groupByMeasurement()`). Batch time = the newest point when the
 * query groups by time, else (or for an empty series) `stop`.
 *
 * Queries run asynchronously and never block a tick; results are emitted in the order the
 * queries started. A failed query is counted and logged; the next tick runs the next one.
 */
import { TickdError } from "../../core/errors.js";
import { formatRFC3339Nano } from "../../core/go-format.js";
import { addNs, durationNs, goTruncate } from "../../core/time.js";
import { CronSchedule } from "../cron.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import { lastProperty } from "../../pipeline/task-graph.js";
import type { InfluxSeries, TaskContext } from "../context.js";
import { groupId, type Dimensions } from "../group.js";
import type { BatchMsg } from "../messages.js";
import { deliverSampled, RuntimeNode } from "../node.js";
import { dur, has, str } from "../props.js";

export type QueryDimension =
  | { type: "tag"; name: string }
  | { type: "star" }
  /** `offset`: the second argument of `time(length, offset)`, 0 when not given. */
  | { type: "time"; ns: number; offset?: number };
export type QueryFill = "null" | "none" | "previous" | "linear" | number | bigint;

export interface QuerySpec {
  /** The user's SELECT statement. */
  query: string;
  period: number;
  every: number;
  /** `.cron()` instead of `.every()`. */
  cron?: string;
  offset: number;
  align: boolean;
  alignGroup: boolean;
  groupBy: QueryDimension[];
  fill?: QueryFill;
}

/** The parts of a SELECT statement tickd rewrites. */
interface SelectParts {
  /** `SELECT … FROM …` (and INTO). */
  head: string;
  where?: string;
  fill?: string;
  /** ORDER BY, LIMIT, OFFSET, SLIMIT, SOFFSET, TZ(): kept as written. */
  tail: string;
}

const CLAUSES = [
  "WHERE",
  "GROUP BY",
  "FILL",
  "ORDER BY",
  "LIMIT",
  "OFFSET",
  "SLIMIT",
  "SOFFSET",
  "TZ",
] as const;
type Clause = (typeof CLAUSES)[number];

function invalidQuery(msg: string): TickdError {
  return new TickdError("E_INFLUXQL", `invalid batch query: ${msg}`);
}

/** Statements in `text` (no trailing `;`): top-level semicolons outside quotes, plus one. */
function countStatements(text: string): number {
  let n = 1;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') i = skipQuoted(text, i, c);
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === ";" && depth === 0) n++;
  }
  return n;
}

/**
 * Splits a SELECT at its top-level clauses. Quoted strings, quoted identifiers, regexes after
 * `=~`/`!~` and parenthesised subqueries are skipped over, so a keyword inside them is ignored.
 */
export function splitSelect(q: string): SelectParts {
  let text = q.trim();
  while (text.endsWith(";")) text = text.slice(0, -1).trimEnd();
  // Kapacitor's newQueryNode messages, word for word (TestBatch_InvalidQuery).
  const statements = countStatements(text);
  if (statements !== 1)
    throw new TickdError(
      "E_INFLUXQL",
      `query must be a single select statement, got ${statements} statements`,
    );
  if (!/^select\b/i.test(text))
    throw new TickdError("E_INFLUXQL", `query is not a select statement ${JSON.stringify(text)}`);
  const found: { clause: Clause; at: number; body: number }[] = [];
  let depth = 0;
  let lastOp = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      i = skipQuoted(text, i, c);
      lastOp = "";
      continue;
    }
    if (c === "/" && (lastOp === "=~" || lastOp === "!~")) {
      i = skipQuoted(text, i, "/");
      lastOp = "";
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")") depth--;
    if ((c === "=" || c === "!") && text[i + 1] === "~") {
      lastOp = c + "~";
      i++;
      continue;
    }
    if (!/\s/.test(c)) lastOp = "";
    if (depth !== 0 || !/[a-z]/i.test(c) || (i > 0 && /[\w.]/.test(text[i - 1]!))) continue;
    for (const clause of CLAUSES) {
      const re = new RegExp(`^${clause.replace(" ", "\\s+")}(?![\\w])`, "i");
      const m = re.exec(text.slice(i, i + 40));
      if (m === null) continue;
      if ((clause === "FILL" || clause === "TZ") && !/^\s*\(/.test(text.slice(i + m[0].length))) continue;
      found.push({ clause, at: i, body: i + m[0].length });
      i += m[0].length - 1;
      break;
    }
  }
  const first = found[0];
  const head = (first === undefined ? text : text.slice(0, first.at)).trim();
  const parts: SelectParts = { head, tail: "" };
  let tailStart: number | undefined;
  for (let k = 0; k < found.length; k++) {
    const f = found[k]!;
    const end = found[k + 1]?.at ?? text.length;
    const body = text.slice(f.body, end).trim();
    if (f.clause === "WHERE") parts.where = body;
    else if (f.clause === "FILL") parts.fill = text.slice(f.at, end).trim();
    else if (f.clause !== "GROUP BY") {
      tailStart = f.at;
      break;
    }
  }
  if (tailStart !== undefined) parts.tail = text.slice(tailStart).trim();
  return parts;
}

function skipQuoted(s: string, i: number, q: string): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s[j] === q) return j;
  }
  throw invalidQuery(`unterminated ${q} in ${JSON.stringify(s)}`);
}

/** InfluxQL's duration literal: the largest unit that divides it (`1m`, `90s`, `1500ms`). */
export function formatInfluxDuration(ns: number): string {
  if (ns === 0) return "0s";
  const units: [string, number][] = [
    ["w", 604800e9],
    ["d", 86400e9],
    ["h", 3600e9],
    ["m", 60e9],
    ["s", 1e9],
    ["ms", 1e6],
    ["u", 1e3],
  ];
  for (const [u, size] of units) if (ns % size === 0) return `${ns / size}${u}`;
  return `${Math.round(ns)}ns`;
}

/** RFC 3339 with nanoseconds, trailing zeros trimmed: what InfluxQL prints for a time literal. */
export function formatTimeLiteral(ns: bigint): string {
  return formatRFC3339Nano(ns);
}

function quoteIdent(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function fillText(f: QueryFill): string {
  return `fill(${typeof f === "bigint" ? f.toString() : String(f)})`;
}

/** The statement run for one tick: the user's SELECT limited to [start, stop). */
export function buildQuery(
  spec: QuerySpec,
  start: bigint,
  stop: bigint,
  parts = splitSelect(spec.query),
): string {
  const time = `time >= '${formatTimeLiteral(start)}' AND time < '${formatTimeLiteral(stop)}'`;
  let out = `${parts.head} WHERE ${parts.where !== undefined ? `(${parts.where}) AND ` : ""}${time}`;
  if (spec.groupBy.length > 0) {
    const dims = spec.groupBy.map((d) => {
      if (d.type === "star") return "*";
      if (d.type === "tag") return quoteIdent(d.name);
      // Kapacitor's alignGroup: the offset puts bucket edges on the query's start (and wins
      // over an offset given in time(length, offset)).
      const dn = durationNs(d.ns);
      const offset = spec.alignGroup ? Number(((start % dn) + dn) % dn) : (d.offset ?? 0);
      return `time(${formatInfluxDuration(d.ns)}, ${formatInfluxDuration(offset)})`;
    });
    out += ` GROUP BY ${dims.join(", ")}`;
  }
  if (spec.fill !== undefined) out += " " + fillText(spec.fill);
  else if (parts.fill !== undefined) out += " " + parts.fill;
  if (parts.tail !== "") out += " " + parts.tail;
  return out;
}

export function groupsByTime(spec: QuerySpec): boolean {
  return spec.groupBy.some((d) => d.type === "time");
}

/** Reads a checked `query` node. */
export function querySpecOf(n: TaskNode): QuerySpec {
  const a = n.args[0];
  if (a?.type !== "string")
    throw new TickdError("E_TASK_INVALID", `${n.name}: query needs an InfluxQL string`);
  const { every, cron } = scheduleProps(n);
  const groupBy: QueryDimension[] = [];
  for (const arg of lastProperty(n, "groupBy")?.args ?? []) {
    const items = arg.type === "list" ? arg.items : [arg];
    for (const it of items) {
      if (it.type === "string") groupBy.push({ type: "tag", name: it.value });
      else if (it.type === "star") groupBy.push({ type: "star" });
      else if (it.type === "time") {
        if (groupBy.some((d) => d.type === "time"))
          throw new TickdError(
            "E_TASK_INVALID",
            `${n.name}: groupBy cannot have more than one time dimension`,
          );
        groupBy.push({ type: "time", ns: it.ns, offset: it.offset ?? 0 });
      }
    }
  }
  const spec: QuerySpec = {
    query: a.value,
    period: dur(n, "period") ?? 0,
    every,
    ...(cron !== undefined ? { cron } : {}),
    offset: dur(n, "offset") ?? 0,
    align: has(n, "align"),
    alignGroup: has(n, "alignGroup"),
    groupBy,
  };
  const fill = lastProperty(n, "fill")?.args[0];
  if (fill !== undefined) {
    if (fill.type === "string") {
      if (!["null", "none", "previous", "linear"].includes(fill.value))
        throw new TickdError("E_TASK_INVALID", `${n.name}: unexpected fill option ${fill.value}`);
      spec.fill = fill.value as QueryFill;
    } else if (fill.type === "int" || fill.type === "float") spec.fill = fill.value;
  }
  splitSelect(spec.query); // validate now, not at the first tick
  return spec;
}

/** `.every()` / `.cron()` of a query node, checked as Kapacitor's newQueryNode does. */
function scheduleProps(n: TaskNode): { every: number; cron?: string } {
  const every = dur(n, "every") ?? 0;
  const cron = str(n, "cron");
  if (every !== 0 && cron !== undefined)
    throw new TickdError("E_TASK_INVALID", `${n.name}: must not set both 'every' and 'cron' properties`);
  if (cron !== undefined) {
    new CronSchedule(cron); // validate now
    return { every: 0, cron };
  }
  if (every < 0) throw new TickdError("E_TASK_INVALID", `${n.name}: 'every' duration must be non-negative`);
  if (every === 0) throw new TickdError("E_TASK_INVALID", `${n.name}: must define one of 'every' or 'cron'`);
  return { every };
}

/** Answers the tick due at wall-clock `now` (undefined: none) and advances. */
export interface TickSchedule {
  next(now: bigint): bigint | undefined;
}

/**
 * `.cron()` ticks (Kapacitor's cronTicker): each tick is the scheduled time itself; after a
 * tick the next one is the first scheduled time after the wall clock, so missed ones collapse.
 */
export class CronQuerySchedule implements TickSchedule {
  /** undefined: not started; null: the expression has no further time (never fires again). */
  private due: bigint | null | undefined;
  private readonly cron: CronSchedule;

  constructor(expr: string) {
    this.cron = new CronSchedule(expr);
  }

  next(now: bigint): bigint | undefined {
    if (this.due === undefined) {
      this.due = this.cron.next(now) ?? null;
      return undefined;
    }
    if (this.due === null || now < this.due) return undefined;
    const tick = this.due;
    this.due = this.cron.next(now) ?? null;
    return tick;
  }
}

function scheduleOf(every: number, align: boolean, cron: string | undefined): TickSchedule {
  return cron !== undefined ? new CronQuerySchedule(cron) : new QuerySchedule(every, align);
}

/**
 * When the ticks fall. `next(now)` answers the tick to run at wall-clock `now` (undefined:
 * none due) and advances; the first call only starts the clock.
 */
export class QuerySchedule implements TickSchedule {
  private due: bigint | undefined;
  private readonly every: bigint;

  constructor(
    every: number,
    private readonly align: boolean,
  ) {
    this.every = durationNs(every);
  }

  next(now: bigint): bigint | undefined {
    if (this.due === undefined) {
      this.due = this.align ? goTruncate(now, this.every) + this.every : now + this.every;
      return undefined;
    }
    if (now < this.due) return undefined;
    // A Go ticker drops ticks a slow receiver missed: run the latest one only.
    const missed = (now - this.due) / this.every;
    const tick = this.due + missed * this.every;
    this.due = tick + this.every;
    return tick;
  }
}

/** Series of a query answer → batches (Kapacitor's ResultToBufferedBatches + batch.go). */
export function seriesToBatches(
  series: readonly InfluxSeries[],
  opts: { byName: boolean; stop: bigint; groupedByTime: boolean },
): BatchMsg[] {
  return series.map((s) => {
    const dims: Dimensions = { byName: opts.byName, tagNames: Object.keys(s.tags).sort() };
    let tmax = 0n;
    for (const p of s.points) if (p.time > tmax) tmax = p.time;
    // batch.go: a query grouped by time keeps the newest bucket; any other takes stop.
    const time = tmax === 0n || !opts.groupedByTime ? opts.stop : tmax;
    return {
      name: s.name,
      time,
      tags: s.tags,
      group: groupId(s.name, s.tags, dims),
      dims,
      points: s.points,
    };
  });
}

/** Base of `|query()` and `|queryFlux()`: the schedule and in-order async delivery. */
export abstract class ScheduledQueryNode extends RuntimeNode {
  private readonly schedule: TickSchedule;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private pending = 0;
  /** Queries started and batches emitted (Kapacitor's batches_queried/points_queried). */
  readonly queried = { queries: 0, batches: 0, points: 0 };

  constructor(name: string, ctx: TaskContext, schedule: TickSchedule) {
    super(name, ctx);
    this.schedule = schedule;
  }

  protected abstract run(tick: bigint): { stop: bigint; result: Promise<BatchMsg[]> };

  /** Kapacitor's query node statistics (batch.go). */
  override extraStats(): Record<string, number> {
    return { batches_queried: this.queried.batches, points_queried: this.queried.points };
  }

  override barrier(now: bigint): void {
    const tick = this.stopped ? undefined : this.schedule.next(now);
    if (tick !== undefined) this.fire(tick);
    super.barrier(now);
  }

  /** Starts the query of one tick now (tests and `barrier`); delivery waits for earlier ones. */
  fire(tick: bigint): void {
    let result: Promise<BatchMsg[]>;
    try {
      result = this.run(tick).result;
    } catch (e) {
      this.error(e);
      return;
    }
    this.queried.queries++;
    this.pending++;
    // Started at once; delivered after every earlier query has been delivered.
    const settled = result.then(
      (b) => ({ ok: true as const, b }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    this.chain = this.chain.then(async () => {
      const r = await settled;
      this.pending--;
      if (this.stopped) return;
      if (!r.ok) {
        this.error(r.e);
        return;
      }
      for (const b of r.b) {
        this.queried.batches++;
        this.queried.points += b.points.length;
        try {
          // Every batch is timed on its way (few and large, so the clock reads are cheap).
          deliverSampled(this, () => this.emitBatch(b));
        } catch (e) {
          this.error(e);
        }
      }
    });
  }

  /**
   * A recorded batch in place of a query's answer (batch replays): delivered after every
   * earlier query or replayed batch, counted as queried.
   */
  replayBatch(b: BatchMsg): void {
    this.chain = this.chain.then(() => {
      if (this.stopped) return;
      this.queried.batches++;
      this.queried.points += b.points.length;
      try {
        deliverSampled(this, () => this.emitBatch(b));
      } catch (e) {
        this.error(e);
      }
    });
  }

  /** Resolves once every query started so far has been delivered (or failed). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Number of queries started but not yet delivered. */
  get inFlight(): number {
    return this.pending;
  }

  /** No further ticks; answers still in flight are dropped. */
  stop(): void {
    this.stopped = true;
  }
}

export class QueryNode extends ScheduledQueryNode {
  readonly spec: QuerySpec;
  private readonly parts: SelectParts;
  private readonly cluster: string | undefined;
  private readonly byName: boolean;

  constructor(n: TaskNode, ctx: TaskContext) {
    const spec = querySpecOf(n);
    super(n.name, ctx, scheduleOf(spec.every, spec.align, spec.cron));
    this.spec = spec;
    this.parts = splitSelect(spec.query);
    this.cluster = str(n, "cluster");
    this.byName = has(n, "groupByMeasurement");
  }

  /** The statement for the tick at `tick` and its stop time. */
  queryFor(tick: bigint): { query: string; start: bigint; stop: bigint } {
    const stop = addNs(tick, -this.spec.offset);
    const start = addNs(stop, -this.spec.period);
    return { query: buildQuery(this.spec, start, stop, this.parts), start, stop };
  }

  protected run(tick: bigint): { stop: bigint; result: Promise<BatchMsg[]> } {
    const influx = this.ctx.influx;
    if (influx === undefined)
      throw new TickdError("E_INFLUXDB", "InfluxDB not configured, cannot query InfluxDB for batch query");
    const { query, stop } = this.queryFor(tick);
    this.ctx.logger.log("debug", "starting batch query", { task: this.ctx.taskName, node: this.name, query });
    const groupedByTime = groupsByTime(this.spec);
    const result = influx
      .query(this.cluster, query)
      .then((series) => seriesToBatches(series, { byName: this.byName, stop, groupedByTime }));
    return { stop, result };
  }
}

/**
 * `|queryFlux()` (Kapacitor's FluxQueryNode): runs the Flux script with `now()` = tick −
 * offset; batch time = the newest point, or that `now` for an empty series. The catalogue
 * has to list `queryFlux` (with `every`, `align`, `offset`, `org`, `orgID`, `cluster`) before
 * a TICKscript can use it.
 */
export class QueryFluxNode extends ScheduledQueryNode {
  private readonly flux: string;
  private readonly offset: number;
  private readonly cluster: string | undefined;
  private readonly org: string | undefined;
  private readonly orgID: string | undefined;

  constructor(n: TaskNode, ctx: TaskContext) {
    const a = n.args[0];
    if (a?.type !== "string")
      throw new TickdError("E_TASK_INVALID", `${n.name}: queryFlux needs a Flux string`);
    const { every, cron } = scheduleProps(n);
    super(n.name, ctx, scheduleOf(every, has(n, "align"), cron));
    this.flux = a.value;
    this.offset = dur(n, "offset") ?? 0;
    this.cluster = str(n, "cluster");
    this.org = str(n, "org");
    this.orgID = str(n, "orgID");
  }

  protected run(tick: bigint): { stop: bigint; result: Promise<BatchMsg[]> } {
    const influx = this.ctx.influx;
    if (influx?.queryFlux === undefined)
      throw new TickdError("E_INFLUXDB", "InfluxDB 2.x not configured, cannot run a Flux batch query");
    const now = addNs(tick, -this.offset);
    const opts = {
      now,
      ...(this.org !== undefined ? { org: this.org } : {}),
      ...(this.orgID !== undefined ? { orgID: this.orgID } : {}),
    };
    const result = influx
      .queryFlux(this.cluster, this.flux, opts)
      .then((series) => seriesToBatches(series, { byName: false, stop: now, groupedByTime: false }));
    return { stop: now, result };
  }
}
