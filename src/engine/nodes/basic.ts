/** Small stream nodes: the roots (also noop), from, where, groupBy, default, delete, log. */
import { goTruncate } from "../../core/time.js";
import type { Fields, Tags } from "../../core/types.js";
import type { Scope } from "../../expr/index.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import { lastProperty } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import { groupId, type Dimensions } from "../group.js";
import { compileAll } from "../lambda.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { dur, flatStrings, has, hasStar, lambdas, plain, str } from "../props.js";

/** `stream` and `batch` (the task's entry points) and `noop`: pass every message on. */
export class RootNode extends RuntimeNode {
  override point(m: PointMsg): void {
    this.emitPoint(m);
  }
  override batch(m: BatchMsg): void {
    this.emitBatch(m);
  }
}

/** How a node regroups points: fixed tag names, or every tag of each point (`*`). */
class Grouping {
  private readonly fixed: Dimensions;
  private readonly excluded: ReadonlySet<string> | undefined;
  constructor(
    private readonly star: boolean,
    tagNames: readonly string[],
    private readonly byName: boolean,
    /** `|groupBy().exclude(…)`: tags left out of the group, named or found by `*`. */
    excluded: readonly string[] = [],
  ) {
    this.excluded = excluded.length > 0 ? new Set(excluded) : undefined;
    this.fixed = { byName, tagNames: this.without([...new Set(tagNames)].sort()) };
  }

  dims(tags: Tags): Dimensions {
    return this.star ? { byName: this.byName, tagNames: this.without(Object.keys(tags).sort()) } : this.fixed;
  }

  private without(names: string[]): string[] {
    const x = this.excluded;
    return x === undefined ? names : names.filter((k) => !x.has(k));
  }
}

function groupingOf(n: TaskNode, prop: string, byNameProp: string): Grouping | undefined {
  const setting = lastProperty(n, prop);
  const byName = has(n, byNameProp);
  if (setting === undefined) return byName ? new Grouping(false, [], true) : undefined;
  return new Grouping(hasStar(setting.args), flatStrings(setting.args), byName);
}

/** A copy of m at `time` in the group of `dims` (a literal: cheaper than a spread per point). */
function regrouped(m: PointMsg, time: number, dims: Dimensions): PointMsg {
  return {
    name: m.name,
    db: m.db,
    rp: m.rp,
    tags: m.tags,
    fields: m.fields,
    time,
    group: groupId(m.name, m.tags, dims),
    dims,
  };
}

/** `|from()`: selects the points of one measurement/db/rp, filters, truncates, groups. */
export class FromNode extends RuntimeNode {
  private readonly measurement: string | undefined;
  private readonly database: string | undefined;
  private readonly retentionPolicy: string | undefined;
  private readonly where: ((s: Scope) => boolean) | undefined;
  private readonly grouping: Grouping | undefined;
  private readonly truncate: number;
  private readonly round: number;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.measurement = str(n, "measurement");
    this.database = str(n, "database");
    this.retentionPolicy = str(n, "retentionPolicy");
    this.where = compileAll(lambdas(n, "where"));
    this.grouping = groupingOf(n, "groupBy", "groupByMeasurement");
    this.truncate = dur(n, "truncate") ?? 0;
    this.round = dur(n, "round") ?? 0;
  }

  override point(m: PointMsg): void {
    if (this.measurement !== undefined && m.name !== this.measurement) return;
    if (this.database !== undefined && m.db !== this.database) return;
    if (this.retentionPolicy !== undefined && m.rp !== this.retentionPolicy) return;
    if (this.where !== undefined) {
      try {
        if (!this.where(m)) return;
      } catch (e) {
        this.error(e);
        return;
      }
    }
    let time = m.time;
    if (this.truncate > 0) time = goTruncate(time, this.truncate);
    if (this.round > 0) time = goTruncate(time + this.round / 2, this.round);
    const dims = this.grouping === undefined ? m.dims : this.grouping.dims(m.tags);
    this.emitPoint(regrouped(m, time, dims));
  }
}

/** `|where(lambda)`: drops points for which the lambda is false or fails. */
export class WhereNode extends RuntimeNode {
  private readonly pred: (s: Scope) => boolean;
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const arg = n.args[0];
    if (arg?.type !== "lambda") throw new Error(`${n.name}: where needs a lambda`);
    this.pred = compileAll([arg.expr])!;
  }
  override point(m: PointMsg): void {
    try {
      if (this.pred(m)) this.emitPoint(m);
    } catch (e) {
      this.error(e);
    }
  }
  override batch(m: BatchMsg): void {
    const points = [];
    for (const p of m.points) {
      try {
        if (this.pred(p)) points.push(p);
      } catch (e) {
        this.error(e);
      }
    }
    this.emitBatch({ ...m, points });
  }
}

/** `|groupBy(tags…)`: regroups the stream. */
export class GroupByNode extends RuntimeNode {
  private readonly grouping: Grouping;
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const excluded = n.properties.filter((p) => p.name === "exclude").flatMap((p) => flatStrings(p.args));
    this.grouping = new Grouping(hasStar(n.args), flatStrings(n.args), has(n, "byMeasurement"), excluded);
  }
  override point(m: PointMsg): void {
    this.emitPoint(regrouped(m, m.time, this.grouping.dims(m.tags)));
  }
}

/** `|default().field(k, v).tag(k, v)`: fills in missing fields and tags. */
export class DefaultNode extends RuntimeNode {
  private readonly fields: [string, Fields[string]][] = [];
  private readonly tags: [string, string][] = [];
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    for (const p of n.properties) {
      const [k, v] = p.args;
      if (k?.type !== "string" || v === undefined) continue;
      const value = plain(v);
      if (value === undefined) continue;
      if (p.name === "field")
        this.fields.push([
          k.value,
          typeof value === "number" && v.type === "duration" ? BigInt(value) : value,
        ]);
      if (p.name === "tag") this.tags.push([k.value, String(value)]);
    }
  }
  override point(m: PointMsg): void {
    let fields = m.fields;
    let tags = m.tags;
    for (const [k, v] of this.fields) if (!(k in fields)) fields = { ...fields, [k]: v };
    for (const [k, v] of this.tags) if (!(k in tags)) tags = { ...tags, [k]: v };
    this.emitPoint(fields === m.fields && tags === m.tags ? m : { ...m, fields, tags });
  }
}

/** `|delete().field(k).tag(k)`. */
export class DeleteNode extends RuntimeNode {
  private readonly fieldNames: string[] = [];
  private readonly tagNames: string[] = [];
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    for (const p of n.properties) {
      const names = flatStrings(p.args);
      if (p.name === "field") this.fieldNames.push(...names);
      if (p.name === "tag") this.tagNames.push(...names);
    }
  }
  override point(m: PointMsg): void {
    const fields = { ...m.fields };
    const tags = { ...m.tags };
    for (const k of this.fieldNames) delete fields[k];
    for (const k of this.tagNames) delete tags[k];
    this.emitPoint({ ...m, fields, tags });
  }
}

/** `|log()`: logs each message at its level and passes it on. */
export class LogNode extends RuntimeNode {
  private readonly prefix: string;
  private readonly level: "debug" | "info" | "warn" | "error";
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.prefix = str(n, "prefix") ?? "";
    const l = (str(n, "level") ?? "INFO").toLowerCase();
    this.level = l === "debug" || l === "warn" || l === "error" ? l : "info";
  }
  override point(m: PointMsg): void {
    this.ctx.logger.log(this.level, `${this.prefix}point`, {
      task: this.ctx.taskName,
      node: this.name,
      name: m.name,
      group: m.group,
      tags: m.tags,
      fields: m.fields,
      time: m.time,
    });
    this.emitPoint(m);
  }
  override batch(m: BatchMsg): void {
    this.ctx.logger.log(this.level, `${this.prefix}batch`, {
      task: this.ctx.taskName,
      node: this.name,
      name: m.name,
      points: m.points.length,
    });
    this.emitBatch(m);
  }
}
