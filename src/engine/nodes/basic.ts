/** Small stream nodes: the roots (also noop), from, where, groupBy, default, delete, log. */
import type { Expr } from "../../../grammar/ast.js";
import { byTime, goRound, goTruncate } from "../../core/time.js";
import type { Fields, Tags } from "../../core/types.js";
import type { CompiledExpr, Scope } from "../../expr/index.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import { lastProperty } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import { groupId, groupTags, type Dimensions } from "../group.js";
import { compileAll, compileBool } from "../lambda.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import type { GroupStateAccess } from "../group-state.js";
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
function regrouped(m: PointMsg, time: bigint, dims: Dimensions): PointMsg {
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
    if (this.round > 0) time = goRound(time, this.round);
    const dims = this.grouping === undefined ? m.dims : this.grouping.dims(m.tags);
    this.emitPoint(regrouped(m, time, dims));
  }
}

/**
 * `|where(lambda)`: drops points for which the lambda is false or fails. A stateful lambda
 * (`sigma()`, `count()`) keeps one state per group, as Kapacitor's where.go copies the
 * expression for every group.
 */
export class WhereNode extends RuntimeNode {
  private readonly expr: Expr;
  private readonly compiled: CompiledExpr;
  private readonly pred: (s: Scope) => boolean;
  private readonly perGroup: Map<string, CompiledExpr> | undefined;
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const arg = n.args[0];
    if (arg?.type !== "lambda") throw new Error(`${n.name}: where needs a lambda`);
    this.expr = arg.expr;
    const c = compileBool(arg.expr);
    this.compiled = c;
    this.pred = (s) => c.evalBool(s);
    this.perGroup = c.stateful ? new Map() : undefined;
  }
  private predFor(group: string): (s: Scope) => boolean {
    const per = this.perGroup;
    if (per === undefined) return this.pred;
    this.dirty.mark(group);
    return this.exprFor(per, group).evalBool;
  }
  private exprFor(per: Map<string, CompiledExpr>, group: string): CompiledExpr {
    let c = per.get(group);
    if (c === undefined) {
      c = per.size === 0 ? this.compiled : compileBool(this.expr);
      per.set(group, c);
    }
    return c;
  }
  override deleteGroup(group: string): void {
    if (this.perGroup?.delete(group) === true) this.dirty.mark(group);
    super.deleteGroup(group);
  }
  /** The stateful functions' state of each group's lambda. */
  override groupState(): GroupStateAccess | undefined {
    const per = this.perGroup;
    if (per === undefined) return undefined;
    return {
      takeDirty: () => this.dirty.take(),
      save: (group) => {
        const c = per.get(group);
        return c === undefined ? undefined : (c.saveState() ?? null);
      },
      load: (group, data) => this.exprFor(per, group).loadState(data),
    };
  }
  override cardinality(): number {
    return this.perGroup?.size ?? 0;
  }
  override point(m: PointMsg): void {
    try {
      if (this.predFor(m.group)(m)) this.emitPoint(m);
    } catch (e) {
      this.error(e);
    }
  }
  override batch(m: BatchMsg): void {
    const points = [];
    const pred = this.predFor(m.group);
    for (const p of m.points) {
      try {
        if (pred(p)) points.push(p);
      } catch (e) {
        this.error(e);
      }
    }
    this.emitBatch({ ...m, points });
  }
}

/**
 * `|groupBy(tags…)`: regroups the stream. Batches (after `|window()` or a query) are split
 * as Kapacitor's group_by.go does: each point goes to the batch of its new group (stamped
 * with the batch time, tagged with the group's tags); the batches of one time are held until
 * a batch of another time or a group barrier arrives, then sent on in first-seen order,
 * their points in time order. State: the held batches and their time.
 */
export class GroupByNode extends RuntimeNode {
  private readonly grouping: Grouping;
  private readonly byName: boolean;
  private held = new Map<string, BatchMsg>();
  private heldTime: bigint | undefined;
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const excluded = n.properties.filter((p) => p.name === "exclude").flatMap((p) => flatStrings(p.args));
    this.byName = has(n, "byMeasurement");
    this.grouping = new Grouping(hasStar(n.args), flatStrings(n.args), this.byName, excluded);
  }
  override point(m: PointMsg): void {
    this.emitPoint(regrouped(m, m.time, this.grouping.dims(m.tags)));
  }
  override batch(m: BatchMsg): void {
    this.flush(m.time);
    this.heldTime = m.time;
    for (const p of m.points) {
      const d = this.grouping.dims(p.tags);
      const dims = m.dims.byName && !d.byName ? { byName: true, tagNames: d.tagNames } : d;
      const group = groupId(m.name, p.tags, dims);
      let b = this.held.get(group);
      if (b === undefined) {
        b = { name: m.name, time: m.time, tags: groupTags(p.tags, dims), group, dims, points: [] };
        this.held.set(group, b);
      }
      b.points.push(p);
    }
  }
  override groupBarrier(group: string, t: bigint): void {
    this.flush(t);
    super.groupBarrier(group, t);
  }
  override cardinality(): number {
    return this.held.size;
  }
  /** Sends the held batches on unless `t` is their time. */
  private flush(t: bigint): void {
    if (t === this.heldTime || this.held.size === 0) return;
    const held = this.held;
    this.held = new Map();
    for (const b of held.values()) {
      b.points.sort(byTime);
      this.emitBatch(b);
    }
  }
}

/**
 * `|default().field(k, v).tag(k, v)`: fills in missing fields and tags, as Kapacitor's
 * default.go: a tag whose value is empty counts as missing. Batches: the batch tags and every
 * point. The group stays as it was (Kapacitor does not regroup here either).
 */
export class DefaultNode extends RuntimeNode {
  private readonly fields: [string, Fields[string]][] = [];
  private readonly tags: [string, string][] = [];
  private fieldsDefaulted = 0;
  private tagsDefaulted = 0;
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
  override extraStats(): Record<string, number> {
    return { fields_defaulted: this.fieldsDefaulted, tags_defaulted: this.tagsDefaulted };
  }
  override point(m: PointMsg): void {
    const fields = this.defaultFields(m.fields);
    const tags = this.defaultTags(m.tags);
    this.emitPoint(fields === m.fields && tags === m.tags ? m : { ...m, fields, tags });
  }
  override batch(m: BatchMsg): void {
    const points = m.points.map((p) => {
      const fields = this.defaultFields(p.fields);
      const tags = this.defaultTags(p.tags);
      return fields === p.fields && tags === p.tags ? p : { ...p, fields, tags };
    });
    this.emitBatch({ ...m, tags: this.defaultTags(m.tags), points });
  }
  private defaultFields(fields: Fields): Fields {
    let out = fields;
    for (const [k, v] of this.fields) {
      if (k in out) continue;
      out = { ...out, [k]: v };
      this.fieldsDefaulted++;
    }
    return out;
  }
  private defaultTags(tags: Tags): Tags {
    let out = tags;
    for (const [k, v] of this.tags) {
      if ((out[k] ?? "") !== "") continue;
      out = { ...out, [k]: v };
      this.tagsDefaulted++;
    }
    return out;
  }
}

/**
 * `|delete().field(k).tag(k)`, as Kapacitor's delete.go: deleting a tag that is a group-by
 * dimension takes it out of the dimensions too, so the stream regroups by what is left.
 * Batches: the batch tags and every point (a batch keeps its group, as in Kapacitor).
 */
export class DeleteNode extends RuntimeNode {
  private readonly fieldNames: string[] = [];
  private readonly tagNames: string[] = [];
  private readonly tagSet: ReadonlySet<string>;
  private fieldsDeleted = 0;
  private tagsDeleted = 0;
  /** The regrouped dimensions per incoming dimensions object (a task has few of them). */
  private readonly dimsCache = new Map<Dimensions, Dimensions>();
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    for (const p of n.properties) {
      const names = flatStrings(p.args);
      if (p.name === "field") this.fieldNames.push(...names);
      if (p.name === "tag") this.tagNames.push(...names);
    }
    this.tagSet = new Set(this.tagNames);
  }
  override extraStats(): Record<string, number> {
    return { fields_deleted: this.fieldsDeleted, tags_deleted: this.tagsDeleted };
  }
  override point(m: PointMsg): void {
    const { fields, tags } = this.doDeletes(m.fields, m.tags);
    const dims = this.regroup(m.dims);
    const group = dims === m.dims ? m.group : groupId(m.name, tags, dims);
    this.emitPoint({ ...m, fields, tags, dims, group });
  }
  override batch(m: BatchMsg): void {
    const points = m.points.map((p) => ({ ...p, ...this.doDeletes(p.fields, p.tags) }));
    // Deleting a group-by tag regroups the batch too (delete.go sets tags and dimensions).
    const tags = this.doDeletes({}, m.tags).tags;
    const dims = this.regroup(m.dims);
    const group = dims === m.dims ? m.group : groupId(m.name, tags, dims);
    this.emitBatch({ ...m, tags, dims, group, points });
  }
  private regroup(dims: Dimensions): Dimensions {
    if (this.tagNames.length === 0 || dims.tagNames.length === 0) return dims;
    let out = this.dimsCache.get(dims);
    if (out === undefined) {
      const kept = dims.tagNames.filter((t) => !this.tagSet.has(t));
      out = kept.length === dims.tagNames.length ? dims : { byName: dims.byName, tagNames: kept };
      // Dimensions of a `*` grouping are made per point: keep the cache small.
      if (this.dimsCache.size > 1000) this.dimsCache.clear();
      this.dimsCache.set(dims, out);
    }
    return out;
  }
  private doDeletes(fields: Fields, tags: Tags): { fields: Fields; tags: Tags } {
    let f = fields;
    let t = tags;
    for (const k of this.fieldNames) {
      if (!(k in f)) continue;
      if (f === fields) f = { ...fields };
      delete f[k];
      this.fieldsDeleted++;
    }
    for (const k of this.tagNames) {
      if (!(k in t)) continue;
      if (t === tags) t = { ...tags };
      delete t[k];
      this.tagsDeleted++;
    }
    return { fields: f, tags: t };
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
