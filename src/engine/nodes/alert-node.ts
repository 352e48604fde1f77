/**
 * `|alert()`: evaluates the level lambdas per group, keeps each group's AlertGroupState and
 * emits alert events (Kapacitor's AlertNode, KAPACITOR-COMPAT.md §1). Events leave through
 * the task context's AlertSink with their topics; triggered points go on downstream,
 * augmented with the level/id/message/duration tags and fields that were asked for.
 */
import type { AlertEvent, Series } from "../../core/alert-event.js";
import { GoDuration, goMap, GoTime, stringMap } from "../../core/go-format.js";
import { compileTemplate, type Template } from "../../core/template.js";
import { Level, levelName, type Fields, type LevelName, type Point, type Tags } from "../../core/types.js";
import type { HandlerSpec, TaskNode } from "../../pipeline/task-graph.js";
import {
  AlertGroupState,
  DEFAULT_HISTORY,
  determineLevel,
  type AlertBehaviour,
  type LevelPredicates,
} from "../alert-state.js";
import type { TaskContext } from "../context.js";
import { groupForTemplate } from "../group.js";
import { compileBool } from "../lambda.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { Inhibitor } from "../inhibitors.js";
import { allProperties } from "../../pipeline/task-graph.js";
import { dur, flatStrings, float, has, int, lambda, str } from "../props.js";

const DEFAULT_ID = "{{ .Name }}:{{ .Group }}";
const DEFAULT_MESSAGE = "{{ .ID }} is {{ .Level }}";
const DEFAULT_DETAILS = "{{ json . }}";

const LEVEL_PROPS = [
  [Level.INFO, "info", "infoReset"],
  [Level.WARNING, "warn", "warnReset"],
  [Level.CRITICAL, "crit", "critReset"],
] as const;

interface Augment {
  levelTag?: string;
  idTag?: string;
  levelField?: string;
  messageField?: string;
  idField?: string;
  durationField?: string;
}

export class AlertNode extends RuntimeNode {
  private readonly groups = new Map<string, AlertGroupState>();
  private readonly behaviour: AlertBehaviour;
  private readonly preds: LevelPredicates<{ fields: Fields; tags: Tags; time: bigint }>;
  private readonly idTmpl: Template;
  /** The ID template reads only name, task, group and server info: render once per group. */
  private readonly idPerGroup: boolean;
  private readonly messageTmpl: Template;
  private readonly detailsTmpl: Template;
  private readonly topics: string[];
  /** `main:<task>:<node>`: where the node's TICKscript handlers listen. */
  private readonly anonTopic: string;
  private readonly handlers: readonly HandlerSpec[];
  private readonly category: string;
  private readonly inhibits: { category: string; tags: string[] }[];
  private readonly augment: Augment;
  /** Events dropped by inhibition (Kapacitor's alerts_inhibited). */
  private inhibited = 0;
  /** Events raised, by level, inhibited ones included (Kapacitor's oks/infos/warns/crits_triggered). */
  private readonly levels: Record<LevelName, number> = { OK: 0, INFO: 0, WARNING: 0, CRITICAL: 0 };

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const levels: ((p: { fields: Fields; tags: Tags; time: bigint }) => boolean)[] = [];
    const resets: typeof levels = [];
    for (const [level, prop, resetProp] of LEVEL_PROPS) {
      const e = lambda(n, prop);
      if (e !== undefined) {
        const c = compileBool(e);
        levels[level] = (p) => c.evalBool(p);
      }
      const r = lambda(n, resetProp);
      if (r !== undefined) {
        const c = compileBool(r);
        resets[level] = (p) => c.evalBool(p);
      }
    }
    this.preds = {
      levels,
      resets,
      onError: (kind, level, err) =>
        this.error(
          new Error(
            `error evaluating ${kind === "reset" ? "reset " : ""}expression for ${levelName(level)}: ${errText(err)}`,
          ),
        ),
    };
    const low = float(n, "flapping", 0);
    const high = float(n, "flapping", 1);
    this.behaviour = {
      history: Math.max(2, int(n, "history") ?? DEFAULT_HISTORY),
      flapping: low !== undefined && high !== undefined ? { low, high } : undefined,
      stateChangesOnly: has(n, "stateChangesOnly"),
      stateChangesOnlyDuration: dur(n, "stateChangesOnly") ?? 0,
      noRecoveries: has(n, "noRecoveries"),
      all: has(n, "all"),
    };
    this.idTmpl = compileTemplate(str(n, "id") ?? DEFAULT_ID, { name: "id" });
    this.idPerGroup = idIsPerGroup(this.idTmpl.source);
    this.messageTmpl = compileTemplate(str(n, "message") ?? DEFAULT_MESSAGE, { name: "message" });
    this.detailsTmpl = compileTemplate(str(n, "details") ?? DEFAULT_DETAILS, { name: "details", html: true });
    this.handlers = n.handlers;
    this.anonTopic = `${ctx.taskMaster}:${ctx.taskName}:${n.name}`;
    const topics: string[] = [];
    if (n.handlers.length > 0) topics.push(this.anonTopic);
    const topic = str(n, "topic");
    if (topic !== undefined && topic !== "") topics.push(topic);
    this.topics = topics;
    this.category = str(n, "category") ?? "";
    this.inhibits = allProperties(n, "inhibit").map((p) => {
      const [cat, ...tags] = p.args;
      return { category: cat?.type === "string" ? cat.value : "", tags: flatStrings(tags) };
    });
    const augment: Augment = {};
    for (const k of [
      "levelTag",
      "idTag",
      "levelField",
      "messageField",
      "idField",
      "durationField",
    ] as const) {
      const v = str(n, k);
      if (v !== undefined && v !== "") augment[k] = v;
    }
    this.augment = augment;
  }

  override point(m: PointMsg): void {
    const found = this.stateWithId(m.name, m.group, m.tags, m.time);
    if (found === undefined) return;
    const { st, id } = found;
    st.addEvent(m.time, determineLevel(this.preds, m, st.level));
    const emit = st.shouldEmitPoint(m.time);
    this.persist(m.group, st, emit);
    if (!emit) return;
    const event = this.event(id, m.name, m.group, m.tags, m.fields, st, m.time, [pointSeries(m)]);
    if (event === undefined) return;
    this.deliver(event);
    const { tags, fields } = this.augmented(m.tags, m.fields, event);
    this.emitPoint({ ...m, tags, fields });
  }

  override batch(b: BatchMsg): void {
    if (b.points.length === 0) return;
    const found = this.stateWithId(b.name, b.group, b.tags, b.time);
    if (found === undefined) return;
    const { st, id } = found;
    const cur = st.level;
    let lowest = Level.CRITICAL;
    let highest = Level.OK;
    let highestPoint: Point | undefined;
    for (const p of b.points) {
      const l = determineLevel(this.preds, p, cur);
      if (l < lowest) lowest = l;
      if (l > highest || highestPoint === undefined) {
        highest = l;
        highestPoint = p;
      }
    }
    const l = this.behaviour.all ? lowest : highest;
    const t = this.behaviour.all || l === Level.OK ? b.time : highestPoint!.time;
    st.addEvent(t, l);
    const emit = st.shouldEmitBatch(t);
    this.persist(b.group, st, emit);
    if (!emit) return;
    const event = this.event(id, b.name, b.group, b.tags, highestPoint!.fields, st, t, [batchSeries(b)]);
    if (event === undefined) return;
    this.deliver(event);
    const points = b.points.map((p) => ({ ...p, ...this.augmented(p.tags, p.fields, event) }));
    this.emitBatch({ ...b, tags: this.augmented(b.tags, {}, event).tags, points });
  }

  /**
   * Drops OK groups unseen since `before`. A group with an open incident is kept: forgetting
   * it would lose the recovery.
   */
  override expire(before: bigint): number {
    let n = 0;
    for (const [g, st] of this.groups) {
      if (st.level !== Level.OK || st.lastSeen >= before) continue;
      for (const inh of (st.inhibitors ?? []) as Inhibitor[]) this.ctx.inhibitors.remove(inh);
      this.groups.delete(g);
      n++;
    }
    return n;
  }

  /**
   * `|barrier().delete(TRUE)`: Kapacitor's grouped consumer drops the group's alert state; when
   * the group comes back, NewGroup seeds it from its topics' state for the ID again.
   */
  override deleteGroup(group: string): void {
    const st = this.groups.get(group);
    if (st !== undefined) {
      for (const inh of (st.inhibitors ?? []) as Inhibitor[]) this.ctx.inhibitors.remove(inh);
      this.groups.delete(group);
      try {
        this.ctx.alertStates?.remove(this.name, group);
      } catch (e) {
        this.error(e);
      }
    }
    super.deleteGroup(group);
  }

  override cardinality(): number {
    return this.groups.size;
  }

  /** Kapacitor's alert node statistics (alert.go). */
  override extraStats(): Record<string, number> {
    const l = this.levels;
    return {
      alerts_triggered: l.OK + l.INFO + l.WARNING + l.CRITICAL,
      alerts_inhibited: this.inhibited,
      oks_triggered: l.OK,
      infos_triggered: l.INFO,
      warns_triggered: l.WARNING,
      crits_triggered: l.CRITICAL,
    };
  }

  /** Collects the event into its topics unless an active inhibitor silences its category. */
  private deliver(event: AlertEvent): void {
    this.levels[levelName(event.state.level)]++;
    if (this.category !== "" && this.ctx.inhibitors.isInhibited(this.category, event.data.tags)) {
      this.inhibited++;
      return;
    }
    this.ctx.alerts.collect(event, { topics: this.topics, handlers: this.handlers });
  }

  /** The group's state and this message's alert ID (cached per group when the template allows). */
  private stateWithId(
    name: string,
    group: string,
    tags: Tags,
    time: bigint,
  ): { st: AlertGroupState; id: string } | undefined {
    const cached = this.groups.get(group);
    if (cached !== undefined && this.idPerGroup && cached.idName === name)
      return { st: cached, id: cached.id };
    let id: string;
    try {
      id = this.renderId(name, group, tags);
    } catch (e) {
      this.error(e);
      return undefined;
    }
    const st = cached ?? this.state(group, id, time, tags);
    st.id = id;
    st.idName = name;
    return { st, id };
  }

  /**
   * Saves the group's state when its level changed or an event went out (the moments that
   * decide paging after a restart). An OK group is removed: a fresh group starts the same.
   */
  private persist(group: string, st: AlertGroupState, emitted: boolean): void {
    const store = this.ctx.alertStates;
    if (store === undefined || !(st.changed || emitted)) return;
    try {
      if (st.level === Level.OK) store.remove(this.name, group);
      else store.save(this.name, group, st.id, st.snapshot());
    } catch (e) {
      this.error(e);
    }
  }

  private state(group: string, id: string, firstTime: bigint, tags: Tags): AlertGroupState {
    let st = this.groups.get(group);
    if (st === undefined) {
      st = new AlertGroupState(this.behaviour);
      const saved = this.ctx.alertStates?.load(this.name, group);
      if (saved !== undefined) st.restore(saved.state);
      if (this.inhibits.length > 0) {
        st.inhibitors = this.inhibits.map((spec) => {
          const values: Tags = {};
          for (const k of spec.tags) values[k] = tags[k] ?? "";
          const inh = new Inhibitor(spec.category, values);
          this.ctx.inhibitors.add(inh);
          return inh;
        });
      }
      // Kapacitor's NewGroup: every group that starts is seeded from its topics' state for the
      // ID (another group with the same ID may have set it), and the topics are brought in
      // line even when the group's own saved state is used instead.
      const stored = this.ctx.alerts.restore?.(this.topics, id);
      if (saved === undefined && stored !== undefined) st.seed(firstTime, stored.level, stored.time);
      this.groups.set(group, st);
    }
    return st;
  }

  private renderId(name: string, group: string, tags: Tags): string {
    return this.idTmpl.execute(this.idData(name, group, tags));
  }

  private idData(name: string, group: string, tags: Tags): Record<string, unknown> {
    return {
      Name: name,
      TaskName: this.ctx.taskName,
      Group: groupForTemplate(group),
      Tags: stringMap(tags),
      ServerInfo: this.ctx.serverInfo,
    };
  }

  private event(
    id: string,
    name: string,
    group: string,
    tags: Tags,
    fields: Fields,
    st: AlertGroupState,
    time: bigint,
    series: Series[],
  ): AlertEvent | undefined {
    const level = st.level;
    const duration = st.duration();
    const data = templateData({
      name,
      taskName: this.ctx.taskName,
      group,
      tags,
      serverInfo: this.ctx.serverInfo,
      id,
      fields,
      level,
      time,
      duration,
    });
    let message: string;
    let details: string;
    try {
      message = this.messageTmpl.execute(data);
      data["Message"] = message;
      details = this.detailsTmpl.execute(data);
    } catch (e) {
      this.error(e);
      return undefined;
    }
    return {
      topic: this.topics[0] ?? this.anonTopic,
      state: { id, message, details, time, duration, level },
      data: {
        name,
        taskName: this.ctx.taskName,
        category: this.category,
        group,
        tags,
        fields,
        series,
        recoverable: !this.behaviour.noRecoveries,
      },
    };
  }

  private augmented(tags: Tags, fields: Fields, e: AlertEvent): { tags: Tags; fields: Fields } {
    const a = this.augment;
    let t = tags;
    let f = fields;
    if (a.levelTag !== undefined || a.idTag !== undefined) {
      t = { ...tags };
      if (a.levelTag !== undefined) t[a.levelTag] = levelName(e.state.level);
      if (a.idTag !== undefined) t[a.idTag] = e.state.id;
    }
    if (a.levelField ?? a.messageField ?? a.idField ?? a.durationField) {
      f = { ...fields };
      if (a.levelField !== undefined) f[a.levelField] = levelName(e.state.level);
      if (a.messageField !== undefined) f[a.messageField] = e.state.message;
      if (a.idField !== undefined) f[a.idField] = e.state.id;
      if (a.durationField !== undefined) f[a.durationField] = BigInt(Math.round(e.state.duration));
    }
    return { tags: t, fields: f };
  }
}

/**
 * Kapacitor's messageInfo, the data of the message template (the details template gets it
 * with `Message` added): one literal in Kapacitor's field order, which the details' JSON
 * shows. A literal, not a spread copy plus keys: this runs for every alert event.
 */
function templateData(d: {
  name: string;
  taskName: string;
  group: string;
  tags: Tags;
  serverInfo: unknown;
  id: string;
  fields: Fields;
  level: Level;
  time: bigint;
  duration: number;
}): Record<string, unknown> {
  return {
    Name: d.name,
    TaskName: d.taskName,
    Group: groupForTemplate(d.group),
    Tags: stringMap(d.tags),
    ServerInfo: d.serverInfo,
    ID: d.id,
    Fields: goMap(d.fields),
    Level: levelName(d.level),
    Time: new GoTime(d.time),
    Duration: new GoDuration(d.duration),
  };
}

/**
 * True when an ID template can only read `.Name`, `.TaskName`, `.Group` and `.ServerInfo`:
 * every action, once string literals and those references are removed, has no `.` or `$`
 * left (a bare `.` or `.Tags` could depend on tags that vary within a group).
 */
export function idIsPerGroup(source: string): boolean {
  for (const m of source.matchAll(/\{\{(.*?)\}\}/gs)) {
    const rest = (m[1] ?? "")
      .replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, "")
      .replace(/\.(?:Name|TaskName|Group|ServerInfo(?:\.(?:Hostname|ClusterID|ServerID))?)\b/g, "");
    if (/[.$]/.test(rest)) return false;
  }
  return true;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A stream point as a one-row series: all point tags, time + sorted fields. */
export function pointSeries(p: { name: string; tags: Tags; fields: Fields; time: bigint }): Series {
  const keys = Object.keys(p.fields).sort();
  return {
    name: p.name,
    tags: p.tags,
    columns: ["time", ...keys],
    values: [[p.time, ...keys.map((k) => p.fields[k]!)]],
  };
}

/**
 * A batch as one series (Kapacitor's BatchToRow): columns from the first point — its fields
 * plus its tags that are not batch tags — sorted after "time"; a value missing in a later
 * point is null.
 */
export function batchSeries(b: BatchMsg): Series {
  const first = b.points[0];
  if (first === undefined) return { name: b.name, tags: b.tags, columns: [], values: [] };
  const cols = Object.keys(first.fields);
  for (const t of Object.keys(first.tags)) if (!(t in b.tags)) cols.push(t);
  cols.sort();
  const values = b.points.map((p) => [
    p.time,
    ...cols.map((c) => (c in p.fields ? p.fields[c]! : c in p.tags ? p.tags[c]! : null)),
  ]);
  return { name: b.name, tags: b.tags, columns: ["time", ...cols], values };
}
