/**
 * `|join(others…)` for streams (Kapacitor's join.go). Parent i (0 = the node `|join` follows,
 * then the others in order) contributes the fields of its points as `<as[i]><delimiter><field>`.
 *
 * Per group (the points' own group; with `.on(tags…)` see below), point times are rounded to
 * `.tolerance()` (Go's Round; no tolerance = exact times) and collected into join sets, one per
 * rounded time and per "round" of arrivals (a parent's second point at the same time starts a
 * new set). A set is emitted when every parent has a point in it; once every parent's latest
 * time has passed the oldest pending time, incomplete sets are emitted too: with `.fill()`
 * 'none' (default: inner join) they are dropped, with a number their missing fields (named
 * after the first present point's fields) get that value, with 'null' they are left out (a
 * point cannot hold a null field in tickd). The joined point has the set's rounded time, the
 * first present point's group tags and dimensions, and the name `.streamName()` or else that
 * point's measurement.
 *
 * `.on(tags…)` joins points grouped by more tags ("specific") with points grouped by just the
 * on-tags: specific points are held until a matching point (same on-tags, same rounded time)
 * arrives, and are sent alone once every parent has moved past their time; the matching point
 * takes the specific point's tags and group.
 *
 * Batches join the same way as whole messages, keyed by batch time (see batchFrom); with
 * `.on()` a batch is matched like a point, by its batch time, and the matching batch takes the
 * specific batch's tags and group (join.go sendMatchPoint).
 */
import type { Fields, FieldValue, Point } from "../../core/types.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import { groupId, groupTags } from "../group.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { arg, dur, has, str, strings } from "../props.js";
import { MultiInputNode } from "./multi-input.js";
import { goRound } from "../../core/time.js";

type Fill = { kind: "none" } | { kind: "null" } | { kind: "number"; value: FieldValue };

/** A message with the parent it came from; `.on()` matches points and batches alike. */
interface SrcPoint {
  src: number;
  m: PointMsg | BatchMsg;
}

/** `a` strictly before `b`, where undefined is Go's zero time (before everything). */
function before(a: bigint | undefined, b: bigint | undefined): boolean {
  if (b === undefined) return false;
  return a === undefined || a < b;
}

class JoinSet {
  readonly values: (PointMsg | undefined)[];
  size = 0;
  first: number;
  constructor(
    readonly time: bigint,
    expected: number,
  ) {
    this.values = new Array<PointMsg | undefined>(expected).fill(undefined);
    this.first = expected;
  }
  has(i: number): boolean {
    return this.values[i] !== undefined;
  }
  set(i: number, m: PointMsg): void {
    if (i < this.first) this.first = i;
    this.values[i] = m;
    this.size++;
  }
  ready(): boolean {
    return this.size === this.values.length;
  }
}

class JoinGroup {
  private readonly sets = new Map<bigint, JoinSet[]>();
  private readonly head: (bigint | undefined)[];
  private oldest: bigint | undefined;

  constructor(private readonly node: JoinNode) {
    this.head = new Array<bigint | undefined>(node.inputCount).fill(undefined);
  }

  collect(src: number, m: PointMsg): void {
    const t = this.node.round(m.time);
    if (this.oldest === undefined || t < this.oldest) this.oldest = t;
    let list = this.sets.get(t);
    if (list === undefined) {
      list = [new JoinSet(t, this.node.inputCount)];
      this.sets.set(t, list);
    }
    let set = list.find((s) => !s.has(src));
    if (set === undefined) {
      set = new JoinSet(t, this.node.inputCount);
      list.push(set);
    }
    set.set(src, m);
    this.head[src] = t;
    this.emit(this.onlyReadySets());
  }

  /** True while some parent has not yet moved past the oldest pending time. */
  private onlyReadySets(): boolean {
    return this.head.some((h) => h === undefined || (this.oldest !== undefined && h <= this.oldest));
  }

  private emit(onlyReady: boolean): void {
    for (;;) {
      if (this.sets.size === 0 || this.oldest === undefined) return;
      const list = this.sets.get(this.oldest);
      if (list === undefined) return;
      let i = 0;
      for (; i < list.length; i++) {
        const set = list[i]!;
        if (set.ready() || !onlyReady) this.node.emitSet(set);
        else break;
      }
      if (i === list.length) this.sets.delete(this.oldest);
      else list.splice(0, i);
      this.oldest = undefined;
      for (const t of this.sets.keys()) if (this.oldest === undefined || t < this.oldest) this.oldest = t;
      if (onlyReady) return;
      // Some parent skipped a stretch of time: keep emitting while every head is past the oldest.
      onlyReady = this.onlyReadySets();
    }
  }
}

export class JoinNode extends MultiInputNode {
  private readonly names: string[];
  private readonly onDims: string[];
  private readonly delimiter: string;
  private readonly streamName: string;
  private readonly tolerance: number;
  private readonly fill: Fill;

  private readonly groups = new Map<string, JoinGroup>();
  /** `.on()` only: the latest rounded time per parent and on-group. */
  private readonly lowMarks = new Map<string, bigint>();
  private readonly matchBuffers = new Map<string, SrcPoint[]>();
  private readonly specificBuffers = new Map<string, SrcPoint[]>();
  private readonly reported = new Set<number>();
  private allReported = false;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx, n.parents.length);
    this.names = strings(n, "as");
    this.onDims = [...new Set(strings(n, "on"))].sort();
    this.delimiter = has(n, "delimiter") ? (str(n, "delimiter") ?? ".") : ".";
    this.streamName = str(n, "streamName") ?? "";
    this.tolerance = dur(n, "tolerance") ?? 0;
    this.fill = fillOf(n);
    // pipeline/join.go validate()
    if (this.names.length === 0)
      throw new Error(`${n.name}: a call to join.as() is required to specify the output stream prefixes.`);
    if (this.names.length !== n.parents.length) {
      throw new Error(
        `${n.name}: number of prefixes specified by join.as() must match the number of joined streams`,
      );
    }
    for (const name of this.names) {
      if (name === "")
        throw new Error(`${n.name}: must provide a prefix name for the join node, see .as() property method`);
      if (this.delimiter !== "" && name.includes(this.delimiter)) {
        throw new Error(
          `${n.name}: cannot use name ${name} as field prefix, it contains the delimiter "${this.delimiter}"`,
        );
      }
    }
    if (new Set(this.names).size !== this.names.length) {
      throw new Error(`${n.name}: cannot use the same prefix name see .as() property method`);
    }
  }

  /** Kapacitor's working_cardinality: the join groups kept (one per group of any parent). */
  override cardinality(): number {
    return this.groups.size;
  }

  /** Go's `Time.Round(tolerance)`; no tolerance keeps the time. */
  round(t: bigint): bigint {
    return goRound(t, this.tolerance);
  }

  override pointFrom(src: number, m: PointMsg): void {
    if (this.onDims.length > 0) this.matchPoints({ src, m });
    else this.group(m.group).collect(src, m);
  }

  /**
   * Batches join as whole messages: per group and rounded batch time, a set of one batch per
   * parent (the same sets as points, so the same release rules); a released set becomes one
   * batch whose points are joined by rounded point time (join.go JoinIntoBatch).
   */
  override batchFrom(src: number, m: BatchMsg): void {
    if (this.onDims.length > 0) this.matchPoints({ src, m });
    else this.collect(src, m);
  }

  /** Into the message's group: a point as it is, a batch as a stub point keyed by batch time. */
  private collect(src: number, m: PointMsg | BatchMsg): void {
    if (!("points" in m)) {
      this.group(m.group).collect(src, m);
      return;
    }
    const stub: PointMsg = {
      name: m.name,
      db: "",
      rp: "",
      tags: m.tags,
      fields: {},
      time: m.time,
      group: m.group,
      dims: m.dims,
    };
    this.batchOf.set(stub, m);
    this.group(m.group).collect(src, stub);
  }

  private readonly batchOf = new WeakMap<PointMsg, BatchMsg>();

  private emitBatchSet(set: JoinSet, first: BatchMsg): void {
    const batches = set.values.map((v) => (v === undefined ? undefined : this.batchOf.get(v)));
    const next = batches.map(() => 0);
    const points: Point[] = [];
    let fieldNames: string[] | undefined;
    for (;;) {
      // The lowest rounded time among the batches' next points makes the row.
      let t: bigint | undefined;
      batches.forEach((b, i) => {
        const p = b?.points[next[i]!];
        if (p === undefined) return;
        const pt = this.round(p.time);
        if (t === undefined || pt < t) t = pt;
      });
      if (t === undefined) break;
      const row = batches.map((b, i) => {
        const p = b?.points[next[i]!];
        if (p === undefined || this.round(p.time) !== t) return undefined;
        next[i]!++;
        return p;
      });
      fieldNames ??= Object.keys(row.find((p) => p !== undefined)!.fields);
      const fields: Fields = {};
      let inner = false;
      row.forEach((p, i) => {
        const prefix = this.names[i]! + this.delimiter;
        if (p !== undefined) for (const [k, x] of Object.entries(p.fields)) fields[prefix + k] = x;
        else if (this.fill.kind === "none") inner = true;
        else if (this.fill.kind === "number")
          for (const k of fieldNames!) fields[prefix + k] = this.fill.value;
      });
      if (!inner) points.push({ name: first.name, tags: first.tags, fields, time: t });
    }
    this.emitBatch({
      name: this.streamName !== "" ? this.streamName : first.name,
      time: set.time,
      tags: first.tags,
      group: first.group,
      dims: first.dims,
      points,
    });
  }

  private group(id: string): JoinGroup {
    let g = this.groups.get(id);
    if (g === undefined) {
      g = new JoinGroup(this);
      this.groups.set(id, g);
    }
    return g;
  }

  private matchPoints(p: SrcPoint): void {
    if (!this.allReported) {
      this.reported.add(p.src);
      this.allReported = this.reported.size === this.inputCount;
    }
    const t = this.round(p.m.time);
    const gid = groupId(p.m.name, groupTags(p.m.tags, p.m.dims), {
      byName: p.m.dims.byName,
      tagNames: this.onDims,
    });
    this.lowMarks.set(`${p.src}\n${gid}`, t);

    // The oldest latest-time over the parents (Go's zero time for a parent not seen yet).
    let lowMark: bigint | undefined;
    if (this.allReported) {
      for (let s = 0; s < this.inputCount; s++) {
        const lm = this.lowMarks.get(`${s}\n${gid}`);
        if (lowMark === undefined || before(lm, lowMark)) lowMark = lm;
      }
      const held = this.specificBuffers.get(gid);
      if (held !== undefined) {
        let i = 0;
        for (; i < held.length && before(this.round(held[i]!.m.time), lowMark); i++)
          this.sendSpecific(held[i]!);
        held.splice(0, i);
      }
    }

    if (p.m.dims.tagNames.length > this.onDims.length) {
      const matches = this.matchBuffers.get(gid);
      let matched = false;
      if (matches !== undefined) {
        let i = 0;
        for (; i < matches.length; i++) {
          const pt = this.round(matches[i]!.m.time);
          if (pt === t) {
            this.sendMatch(p, matches[i]!);
            matched = true;
          }
          if (!before(pt, lowMark)) break;
        }
        if (this.allReported) matches.splice(0, i);
      }
      if (!matched) {
        if (this.allReported && before(t, lowMark)) this.sendSpecific(p);
        else buffer(this.specificBuffers, gid).push(p);
      }
    } else {
      buffer(this.matchBuffers, gid).push(p);
      const held = this.specificBuffers.get(gid);
      if (held !== undefined) {
        let i = 0;
        for (; i < held.length && this.round(held[i]!.m.time) === t; i++) this.sendMatch(held[i]!, p);
        held.splice(0, i);
      }
    }
  }

  private sendMatch(specific: SrcPoint, matched: SrcPoint): void {
    const s = specific.m;
    this.collect(specific.src, s);
    this.collect(matched.src, {
      ...matched.m,
      tags: groupTags(s.tags, s.dims),
      dims: s.dims,
      group: s.group,
    });
  }

  private sendSpecific(specific: SrcPoint): void {
    this.collect(specific.src, specific.m);
  }

  /** Called by a group for each set it releases. */
  emitSet(set: JoinSet): void {
    const first = set.values[set.first];
    if (first === undefined) return;
    const batch = this.batchOf.get(first);
    if (batch !== undefined) {
      this.emitBatchSet(set, batch);
      return;
    }
    const fields: Fields = {};
    for (let i = 0; i < set.values.length; i++) {
      const prefix = this.names[i]! + this.delimiter;
      const v = set.values[i];
      if (v !== undefined) {
        for (const [k, x] of Object.entries(v.fields)) fields[prefix + k] = x;
        continue;
      }
      if (this.fill.kind === "none") return; // inner join: no point
      if (this.fill.kind === "number")
        for (const k of Object.keys(first.fields)) fields[prefix + k] = this.fill.value;
    }
    this.emitPoint({
      name: this.streamName !== "" ? this.streamName : first.name,
      db: "",
      rp: "",
      tags: groupTags(first.tags, first.dims),
      fields,
      time: set.time,
      group: first.group,
      dims: first.dims,
    });
  }
}

function buffer(map: Map<string, SrcPoint[]>, key: string): SrcPoint[] {
  let b = map.get(key);
  if (b === undefined) {
    b = [];
    map.set(key, b);
  }
  return b;
}

function fillOf(n: TaskNode): Fill {
  const a = arg(n, "fill");
  if (a === undefined) return { kind: "none" };
  if (a.type === "int") return { kind: "number", value: a.value };
  if (a.type === "float") return { kind: "number", value: a.value };
  if (a.type === "string" && (a.value === "none" || a.value === "null")) return { kind: a.value };
  throw new Error(`${n.name}: unexpected fill option ${a.type === "string" ? a.value : a.type}`);
}
