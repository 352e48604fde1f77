/**
 * `|eval(lambda…).as(names…)`: computes new fields (or tags with `.tags()`), each expression
 * seeing the results of the ones before it. Without `.keep()` only the new fields remain.
 * A failing expression drops the point (logged unless `.quiet()`), as Kapacitor does.
 *
 * Stateful functions (`count()`, `sigma()`, `spread()`) keep one state per group, as
 * Kapacitor's eval.go gives every group `CopyReset()` copies of the expressions: when any
 * expression is stateful, each group gets its own compiled set on its first message
 * (forgotten on `|barrier().delete(TRUE)`); otherwise one set serves every group.
 */
import type { Expr } from "../../../grammar/ast.js";
import type { FieldValue, Fields, Tags } from "../../core/types.js";
import { compileExpression, Duration, type CompiledExpr, type Value } from "../../expr/index.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import { lastProperty } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { flatStrings, has, strings } from "../props.js";
import { badState, type GroupStateAccess } from "../group-state.js";

export class EvalNode extends RuntimeNode {
  private readonly exprs: CompiledExpr[];
  private readonly sources: Expr[];
  /** Per-group expression sets; undefined when no expression keeps state. */
  private readonly perGroup: Map<string, CompiledExpr[]> | undefined;
  private readonly names: string[];
  private readonly tagNames: Set<string>;
  private readonly keep: boolean;
  private readonly keepList: string[];
  private readonly quiet: boolean;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.sources = n.args.flatMap((a) => (a.type === "lambda" ? [a.expr] : []));
    this.exprs = this.sources.map((e) => compileExpression(e));
    this.perGroup = this.exprs.some((e) => e.stateful) ? new Map() : undefined;
    this.names = strings(n, "as");
    if (this.names.length !== this.exprs.length) {
      throw new Error(
        `${n.name}: eval has ${this.exprs.length} expressions but .as() names ${this.names.length}`,
      );
    }
    this.tagNames = new Set(strings(n, "tags"));
    const keep = lastProperty(n, "keep");
    this.keep = keep !== undefined;
    this.keepList = keep === undefined ? [] : flatStrings(keep.args);
    this.quiet = has(n, "quiet");
  }

  override deleteGroup(group: string): void {
    if (this.perGroup?.delete(group) === true) this.dirty.mark(group);
    super.deleteGroup(group);
  }

  /** The stateful functions' state of each group's expressions. */
  override groupState(): GroupStateAccess | undefined {
    const per = this.perGroup;
    if (per === undefined) return undefined;
    return {
      takeDirty: () => this.dirty.take(),
      save: (group) => per.get(group)?.map((e) => e.saveState() ?? null),
      load: (group, data) => {
        if (!Array.isArray(data) || data.length !== this.sources.length)
          throw badState(this.name, "not one state per expression");
        const set = this.exprsFor(group);
        set.forEach((e, i) => e.loadState(data[i]));
      },
    };
  }

  override cardinality(): number {
    return this.perGroup?.size ?? 0;
  }

  private exprsFor(group: string): CompiledExpr[] {
    const per = this.perGroup;
    if (per === undefined) return this.exprs;
    let set = per.get(group);
    if (set === undefined) {
      set = per.size === 0 ? this.exprs : this.sources.map((e) => compileExpression(e));
      per.set(group, set);
    }
    return set;
  }

  override point(m: PointMsg): void {
    if (this.perGroup !== undefined) this.dirty.mark(m.group);
    const r = this.evaluate(this.exprsFor(m.group), m.fields, m.tags, m.time);
    if (r !== undefined) this.emitPoint({ ...m, fields: r.fields, tags: r.tags });
  }

  override batch(m: BatchMsg): void {
    const points = [];
    if (this.perGroup !== undefined) this.dirty.mark(m.group);
    const exprs = this.exprsFor(m.group);
    for (const p of m.points) {
      const r = this.evaluate(exprs, p.fields, p.tags, p.time);
      if (r !== undefined) points.push({ ...p, fields: r.fields, tags: r.tags });
    }
    this.emitBatch({ ...m, points });
  }

  private evaluate(
    exprs: readonly CompiledExpr[],
    fields: Fields,
    tags: Tags,
    time: bigint,
  ): { fields: Fields; tags: Tags } | undefined {
    const results: Fields = {};
    // Later expressions see earlier results as fields.
    let scopeFields: Fields = fields;
    for (let i = 0; i < exprs.length; i++) {
      const name = this.names[i]!;
      let v: FieldValue;
      try {
        v = toField(exprs[i]!.evalValue({ fields: scopeFields, tags, time }), name);
      } catch (e) {
        this.error(e, this.quiet);
        return undefined;
      }
      results[name] = v;
      scopeFields =
        scopeFields === fields ? { ...fields, [name]: v } : Object.assign(scopeFields, { [name]: v });
    }
    let newTags = tags;
    if (this.tagNames.size > 0) {
      newTags = { ...tags };
      for (const t of this.tagNames) {
        const v = results[t];
        if (typeof v !== "string") {
          this.error(new Error(`${this.name}: tag ${t} must be a string, got ${typeof v}`), this.quiet);
          return undefined;
        }
        newTags[t] = v;
      }
    }
    let newFields: Fields;
    if (this.keep && this.keepList.length > 0) {
      newFields = {};
      for (const f of this.keepList) {
        const v = f in results ? results[f] : fields[f];
        if (v === undefined) {
          this.error(new Error(`${this.name}: cannot keep field ${f}, field does not exist`), this.quiet);
          return undefined;
        }
        newFields[f] = v;
      }
    } else if (this.keep) {
      newFields = { ...fields, ...results };
    } else {
      newFields = {};
      for (const name of this.names) if (!this.tagNames.has(name)) newFields[name] = results[name]!;
    }
    return { fields: newFields, tags: newTags };
  }
}

/** Expression values that can be stored as fields; durations become int64 ns as in Kapacitor. */
function toField(v: Value, name: string): FieldValue {
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "string" || typeof v === "boolean")
    return v;
  if (v instanceof Duration) return BigInt(Math.round(v.ns));
  throw new Error(`eval result ${name} cannot be stored as a field`);
}
