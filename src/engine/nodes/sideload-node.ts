/**
 * `|sideload().source('file:///dir').order('host/{{.host}}.yml', 'default.yml')
 * .field(name, default).tag(name, default)` (Kapacitor's sideload.go): adds fields and tags
 * looked up in an external source. For each point the order templates are rendered over its
 * tags into relative file paths; the first file holding the key gives the value, converted to
 * the type of the default (Kapacitor's convertType); a missing key, or one that does not
 * convert (logged), takes the default. Batches: every point. The source itself (reading and
 * caching the files) is the host's (`ctx.sideload`); the engine does no I/O.
 */
import { GoMap, stringMap } from "../../core/go-format.js";
import { compileTemplate, type Template } from "../../core/template.js";
import type { FieldValue, Fields, Tags } from "../../core/types.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { SideloadSource, TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { plain, str } from "../props.js";

export class SideloadNode extends RuntimeNode {
  private readonly source: SideloadSource;
  private readonly order: Template[];
  private readonly fields: [string, FieldValue][] = [];
  private readonly tags: [string, string][] = [];

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const url = str(n, "source");
    if (url === undefined) throw new Error(`${n.name}: sideload needs .source('file:///path')`);
    if (ctx.sideload === undefined) throw new Error(`${n.name}: this host has no sideload sources`);
    this.source = ctx.sideload(url);
    this.order = n.properties
      .filter((p) => p.name === "order")
      .flatMap((p) => p.args)
      .flatMap((a) => (a.type === "string" ? [compileTemplate(a.value, { name: "order" })] : []));
    for (const p of n.properties) {
      const [k, v] = p.args;
      if (k?.type !== "string" || v === undefined) continue;
      const value = plain(v);
      if (value === undefined) continue;
      if (p.name === "field") this.fields.push([k.value, value]);
      if (p.name === "tag") this.tags.push([k.value, String(value)]);
    }
  }

  override point(m: PointMsg): void {
    const r = this.load(m.fields, m.tags);
    this.emitPoint(r === undefined ? m : { ...m, fields: r.fields, tags: r.tags });
  }

  override batch(m: BatchMsg): void {
    const points = m.points.map((p) => {
      const r = this.load(p.fields, p.tags);
      return r === undefined ? p : { ...p, fields: r.fields, tags: r.tags };
    });
    this.emitBatch({ ...m, points });
  }

  /** The point's fields and tags with the loaded values; undefined when an order template fails. */
  private load(fields: Fields, tags: Tags): { fields: Fields; tags: Tags } | undefined {
    const order: string[] = [];
    const data: GoMap<string> = stringMap(tags);
    for (const t of this.order) {
      try {
        order.push(t.execute(data));
      } catch (e) {
        this.error(
          new Error(`failed to evaluate order template ${JSON.stringify(t.source)}: ${(e as Error).message}`),
        );
        return undefined;
      }
    }
    let outFields = fields;
    if (this.fields.length > 0) {
      outFields = { ...fields };
      for (const [key, dflt] of this.fields) outFields[key] = this.value(order, key, dflt);
    }
    let outTags = tags;
    if (this.tags.length > 0) {
      outTags = { ...tags };
      for (const [key, dflt] of this.tags) outTags[key] = this.value(order, key, dflt) as string;
    }
    return { fields: outFields, tags: outTags };
  }

  private value(order: readonly string[], key: string, dflt: FieldValue): FieldValue {
    const v = this.source.lookup(order, key);
    if (v === undefined || v === null) return dflt;
    const c = convert(v, dflt);
    if (c === undefined) {
      this.error(new Error(`failed to load key ${key}: expected ${goType(dflt)}, got ${goType(v)}`));
      return dflt;
    }
    return c;
  }
}

/** Kapacitor's `%T` of a value: YAML/JSON numbers are float64. */
function goType(v: unknown): string {
  if (typeof v === "bigint") return "int64";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "string";
  return Array.isArray(v) ? "[]interface {}" : "map[string]interface {}";
}

const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** sideload.go convertType: the source value as the default's type, or undefined. */
function convert(src: unknown, dflt: FieldValue): FieldValue | undefined {
  switch (typeof dflt) {
    case "bigint":
      if (typeof src === "bigint") return src;
      if (typeof src === "number") return Number.isInteger(src) ? BigInt(src) : undefined;
      if (typeof src === "string") return /^[+-]?\d+$/.test(src) ? BigInt(src) : undefined;
      return undefined;
    case "number":
      if (typeof src === "number") return src;
      if (typeof src === "bigint") return Number(src);
      if (typeof src === "string") {
        const f = Number(src.trim() === src ? src : NaN);
        return src !== "" && !Number.isNaN(f) ? f : undefined;
      }
      return undefined;
    case "boolean":
      if (typeof src === "boolean") return src;
      if (typeof src === "string") return GO_TRUE.has(src) ? true : GO_FALSE.has(src) ? false : undefined;
      return undefined;
    case "string":
      if (typeof src === "string") return src;
      if (typeof src === "bigint" || typeof src === "boolean") return String(src);
      if (typeof src === "number") return formatFloatF(src);
      return undefined;
  }
}

/** strconv.FormatFloat(f, 'f', -1, 64): the shortest digits, never an exponent. */
function formatFloatF(f: number): string {
  const s = String(f);
  if (!/e/i.test(s)) return s;
  return f.toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 20 });
}
