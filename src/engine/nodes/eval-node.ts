/**
 * `|eval(lambda…).as(names…)`: computes new fields (or tags with `.tags()`), each expression
 * seeing the results of the ones before it. Without `.keep()` only the new fields remain.
 * A failing expression drops the point (logged unless `.quiet()`), as Kapacitor does.
 */
import type { FieldValue, Fields, Tags } from "../../core/types.js";
import { compileExpression, Duration, type CompiledExpr, type Value } from "../../expr/index.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import { lastProperty } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { flatStrings, has, strings } from "../props.js";

export class EvalNode extends RuntimeNode {
  private readonly exprs: CompiledExpr[];
  private readonly names: string[];
  private readonly tagNames: Set<string>;
  private readonly keep: boolean;
  private readonly keepList: string[];
  private readonly quiet: boolean;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.exprs = n.args.flatMap((a) => (a.type === "lambda" ? [compileExpression(a.expr)] : []));
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

  override point(m: PointMsg): void {
    const r = this.evaluate(m.fields, m.tags, m.time);
    if (r !== undefined) this.emitPoint({ ...m, fields: r.fields, tags: r.tags });
  }

  override batch(m: BatchMsg): void {
    const points = [];
    for (const p of m.points) {
      const r = this.evaluate(p.fields, p.tags, p.time);
      if (r !== undefined) points.push({ ...p, fields: r.fields, tags: r.tags });
    }
    this.emitBatch({ ...m, points });
  }

  private evaluate(fields: Fields, tags: Tags, time: number): { fields: Fields; tags: Tags } | undefined {
    const results: Fields = {};
    // Later expressions see earlier results as fields.
    let scopeFields: Fields = fields;
    for (let i = 0; i < this.exprs.length; i++) {
      const name = this.names[i]!;
      let v: FieldValue;
      try {
        v = toField(this.exprs[i]!.evalValue({ fields: scopeFields, tags, time }), name);
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
