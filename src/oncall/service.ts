/**
 * On-call state and the notification gate (DESIGN §12): silences, acknowledgements, snoozes,
 * and the current alerts with their labels (what the Alertmanager API lists).
 *
 * Per alert (topic + alert ID):
 * - record: present while the alert is not OK; holds its labels and its last event.
 * - ack: set by the API or an incoming `ack` at the current level; repeats at that level are
 *   not sent; cleared when the level changes or the alert recovers (or by unack).
 * - holds, per handler: "a silence held back a notification this handler should have had";
 *   the value is the level the handler last got (what its receiver believes). A hold is made
 *   at the first held event and removed when the handler is next sent something:
 *     silence still active, non-OK event  → held (escalation gets incident.suppressed)
 *     silence gone, non-OK event          → sent, previous level = the held value
 *     silence gone, no event (the 1 s tick) → the current level is re-sent once
 *     OK event                            → sent only if the held value is not OK (its
 *                                           trigger was sent); else not sent
 * Everything above is written to SQLite as it changes, so it all survives kill -9.
 * A TICKscript handler is reachable for a re-send only once its node has sent an event since
 * the start; until then its hold waits for that event.
 */
import type { GateDelivery, GateScope, NotificationGate } from "../alert/gate.js";
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError } from "../core/errors.js";
import { Level, type FieldValue } from "../core/types.js";
import { addNs } from "../core/time.js";
import { alertLabels, fingerprint, identityLabels, type LabelSet } from "./labels.js";
import {
  SilenceError,
  SilenceService,
  silenceState,
  type PostableSilence,
  type Silence,
  type SilencePersistence,
} from "./silences.js";

export interface OnCallLogger {
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
}

export interface Ack {
  topic: string;
  alertId: string;
  level: Level;
  by: string;
  comment: string;
  /** Unix ms. */
  at: number;
}

export interface StoredAlert {
  topic: string;
  id: string;
  labels: LabelSet;
  event: AlertEvent;
}

/**
 * Cluster mode (src/cluster/alert-view.ts): every alert of the cluster as committed to the
 * state changelog, whichever instance owns it. With it, the alert list shows these, and an
 * ack or snooze may name an alert another instance owns.
 */
export interface ClusterAlerts {
  list(): Iterable<StoredAlert>;
  get(topic: string, id: string): StoredAlert | undefined;
}

export interface OnCallPersistence {
  silences: SilencePersistence;
  loadAlerts(): Iterable<StoredAlert>;
  /** `labelsJson`: JSON.stringify(a.labels) when the caller has it already. */
  putAlert(a: StoredAlert, labelsJson?: string): void;
  deleteAlert(topic: string, id: string): void;
  loadAcks(): Iterable<Ack>;
  putAck(a: Ack): void;
  deleteAck(topic: string, id: string): void;
  loadHolds(): Iterable<{ topic: string; alertId: string; handler: string; sent: Level }>;
  putHold(topic: string, alertId: string, handler: string, sent: Level): void;
  deleteHold(topic: string, alertId: string, handler: string): void;
}

/** TopicService.notify: hands an event to the topic's handlers (only `only`), returns the ids reached. */
export type NotifyFn = (
  topic: string,
  event: AlertEvent,
  previousLevel: Level,
  only?: ReadonlySet<string>,
) => string[];

export interface OnCallDeps {
  persistence?: OnCallPersistence;
  logger: OnCallLogger;
  notify: NotifyFn;
  /** Wall clock, Unix ms; default Date.now. */
  now?: () => number;
}

/**
 * How the API changes on-call state. Local (single node): the service itself. Cluster mode
 * (src/cluster/config-writes.ts): through the config topic, answered once applied here.
 */
export interface OnCallWrites {
  setSilence(p: PostableSilence): string | Promise<string>;
  expireSilence(id: string): void | Promise<void>;
  acknowledge(topic: string, alertId: string, by: string, comment: string): Ack | Promise<Ack>;
  unacknowledge(topic: string, alertId: string): void | Promise<void>;
  snooze(
    topic: string,
    alertId: string,
    endsAt: number,
    by: string,
    comment: string,
  ): Silence | Promise<Silence>;
}

/** An alert as the APIs show it. */
export interface AlertView {
  topic: string;
  id: string;
  labels: LabelSet;
  fingerprint: string;
  level: Level;
  message: string;
  details: string;
  /** ns: the incident's start (the last event's time − its duration). */
  startsAt: bigint;
  /** ns: the last event's time. */
  updatedAt: bigint;
  /** The last event's fields (the value that fired). */
  fields: Record<string, FieldValue>;
  silencedBy: string[];
  /** Ids of the snoozes among silencedBy. */
  snoozedBy: string[];
  ack: Ack | undefined;
}

/** 404 (unknown alert, no ack) or 400 (bad request) from the ack/snooze API. */
export class OnCallError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = "OnCallError";
  }
}

interface AlertRecord {
  topic: string;
  id: string;
  labels: LabelSet;
  /** JSON.stringify(labels): tells a change of labels, and is the stored labels column. */
  labelsKey: string;
  /** Made when a view first asks (most alerts of a storm are never listed). */
  fingerprint: string | undefined;
  event: AlertEvent;
}

const key = (topic: string, id: string): string => `${topic}\u0000${id}`;

export class OnCallService implements NotificationGate {
  readonly silences: SilenceService;
  private readonly persistence: OnCallPersistence | undefined;
  private readonly logger: OnCallLogger;
  private readonly notifyFn: NotifyFn;
  private readonly now: () => number;
  private readonly alerts = new Map<string, AlertRecord>();
  private readonly acks = new Map<string, Ack>();
  private readonly holds = new Map<string, Map<string, Level>>();
  private timer: NodeJS.Timeout | undefined;
  private lastGc = 0;
  readonly counters = { silenced: 0, ackHeld: 0, resent: 0 };
  /**
   * Called when an ack ends because its alert recovered or changed level (not through the
   * API): cluster mode removes it from the config topic, so a restart does not bring it back.
   */
  onAckCleared: ((topic: string, alertId: string) => void) | undefined;
  /** The API's way of changing on-call state: this service, until cluster mode puts its own. */
  writes: OnCallWrites = {
    setSilence: (p) => this.silences.set(p),
    expireSilence: (id) => void this.silences.expire(id),
    acknowledge: (topic, alertId, by, comment) => this.acknowledge(topic, alertId, by, comment),
    unacknowledge: (topic, alertId) => this.unacknowledge(topic, alertId),
    snooze: (topic, alertId, endsAt, by, comment) => this.snooze(topic, alertId, endsAt, by, comment),
  };

  private cluster: ClusterAlerts | undefined;

  constructor(deps: OnCallDeps) {
    this.persistence = deps.persistence;
    this.logger = deps.logger;
    this.notifyFn = deps.notify;
    this.now = deps.now ?? Date.now;
    this.silences = new SilenceService(deps.persistence?.silences, this.now);
  }

  /** Loads silences, alerts, acks and holds from the store. */
  open(): void {
    const p = this.persistence;
    this.silences.open();
    if (p === undefined) return;
    for (const a of p.loadAlerts()) this.alerts.set(key(a.topic, a.id), record(a.topic, a.event, a.labels));
    for (const a of p.loadAcks()) this.acks.set(key(a.topic, a.alertId), a);
    for (const h of p.loadHolds()) this.holdsOf(key(h.topic, h.alertId), true).set(h.handler, h.sent);
  }

  /** Starts the 1 s check that re-sends alerts whose silence ended, and forgets old silences. */
  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  // ------------------------------------------------------------------ the gate

  begin(topic: string, e: AlertEvent, previousLevel: Level): GateScope | undefined {
    const k = key(topic, e.state.id);
    const rec = this.observe(topic, k, e);
    if (e.acknowledged === true || e.snoozed === true) return undefined;
    const holds = this.holds.get(k);
    if (e.state.level === Level.OK) {
      return holds === undefined ? undefined : this.recoveryScope(topic, k, e, previousLevel, holds);
    }
    const silencedBy = this.silences.silencedBy(rec!.labels);
    const ack = this.acks.get(k);
    if (holds === undefined && ack === undefined && silencedBy.length === 0) return undefined;
    let stored = false;
    const pass = { event: e, previousLevel };
    return {
      admit: (handler: string): GateDelivery | undefined => {
        const sent = holds?.get(handler);
        if (silencedBy.length > 0) {
          if (sent === undefined) this.setHold(k, topic, e.state.id, handler, previousLevel);
          if (!stored) {
            // A re-send after a restart uses the newest held event.
            stored = true;
            this.persistAlert(rec!);
          }
          this.counters.silenced++;
          this.logger.log("debug", "notification held back by a silence", {
            topic,
            alert: e.state.id,
            handler,
            silences: silencedBy,
          });
          // Escalation reports the change it held back (incident.suppressed); others send nothing.
          return { event: { ...e, suppressed: true }, previousLevel };
        }
        if (sent !== undefined) {
          this.deleteHold(k, topic, e.state.id, handler);
          return { event: e, previousLevel: sent };
        }
        if (ack !== undefined) {
          this.counters.ackHeld++;
          this.logger.log("debug", "repeat of an acknowledged level not sent", {
            topic,
            alert: e.state.id,
            handler,
            level: e.state.level,
          });
          return undefined;
        }
        return pass;
      },
      end: () => undefined,
    };
  }

  private recoveryScope(
    topic: string,
    k: string,
    e: AlertEvent,
    previousLevel: Level,
    holds: Map<string, Level>,
  ): GateScope {
    return {
      admit: (handler) => {
        const sent = holds.get(handler);
        if (sent === undefined) return { event: e, previousLevel };
        this.deleteHold(k, topic, e.state.id, handler);
        if (sent !== Level.OK) return { event: e, previousLevel: sent };
        this.counters.silenced++;
        this.logger.log("debug", "recovery not sent: a silence held back its trigger", {
          topic,
          alert: e.state.id,
          handler,
        });
        return undefined;
      },
      // Handlers that did not see this recovery (gone, or filtered by match) start afresh.
      end: () => {
        for (const h of [...holds.keys()]) this.deleteHold(k, topic, e.state.id, h);
      },
    };
  }

  /** Keeps the alert registry and acks in step with the event; returns the record (undefined for OK). */
  private observe(topic: string, k: string, e: AlertEvent): AlertRecord | undefined {
    const level = e.state.level;
    if (level === Level.OK) {
      if (this.alerts.delete(k)) this.persist((p) => p.deleteAlert(topic, e.state.id));
      if (this.acks.delete(k)) this.ackCleared(topic, e.state.id);
      return undefined;
    }
    const prev = this.alerts.get(k);
    const clean: AlertEvent = stripMarks(e);
    let rec: AlertRecord;
    if (prev !== undefined && sameLabelSource(prev.event, clean)) {
      // The hot path (a repeat): labels are unchanged, only the event moves on.
      prev.event = clean;
      rec = prev;
    } else {
      rec = record(topic, clean, alertLabels(topic, clean));
      if (prev === undefined || prev.labelsKey !== rec.labelsKey) this.persistAlert(rec);
      this.alerts.set(k, rec);
    }
    if (e.acknowledged === true) {
      this.setAck({ topic, alertId: e.state.id, level, by: "incoming webhook", comment: "", at: this.now() });
      return rec;
    }
    const ack = this.acks.get(k);
    if (ack !== undefined && ack.level !== level) {
      this.acks.delete(k);
      this.ackCleared(topic, e.state.id);
    }
    return rec;
  }

  // ------------------------------------------------------------------ the wall-clock check

  /** Re-sends the current level of alerts whose silence ended; forgets silences past retention. */
  tick(): void {
    const now = this.now();
    try {
      if (now - this.lastGc >= 60_000) {
        this.lastGc = now;
        this.silences.gc(now);
      }
      for (const [k, holds] of [...this.holds]) this.resendIfUnsilenced(k, holds, now);
    } catch (e) {
      this.logger.log("error", "on-call check failed", { error: coerceError(e).message });
    }
  }

  private resendIfUnsilenced(k: string, holds: Map<string, Level>, now: number): void {
    const rec = this.alerts.get(k);
    if (rec === undefined) return;
    if (this.silences.silencedBy(rec.labels, now).length > 0) return;
    const level = rec.event.state.level;
    const ack = this.acks.get(k);
    for (const [handler, sent] of [...holds]) {
      if (ack !== undefined && ack.level === level && sent === level) {
        this.deleteHold(k, rec.topic, rec.id, handler);
        continue;
      }
      const reached = this.notifyFn(rec.topic, rec.event, sent, new Set([handler]));
      if (reached.length === 0) continue;
      this.deleteHold(k, rec.topic, rec.id, handler);
      this.counters.resent++;
      this.logger.log("info", "silence ended on a firing alert: its current level was sent", {
        topic: rec.topic,
        alert: rec.id,
        handler,
      });
    }
  }

  // ------------------------------------------------------------------ ack, snooze

  acknowledge(topic: string, alertId: string, by: string, comment: string): Ack {
    const ack = this.planAck(topic, alertId, by, comment);
    this.setAck(ack);
    this.notifyAcknowledged(topic, alertId, by);
    return { ...ack };
  }

  /** The ack {@link acknowledge} would set (404 when the alert is not firing); sets nothing. */
  planAck(topic: string, alertId: string, by: string, comment: string): Ack {
    const rec = this.firing(topic, alertId);
    return { topic, alertId, level: rec.event.state.level, by, comment, at: this.now() };
  }

  /** Tells the alert's handlers it was acknowledged (escalation: incident.acknowledged). */
  notifyAcknowledged(topic: string, alertId: string, by: string): void {
    const rec = this.alerts.get(key(topic, alertId));
    if (rec !== undefined) this.notifyFn(topic, { ...rec.event, acknowledged: true }, rec.event.state.level);
    this.logger.log("info", "alert acknowledged", { topic, alert: alertId, by });
  }

  unacknowledge(topic: string, alertId: string): void {
    this.planUnack(topic, alertId);
    this.applyAck(topic, alertId, null);
  }

  /** 404 unless the alert is acknowledged. */
  planUnack(topic: string, alertId: string): void {
    if (!this.acks.has(key(topic, alertId)))
      throw new OnCallError(404, `alert ${topic}/${alertId} is not acknowledged`);
  }

  /**
   * Sets (or with null clears) an ack as it is: cluster mode applies the config topic's acks
   * through this (src/cluster/config-apply.ts).
   */
  applyAck(topic: string, alertId: string, ack: Ack | null): void {
    if (ack === null) {
      if (this.acks.delete(key(topic, alertId))) this.persist((p) => p.deleteAck(topic, alertId));
      return;
    }
    this.setAck({ ...ack, topic, alertId });
  }

  /** A silence on this one alert until `endsAt` (Unix ms); escalation sends incident.snoozed. */
  snooze(topic: string, alertId: string, endsAt: number, by: string, comment: string): Silence {
    const planned = this.planSnooze(topic, alertId, endsAt, by, comment);
    for (const s of planned) this.silences.apply(s.id, s);
    const id = planned[planned.length - 1]!.id;
    this.notifySnoozed(topic, alertId, endsAt, by);
    return this.silences.get(id)!;
  }

  /** The silences {@link snooze} would store (OnCallError 404/400); stores nothing. */
  planSnooze(topic: string, alertId: string, endsAt: number, by: string, comment: string): Silence[] {
    const rec = this.firing(topic, alertId);
    const matchers = Object.entries(identityLabels(alertId, rec.labels)).map(([name, value]) => ({
      name,
      value,
      isRegex: false,
      isEqual: true,
    }));
    try {
      return this.silences.plan({
        matchers,
        startsAt: this.now(),
        endsAt,
        createdBy: by,
        comment: comment === "" ? `snoozed ${topic}/${alertId}` : comment,
        snooze: { topic, alertId },
      });
    } catch (e) {
      if (e instanceof SilenceError) throw new OnCallError(e.status === 404 ? 404 : 400, e.message);
      throw e;
    }
  }

  /** Tells the alert's handlers it was snoozed (escalation: incident.snoozed). */
  notifySnoozed(topic: string, alertId: string, endsAt: number, by: string): void {
    const rec = this.alerts.get(key(topic, alertId));
    if (rec !== undefined) this.notifyFn(topic, { ...rec.event, snoozed: true }, rec.event.state.level);
    this.logger.log("info", "alert snoozed", {
      topic,
      alert: alertId,
      by,
      until: new Date(endsAt).toISOString(),
    });
  }

  // ------------------------------------------------------------------ views

  alertList(): AlertView[] {
    const now = this.now();
    const cluster = this.cluster;
    if (cluster !== undefined)
      return [...cluster.list()].map((a) =>
        this.view(key(a.topic, a.id), record(a.topic, a.event, a.labels), now),
      );
    return [...this.alerts.entries()].map(([k, r]) => this.view(k, r, now));
  }

  /** Cluster mode: list the cluster's alerts, and let acks and snoozes name any of them. */
  useClusterAlerts(c: ClusterAlerts): void {
    this.cluster = c;
  }

  alert(topic: string, alertId: string): AlertView | undefined {
    const k = key(topic, alertId);
    const c = this.cluster?.get(topic, alertId);
    const r = c !== undefined ? record(c.topic, c.event, c.labels) : this.alerts.get(k);
    return r === undefined ? undefined : this.view(k, r, this.now());
  }

  /** Every ack in force (cluster mode seeds an empty config topic with them). */
  ackList(): Ack[] {
    return [...this.acks.values()].map((a) => ({ ...a }));
  }

  ackCount(): number {
    return this.acks.size;
  }

  /** `/metrics` text. */
  metrics(): string {
    const now = this.now();
    const states = { pending: 0, active: 0, expired: 0 };
    for (const s of this.silences.list()) states[silenceState(s, now)]++;
    return [
      "# HELP tickd_notifications_silenced_total Notifications a silence held back (recoveries whose trigger was held included).",
      "# TYPE tickd_notifications_silenced_total counter",
      `tickd_notifications_silenced_total ${this.counters.silenced}`,
      "# HELP tickd_notifications_acknowledged_total Repeats at an acknowledged level that were not sent.",
      "# TYPE tickd_notifications_acknowledged_total counter",
      `tickd_notifications_acknowledged_total ${this.counters.ackHeld}`,
      "# HELP tickd_notifications_resent_after_silence_total Current levels sent once when a silence ended on a firing alert.",
      "# TYPE tickd_notifications_resent_after_silence_total counter",
      `tickd_notifications_resent_after_silence_total ${this.counters.resent}`,
      "# HELP tickd_silences Silences by state.",
      "# TYPE tickd_silences gauge",
      ...Object.entries(states).map(([s, n]) => `tickd_silences{state="${s}"} ${n}`),
      "# HELP tickd_alerts_acknowledged Alerts acknowledged now.",
      "# TYPE tickd_alerts_acknowledged gauge",
      `tickd_alerts_acknowledged ${this.acks.size}`,
      "",
    ].join("\n");
  }

  // ------------------------------------------------------------------ internals

  private view(k: string, r: AlertRecord, now: number): AlertView {
    const silencedBy = this.silences.silencedBy(r.labels, now);
    const snoozedBy = silencedBy.filter((id) => this.silences.get(id)?.snooze !== undefined);
    const ack = this.acks.get(k);
    const s = r.event.state;
    return {
      topic: r.topic,
      id: r.id,
      labels: { ...r.labels },
      fingerprint: (r.fingerprint ??= fingerprint(r.labels)),
      level: s.level,
      message: s.message,
      details: s.details,
      startsAt: addNs(s.time, -s.duration),
      updatedAt: s.time,
      fields: { ...r.event.data.fields },
      silencedBy,
      snoozedBy,
      ack: ack === undefined ? undefined : { ...ack },
    };
  }

  private firing(topic: string, alertId: string): AlertRecord {
    let rec = this.alerts.get(key(topic, alertId));
    const remote = rec === undefined ? this.cluster?.get(topic, alertId) : undefined;
    if (remote !== undefined) rec = record(remote.topic, remote.event, remote.labels);
    if (rec === undefined)
      throw new OnCallError(
        404,
        `no firing alert ${JSON.stringify(alertId)} in topic ${JSON.stringify(topic)}`,
      );
    return rec;
  }

  /** An ack ended by the alert itself (recovered, or changed level). */
  private ackCleared(topic: string, alertId: string): void {
    this.persist((p) => p.deleteAck(topic, alertId));
    this.onAckCleared?.(topic, alertId);
  }

  private setAck(a: Ack): void {
    this.acks.set(key(a.topic, a.alertId), a);
    this.persist((p) => p.putAck(a));
  }

  private holdsOf(k: string, create: true): Map<string, Level>;
  private holdsOf(k: string, create: false): Map<string, Level> | undefined;
  private holdsOf(k: string, create: boolean): Map<string, Level> | undefined {
    let m = this.holds.get(k);
    if (m === undefined && create) {
      m = new Map();
      this.holds.set(k, m);
    }
    return m;
  }

  private setHold(k: string, topic: string, alertId: string, handler: string, sent: Level): void {
    this.holdsOf(k, true).set(handler, sent);
    this.persist((p) => p.putHold(topic, alertId, handler, sent));
  }

  private deleteHold(k: string, topic: string, alertId: string, handler: string): void {
    const m = this.holdsOf(k, false);
    if (m === undefined || !m.delete(handler)) return;
    if (m.size === 0) this.holds.delete(k);
    this.persist((p) => p.deleteHold(topic, alertId, handler));
  }

  private persistAlert(r: AlertRecord): void {
    this.persist((p) =>
      p.putAlert({ topic: r.topic, id: r.id, labels: r.labels, event: r.event }, r.labelsKey),
    );
  }

  private persist(fn: (p: OnCallPersistence) => void): void {
    if (this.persistence === undefined) return;
    try {
      fn(this.persistence);
    } catch (e) {
      this.logger.log("error", "failed to store on-call state", { error: coerceError(e).message });
    }
  }
}

function record(topic: string, event: AlertEvent, labels: LabelSet): AlertRecord {
  const labelsKey = JSON.stringify(labels);
  return { topic, id: event.state.id, labels, labelsKey, fingerprint: undefined, event };
}

/** The labels of `b` are those of `a`: same level, task and tags. */
function sameLabelSource(a: AlertEvent, b: AlertEvent): boolean {
  if (a.state.level !== b.state.level || a.data.taskName !== b.data.taskName) return false;
  const ta = a.data.tags;
  const tb = b.data.tags;
  if (ta === tb) return true;
  let n = 0;
  for (const key in tb) {
    if (ta[key] !== tb[key]) return false;
    n++;
  }
  return Object.keys(ta).length === n;
}

/** The event without on-call marks (what a re-send or an ack is built from). */
function stripMarks(e: AlertEvent): AlertEvent {
  if (e.acknowledged === undefined && e.suppressed === undefined && e.snoozed === undefined) return e;
  const { acknowledged: _a, suppressed: _s, snoozed: _z, ...rest } = e;
  return rest;
}
