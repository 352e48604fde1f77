/**
 * Incoming alerts → tickd alert events (DESIGN §7 "Incoming webhooks"). Pure functions: the
 * routes (./routes.ts) read the request, these map a parsed body onto events or throw an
 * {@link IntegrationError} with the status to answer.
 *
 * Generic webhook (one JSON object, or an array of them). Each field is the first present,
 * non-empty one of its names, looked up case-insensitively at the top level and then inside a
 * nested `payload`, `data` or `alert` object (PagerDuty-style bodies):
 *   event id  ← dedup_key | id | alert_id (numbers are used as text); required
 *   title     ← summary | title | message | name                 → the event message
 *   details   ← description | details                             → the event details
 *   level     ← severity | level | priority
 *   status    ← status | action | event_action | state
 *   source    ← source | origin | system                          → tag `source`
 *   tags      ← tags (an object; its string, number and boolean values become tags)
 * Levels (case-insensitive words): critical, crit, high, error, err, fatal, emergency, page,
 * disaster, p1, p2 → CRITICAL; warning, warn, medium, moderate, minor, average, p3 → WARNING;
 * info, information, informational, low, notice, debug, none, p4, p5 → INFO; ok → OK.
 * Numbers (or digit strings) in `severity`/`level` are Kapacitor's level numbers 0–3 (OK, INFO,
 * WARNING, CRITICAL); in `priority` they are P-numbers (1–2 CRITICAL, 3 WARNING, 4–5 INFO).
 * A missing level means CRITICAL (something says it is firing); an unknown one is a 400.
 * Statuses: triggered, trigger, fired, firing, fire, alert, alerting, open, opened, problem,
 * active, new, raised, created, reopened → trigger; resolved, resolve, ok, normal, closed,
 * close, fixed, recovered, clear, cleared, inactive → OK; acknowledged, acknowledge, ack,
 * acked → ack. A missing status means trigger; an unknown one is a 400.
 *
 * Alertmanager (webhook payload version 4): one event per entry of `alerts[]`. Event id =
 * `fingerprint`, else `alertname{k="v",…}` over the sorted labels; level from
 * `labels.severity` (the same words; missing or unknown → CRITICAL, since Alertmanager cannot
 * fix a label and a 4xx would make it drop the whole group); `resolved` → OK; message =
 * annotations.summary, else annotations.description, else the alertname; details =
 * annotations.description; tags = the labels; time = now (endsAt for a resolved alert);
 * duration = time − startsAt.
 *
 * Acknowledgements: an `ack` keeps the incident's level (the stored state's, unless the body
 * names one) so topic state and previousLevel do not change, and the event carries
 * `acknowledged: true` ({@link isAcknowledged}) for the escalation handler to send
 * `incident.acknowledged`. An ack for an event with no open incident and no level is ignored.
 */
import type { AlertEvent, AlertEventState } from "../core/alert-event.js";
import { Level } from "../core/types.js";
import { addNs, diffNs, timeFromMs } from "../core/time.js";

/** A body the integration cannot use; `status` is the HTTP status to answer (400). */
export class IntegrationError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "IntegrationError";
  }
}

/** An alert event that came in through an integration; `acknowledged` marks an ack. */
export interface IncomingAlertEvent extends AlertEvent {
  acknowledged?: boolean;
}

/** True for an event an external system acknowledged (escalation: `incident.acknowledged`). */
export function isAcknowledged(e: AlertEvent): boolean {
  return (e as IncomingAlertEvent).acknowledged === true;
}

export type IncomingStatus = "trigger" | "ok" | "ack";

/** What the mapping needs besides the body. */
export interface MappingContext {
  topic: string;
  /** Wall clock, ms. */
  now: number;
  /** The topic's stored state of an event id (for durations and acks); optional. */
  state?: ((topic: string, eventId: string) => AlertEventState | undefined) | undefined;
}

export type Obj = Record<string, unknown>;

const C = Level.CRITICAL;
const W = Level.WARNING;
const I = Level.INFO;

const LEVEL_WORDS: ReadonlyMap<string, Level> = new Map([
  ...["critical", "crit", "high", "error", "err", "fatal", "emergency", "emerg", "page", "disaster"].map(
    (w) => [w, C] as const,
  ),
  ...["warning", "warn", "medium", "moderate", "minor", "average"].map((w) => [w, W] as const),
  ...["info", "information", "informational", "low", "notice", "debug", "none"].map((w) => [w, I] as const),
  ["ok", Level.OK] as const,
  ["p1", C] as const,
  ["p2", C] as const,
  ["p3", W] as const,
  ["p4", I] as const,
  ["p5", I] as const,
]);

const STATUS_WORDS: ReadonlyMap<string, IncomingStatus> = new Map([
  ...[
    "triggered",
    "trigger",
    "fired",
    "firing",
    "fire",
    "alert",
    "alerting",
    "open",
    "opened",
    "problem",
    "active",
    "new",
    "raised",
    "created",
    "reopened",
  ].map((w) => [w, "trigger"] as const),
  ...[
    "resolved",
    "resolve",
    "ok",
    "normal",
    "closed",
    "close",
    "fixed",
    "recovered",
    "clear",
    "cleared",
    "inactive",
  ].map((w) => [w, "ok"] as const),
  ...["acknowledged", "acknowledge", "ack", "acked"].map((w) => [w, "ack"] as const),
]);

const PRIORITY_NUMBERS: readonly Level[] = [C, C, W, I, I]; // P1 … P5

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== "";
}

/** The first present field of `names` (case-insensitive), top level first, then nested objects. */
function pick(body: Obj, names: readonly string[]): { key: string; value: unknown } | undefined {
  const scopes = [body];
  for (const nest of ["payload", "data", "alert"]) {
    const n = lookup(body, nest);
    if (isObj(n?.value)) scopes.push(n.value);
  }
  for (const scope of scopes) {
    for (const name of names) {
      const hit = lookup(scope, name);
      if (hit !== undefined && present(hit.value)) return { key: name, value: hit.value };
    }
  }
  return undefined;
}

function lookup(o: Obj, name: string): { value: unknown } | undefined {
  if (Object.hasOwn(o, name)) return { value: o[name] };
  const want = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === want) return { value: o[k] };
  return undefined;
}

export function text(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** A level word or P-number, case-insensitive; undefined when unknown. */
export function levelFromWord(s: string): Level | undefined {
  return LEVEL_WORDS.get(s.trim().toLowerCase());
}

/** The level of a severity/level/priority value (see the header), or undefined when unknown. */
export function parseIncomingLevel(key: string, v: unknown): Level | undefined {
  let n: number | undefined;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && /^\s*\d+\s*$/.test(v)) n = Number(v);
  if (n !== undefined) {
    if (!Number.isInteger(n)) return undefined;
    if (key === "priority") return PRIORITY_NUMBERS[n - 1];
    return n >= 0 && n <= 3 ? (n as Level) : undefined;
  }
  return typeof v === "string" ? levelFromWord(v) : undefined;
}

export function parseIncomingStatus(v: unknown): IncomingStatus | undefined {
  return typeof v === "string" ? STATUS_WORDS.get(v.trim().toLowerCase()) : undefined;
}

export function msToNs(ms: number): number {
  return Math.round(ms) * 1e6;
}

/** The open incident's start (exact ns) from stored state, if there is one. */
function openSince(prev: AlertEventState | undefined): bigint | undefined {
  return prev !== undefined && prev.level !== Level.OK ? addNs(prev.time, -prev.duration) : undefined;
}

/**
 * A source's time (ns of whole ms, as msToNs gives it: a float64 product, not exact past 2^53)
 * as the exact ns of that ms. Subtracting such floats instead can land below the ms.
 */
function wholeMs(ns: number): bigint {
  return timeFromMs(ns / 1e6);
}

/** One alert as a source normaliser reads it, before it becomes a topic event ({@link toEvent}). */
export interface Incoming {
  id: string;
  status: IncomingStatus;
  /** Undefined: the body named none. */
  level: Level | undefined;
  message: string | undefined;
  details: string;
  tags: Record<string, string>;
  name: string;
  taskName: string;
  /** ns. */
  time: number;
  /** ns, when the body says when the incident began. */
  startedAt: number | undefined;
}

/** Builds the event, or undefined for an ack with nothing to acknowledge. */
export function toEvent(x: Incoming, ctx: MappingContext): IncomingAlertEvent | undefined {
  const prev = ctx.state?.(ctx.topic, x.id);
  const time = wholeMs(x.time);
  const since = x.startedAt !== undefined ? wholeMs(x.startedAt) : openSince(prev);
  let level: Level;
  if (x.status === "ok") level = Level.OK;
  else if (x.status === "ack") {
    const open = prev !== undefined && prev.level !== Level.OK ? prev.level : undefined;
    const l = x.level ?? open;
    if (l === undefined) return undefined;
    level = l;
  } else level = x.level ?? Level.CRITICAL;
  const e: IncomingAlertEvent = {
    topic: ctx.topic,
    state: {
      id: x.id,
      message: x.message ?? prev?.message ?? x.id,
      details: x.details !== "" ? x.details : x.status === "ack" ? (prev?.details ?? "") : "",
      // Sources read times at ms resolution (msToNs): they stay whole ms.
      time,
      duration: since !== undefined && since < time ? diffNs(time, since) : 0,
      level,
    },
    data: {
      name: x.name,
      taskName: x.taskName,
      category: "",
      group: "",
      tags: x.tags,
      fields: {},
      series: [],
      recoverable: true,
    },
  };
  if (x.status === "ack") e.acknowledged = true;
  return e;
}

export function genericIncoming(body: unknown, index: number, nowNs: number): Incoming {
  const where = index < 0 ? "" : ` (alert ${index})`;
  if (!isObj(body)) throw new IntegrationError(400, `expected a JSON object${where}`);
  const idHit = pick(body, ["dedup_key", "id", "alert_id"]);
  const id = idHit === undefined ? undefined : text(idHit.value);
  if (id === undefined || id === "") {
    throw new IntegrationError(
      400,
      `missing event id${where}: set one of "dedup_key", "id" or "alert_id" (a string or number)`,
    );
  }
  let level: Level | undefined;
  const levelHit = pick(body, ["severity", "level", "priority"]);
  if (levelHit !== undefined) {
    level = parseIncomingLevel(levelHit.key, levelHit.value);
    if (level === undefined) {
      throw new IntegrationError(
        400,
        `unknown ${levelHit.key} ${JSON.stringify(levelHit.value)}${where}: use critical|high|error, warning|medium, info|low or ok`,
      );
    }
  }
  let status: IncomingStatus = "trigger";
  const statusHit = pick(body, ["status", "action", "event_action", "state"]);
  if (statusHit !== undefined) {
    const s = parseIncomingStatus(statusHit.value);
    if (s === undefined) {
      throw new IntegrationError(
        400,
        `unknown ${statusHit.key} ${JSON.stringify(statusHit.value)}${where}: use triggered|firing|open, resolved|ok|closed or acknowledge|ack`,
      );
    }
    status = s;
  }
  const tags: Record<string, string> = {};
  const tagsHit = pick(body, ["tags"]);
  if (tagsHit !== undefined && isObj(tagsHit.value)) {
    for (const [k, v] of Object.entries(tagsHit.value)) {
      const t = text(v);
      if (t !== undefined) tags[k] = t;
    }
  }
  const source = pick(body, ["source", "origin", "system"]);
  const sourceText = source === undefined ? undefined : text(source.value);
  if (sourceText !== undefined) tags.source = sourceText;
  const title = pick(body, ["summary", "title", "message", "name"]);
  const details = pick(body, ["description", "details"]);
  return {
    id,
    status,
    level,
    message: title === undefined ? undefined : text(title.value),
    details: (details === undefined ? undefined : text(details.value)) ?? "",
    tags,
    name: "",
    taskName: "webhook",
    time: nowNs,
    startedAt: undefined,
  };
}

/** Events of a generic webhook body (an object or an array of objects). Throws IntegrationError. */
export function mapGenericWebhook(body: unknown, ctx: MappingContext): IncomingAlertEvent[] {
  const nowNs = msToNs(ctx.now);
  const items = Array.isArray(body)
    ? body.map((b, i) => genericIncoming(b, i, nowNs))
    : [genericIncoming(body, -1, nowNs)];
  return items.map((x) => toEvent(x, ctx)).filter((e): e is IncomingAlertEvent => e !== undefined);
}

/** ns of an RFC 3339 time, or undefined for a missing, bad or zero (`0001-01-01…`) time. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return msToNs(ms);
}

export function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const [k, item] of Object.entries(v)) {
    const t = text(item);
    if (t !== undefined) out[k] = t;
  }
  return out;
}

/** `alertname{k="v",…}` over the labels sorted by name (the fallback event id). */
export function labelsId(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .filter((k) => k !== "alertname")
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${labels.alertname ?? ""}{${pairs.join(",")}}`;
}

/** Events of an Alertmanager webhook body (version 4). Throws IntegrationError. */
export function mapAlertmanager(body: unknown, ctx: MappingContext): IncomingAlertEvent[] {
  const items = alertmanagerBodyItems(body, msToNs(ctx.now));
  return items.map((x) => toEvent(x, ctx)).filter((e): e is IncomingAlertEvent => e !== undefined);
}

/** The incoming alerts of an Alertmanager webhook body (version 4). Throws IntegrationError. */
export function alertmanagerBodyItems(body: unknown, nowNs: number): Incoming[] {
  if (!isObj(body)) throw new IntegrationError(400, "expected Alertmanager's webhook JSON object");
  const version = body.version;
  if (version !== undefined && String(version) !== "4") {
    throw new IntegrationError(
      400,
      `unsupported Alertmanager webhook version ${JSON.stringify(version)}: only version "4" is understood`,
    );
  }
  if (!Array.isArray(body.alerts)) throw new IntegrationError(400, 'missing "alerts": expected a list');
  return alertmanagerItems(body.alerts, nowNs, "alertmanager");
}

/** Alertmanager-style `alerts[]` (Alertmanager, Grafana) as incoming alerts. Throws IntegrationError. */
export function alertmanagerItems(alerts: readonly unknown[], nowNs: number, taskName: string): Incoming[] {
  return alerts.map((a: unknown, i): Incoming => {
    if (!isObj(a)) throw new IntegrationError(400, `alerts[${i}]: expected an object`);
    const status = a.status === "resolved" ? "ok" : a.status === "firing" ? "trigger" : undefined;
    if (status === undefined) {
      throw new IntegrationError(
        400,
        `alerts[${i}]: unknown status ${JSON.stringify(a.status)}: expected "firing" or "resolved"`,
      );
    }
    const labels = stringRecord(a.labels);
    const annotations = stringRecord(a.annotations);
    const fingerprint = typeof a.fingerprint === "string" ? a.fingerprint : "";
    const id = fingerprint !== "" ? fingerprint : labelsId(labels);
    if (id === "{}") {
      throw new IntegrationError(400, `alerts[${i}]: missing event id: no "fingerprint" and no labels`);
    }
    const severity = labels.severity;
    const level = (severity === undefined ? undefined : levelFromWord(severity)) ?? Level.CRITICAL;
    const endsAt = parseTime(a.endsAt);
    const message = annotations.summary ?? annotations.description ?? labels.alertname;
    return {
      id,
      status,
      level,
      message,
      details: annotations.description ?? "",
      tags: labels,
      name: labels.alertname ?? "",
      taskName,
      time: status === "ok" && endsAt !== undefined ? endsAt : nowNs,
      startedAt: parseTime(a.startsAt),
    };
  });
}
