/**
 * `|kapacitorLoopback().database(db).retentionPolicy(rp)` (Kapacitor's loopback.go): writes
 * every point (and every point of a batch) back into tickd's own stream under db/rp, with
 * `.measurement()` and `.tag(k, v)` applied; it has no children. The host decides where the
 * points go (`ctx.loopback`): the daemon routes them to the tasks reading db/rp, `tickctl
 * test` only counts them. A task whose own dbrp it writes to is refused (src/engine/task.ts).
 */
import type { Point, Tags } from "../../core/types.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { str } from "../props.js";

export class LoopbackNode extends RuntimeNode {
  readonly database: string;
  readonly retentionPolicy: string;
  private readonly measurement: string | undefined;
  private readonly tags: [string, string][] = [];
  private written = 0;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.database = str(n, "database") ?? "";
    this.retentionPolicy = str(n, "retentionPolicy") ?? "";
    this.measurement = str(n, "measurement");
    for (const p of n.properties) {
      const [k, v] = p.args;
      if (p.name === "tag" && k?.type === "string" && v?.type === "string")
        this.tags.push([k.value, v.value]);
    }
  }

  override extraStats(): Record<string, number> {
    return { points_written: this.written };
  }

  override point(m: PointMsg): void {
    this.write({
      name: this.measurement ?? m.name,
      tags: this.withTags(m.tags),
      fields: m.fields,
      time: m.time,
    });
  }

  override batch(m: BatchMsg): void {
    const name = this.measurement ?? m.name;
    for (const p of m.points)
      this.write({ name, tags: this.withTags(p.tags), fields: p.fields, time: p.time });
  }

  private withTags(tags: Tags): Tags {
    if (this.tags.length === 0) return tags;
    const out = { ...tags };
    for (const [k, v] of this.tags) out[k] = v;
    return out;
  }

  private write(p: Point): void {
    const sink = this.ctx.loopback;
    if (sink === undefined) return;
    try {
      sink(this.database, this.retentionPolicy, p);
      this.written++;
    } catch (e) {
      this.error(new Error(`failed to write point over loopback: ${(e as Error).message}`));
    }
  }
}
