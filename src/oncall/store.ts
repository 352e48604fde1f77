/**
 * The on-call tables (migration 5 in src/store/migrations.ts) as the service's persistence.
 * Events are stored as JSON with int64 values (bigint fields) written as {"$int": "…"}.
 */
import type Database from "better-sqlite3";
import type { AlertEvent } from "../core/alert-event.js";
import type { Level } from "../core/types.js";
import type { LabelSet } from "./labels.js";
import type { Matcher } from "./matchers.js";
import type { OnCallPersistence } from "./service.js";
import type { Silence } from "./silences.js";

interface SilenceRow {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  updated_at: number;
  created_by: string;
  comment: string;
  snooze_topic: string;
  snooze_alert: string;
}

/**
 * The bytes of the general encoder below, for less: a JSON.stringify replacer is a call into
 * JS for every key and array element (an event has a hundred or so). Only the objects and
 * arrays on the way to a bigint are copied, with {"$int": "…"} in its place; then one plain
 * JSON.stringify writes the lot. Anything but plain data on the way (a toJSON, a class
 * instance, a graph deeper than an event ever is) takes the general path.
 */
export function encodeEvent(e: AlertEvent): string {
  const v = withIntObjects(e, 0);
  return v === GENERAL ? encodeEventGeneral(e) : JSON.stringify(v);
}

/** The general encoder (and the reference of encodeEvent's tests). */
export function encodeEventGeneral(e: AlertEvent): string {
  return JSON.stringify(e, (_k, v: unknown) => (typeof v === "bigint" ? { $int: v.toString() } : v));
}

const GENERAL: unique symbol = Symbol("general");
/** Deeper than any event; a cyclic graph also ends here (and the general path throws). */
const MAX_DEPTH = 64;

/** `v` itself when it holds no bigint; else a copy with each bigint as {$int}; or GENERAL. */
function withIntObjects(v: unknown, depth: number): unknown {
  if (typeof v === "bigint") return { $int: v.toString() };
  if (typeof v !== "object" || v === null) return v;
  if (depth >= MAX_DEPTH) return GENERAL;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype || "toJSON" in v) return GENERAL;
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      // Most members are strings and numbers: no call for them.
      if ((typeof x !== "object" || x === null) && typeof x !== "bigint") continue;
      const y = withIntObjects(x, depth + 1);
      if (y === x) continue;
      if (y === GENERAL) return GENERAL;
      copy ??= v.slice();
      copy[i] = y;
    }
    return copy ?? v;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return GENERAL;
  const o = v as Record<string, unknown>;
  if (typeof o.toJSON === "function") return GENERAL;
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if ((typeof x !== "object" || x === null) && typeof x !== "bigint") continue;
    const y = withIntObjects(x, depth + 1);
    if (y === x) continue;
    if (y === GENERAL) return GENERAL;
    // The spread makes every key own, "__proto__" too, so the assignment sets a key.
    copy ??= { ...o };
    copy[k] = y;
  }
  return copy ?? v;
}

export function decodeEvent(s: string): AlertEvent {
  return withBigIntTimes(
    JSON.parse(s, (_k, v: unknown) => {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && keys[0] === "$int" && typeof o.$int === "string") return BigInt(o.$int);
      }
      return v;
    }) as AlertEvent,
  );
}

/**
 * An event written by a version with float64 times holds its times as plain numbers (the
 * state's time, each series row's first column, a grouped notification's alert times): they
 * become the bigints this version computes with, rounded as the float was. Also for events
 * read from the cluster's state changelog (src/cluster/changelog.ts).
 */
export function withBigIntTimes(e: AlertEvent): AlertEvent {
  const asTime = (v: unknown): unknown =>
    typeof v === "number" && Number.isFinite(v) ? BigInt(Math.round(v)) : v;
  const st = e.state as { time: unknown } | undefined;
  if (st !== undefined && typeof st.time === "number") st.time = asTime(st.time);
  for (const series of e.data?.series ?? [])
    for (const row of series.values ?? []) if (typeof row[0] === "number") row[0] = asTime(row[0]) as bigint;
  for (const a of e.alerts ?? [])
    if (typeof (a.time as unknown) === "number") a.time = asTime(a.time) as bigint;
  return e;
}

export function onCallPersistence(db: Database.Database): OnCallPersistence {
  const putSilence = db.prepare(
    `INSERT OR REPLACE INTO silences (id, matchers, starts_at, ends_at, updated_at, created_by, comment, snooze_topic, snooze_alert)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const delSilence = db.prepare("DELETE FROM silences WHERE id = ?");
  const allSilences = db.prepare<[], SilenceRow>("SELECT * FROM silences");
  // An upsert, not INSERT OR REPLACE: a replace deletes the row (zeroing it, secure_delete)
  // and its key, then inserts both anew; the upsert rewrites the row where it is.
  const putAlert = db.prepare(
    `INSERT INTO oncall_alerts (topic, alert_id, labels, event) VALUES (?, ?, ?, ?)
     ON CONFLICT (topic, alert_id) DO UPDATE SET labels = excluded.labels, event = excluded.event`,
  );
  const delAlert = db.prepare("DELETE FROM oncall_alerts WHERE topic = ? AND alert_id = ?");
  const allAlerts = db.prepare<[], { topic: string; alert_id: string; labels: string; event: string }>(
    "SELECT topic, alert_id, labels, event FROM oncall_alerts ORDER BY topic, alert_id",
  );
  const putAck = db.prepare(
    "INSERT OR REPLACE INTO oncall_acks (topic, alert_id, level, acked_by, comment, at_ms) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const delAck = db.prepare("DELETE FROM oncall_acks WHERE topic = ? AND alert_id = ?");
  const allAcks = db.prepare<
    [],
    { topic: string; alert_id: string; level: number; acked_by: string; comment: string; at_ms: number }
  >("SELECT * FROM oncall_acks");
  const putHold = db.prepare(
    "INSERT OR REPLACE INTO oncall_holds (topic, alert_id, handler, sent_level) VALUES (?, ?, ?, ?)",
  );
  const delHold = db.prepare("DELETE FROM oncall_holds WHERE topic = ? AND alert_id = ? AND handler = ?");
  const allHolds = db.prepare<[], { topic: string; alert_id: string; handler: string; sent_level: number }>(
    "SELECT * FROM oncall_holds",
  );
  return {
    silences: {
      *load() {
        for (const r of allSilences.all()) {
          const s: Silence = {
            id: r.id,
            matchers: JSON.parse(r.matchers) as Matcher[],
            startsAt: r.starts_at,
            endsAt: r.ends_at,
            updatedAt: r.updated_at,
            createdBy: r.created_by,
            comment: r.comment,
          };
          if (r.snooze_topic !== "") s.snooze = { topic: r.snooze_topic, alertId: r.snooze_alert };
          yield s;
        }
      },
      put: (s) =>
        void putSilence.run(
          s.id,
          JSON.stringify(s.matchers),
          s.startsAt,
          s.endsAt,
          s.updatedAt,
          s.createdBy,
          s.comment,
          s.snooze?.topic ?? "",
          s.snooze?.alertId ?? "",
        ),
      delete: (id) => void delSilence.run(id),
    },
    *loadAlerts() {
      for (const r of allAlerts.all()) {
        yield {
          topic: r.topic,
          id: r.alert_id,
          labels: JSON.parse(r.labels) as LabelSet,
          event: decodeEvent(r.event),
        };
      }
    },
    putAlert: (a, labelsJson) =>
      void putAlert.run(a.topic, a.id, labelsJson ?? JSON.stringify(a.labels), encodeEvent(a.event)),
    deleteAlert: (topic, id) => void delAlert.run(topic, id),
    *loadAcks() {
      for (const r of allAcks.all()) {
        yield {
          topic: r.topic,
          alertId: r.alert_id,
          level: r.level as Level,
          by: r.acked_by,
          comment: r.comment,
          at: r.at_ms,
        };
      }
    },
    putAck: (a) => void putAck.run(a.topic, a.alertId, a.level, a.by, a.comment, a.at),
    deleteAck: (topic, id) => void delAck.run(topic, id),
    *loadHolds() {
      for (const r of allHolds.all()) {
        yield { topic: r.topic, alertId: r.alert_id, handler: r.handler, sent: r.sent_level as Level };
      }
    },
    putHold: (topic, id, handler, sent) => void putHold.run(topic, id, handler, sent),
    deleteHold: (topic, id, handler) => void delHold.run(topic, id, handler),
  };
}
