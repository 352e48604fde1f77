/**
 * The records of the compacted config topic `tickd-<name>-config` (DESIGN §11, "Cluster
 * config"): one key per object, `<kind>/<id>`, the value the full object as versioned JSON,
 * a null value (tombstone) when it is deleted. Compaction keeps the newest record of each key,
 * so reading the topic from the start gives every instance the whole cluster config.
 *
 * Key parts are percent-encoded (`encodeURIComponent`), so an id holding "/" never makes two
 * objects share a key. Values use the store's JSON codec (src/store/codec.ts): bigint task
 * vars and handler options survive the trip exactly.
 *
 * A reader skips — and logs and counts — a value whose `v` it does not know, so an instance
 * of an older version never wedges on a record a newer one wrote during a rolling upgrade.
 */
import type { StoredConnector } from "../connectors/store.js";
import type { Ack } from "../oncall/service.js";
import type { Silence } from "../oncall/silences.js";
import { decodeJson, encodeJson } from "../store/codec.js";
import type { TaskRecord } from "../store/tasks.js";
import type { TemplateRecord } from "../store/templates.js";
import type { TopicHandlerRecord } from "../store/topic-handlers.js";

/** The value format this build writes and reads. */
export const CONFIG_RECORD_VERSION = 1;

/** A task as the cluster shares it: everything but `error`, which is each instance's own. */
export type TaskDefinition = Omit<TaskRecord, "error">;

/** One change of the cluster config; `value: null` deletes the object. */
export type ConfigChange =
  | { kind: "task"; id: string; value: TaskDefinition | null }
  | { kind: "template"; id: string; value: TemplateRecord | null }
  | { kind: "handler"; topic: string; id: string; value: TopicHandlerRecord | null }
  | { kind: "silence"; id: string; value: Silence | null }
  | { kind: "ack"; topic: string; alertId: string; value: Ack | null }
  /** `secrets` stays sealed (src/secrets/): every instance needs the same `[secrets] key` to send. */
  | { kind: "connector"; id: string; value: StoredConnector | null };

export type ConfigKind = ConfigChange["kind"];

const KINDS: ReadonlySet<string> = new Set<ConfigKind>([
  "task",
  "template",
  "handler",
  "silence",
  "ack",
  "connector",
]);

/** The key parts after the kind: one for task, template, silence and connector; two for handler and ack. */
function idParts(c: ConfigChange): string[] {
  switch (c.kind) {
    case "handler":
      return [c.topic, c.id];
    case "ack":
      return [c.topic, c.alertId];
    default:
      return [c.id];
  }
}

export function configKey(c: ConfigChange): string {
  return [c.kind, ...idParts(c).map(encodeURIComponent)].join("/");
}

export interface EncodedRecord {
  key: string;
  /** null: a tombstone. */
  value: string | null;
}

export function encodeChange(c: ConfigChange): EncodedRecord {
  const key = configKey(c);
  if (c.value === null) return { key, value: null };
  const data = c.kind === "task" ? taskDefinition(c.value) : c.value;
  return { key, value: encodeJson({ v: CONFIG_RECORD_VERSION, kind: c.kind, data }, `config record ${key}`) };
}

/** Drops `error` when given a full TaskRecord (it is each instance's own). */
function taskDefinition(t: TaskDefinition & { error?: string }): TaskDefinition {
  const { error: _error, ...def } = t;
  return def;
}

/** Why a record was not applied: `version` (written by a newer tickd) or `malformed`. */
export type DecodeResult =
  { ok: true; change: ConfigChange } | { ok: false; reason: "version" | "malformed"; message: string };

/** Decodes one record of the config topic (its key and raw value; null value = tombstone). */
export function decodeRecord(key: string, value: Buffer | string | null): DecodeResult {
  const parts = key.split("/");
  const kind = parts[0] ?? "";
  const bad = (message: string): DecodeResult => ({
    ok: false,
    reason: "malformed",
    message: `config record ${JSON.stringify(key)}: ${message}`,
  });
  if (!KINDS.has(kind)) return bad(`unknown kind ${JSON.stringify(kind)}`);
  const wanted = kind === "handler" || kind === "ack" ? 2 : 1;
  if (parts.length !== wanted + 1) return bad(`expected ${wanted} id part(s) after the kind`);
  let ids: string[];
  try {
    ids = parts.slice(1).map(decodeURIComponent);
  } catch {
    return bad("id is not percent-encoded UTF-8");
  }
  const [a = "", b = ""] = ids;
  if (value === null) return { ok: true, change: tombstone(kind as ConfigKind, a, b) };
  let body: unknown;
  try {
    body = decodeJson(typeof value === "string" ? value : value.toString("utf8"), `config record ${key}`);
  } catch (e) {
    return bad((e as Error).message);
  }
  if (!isObject(body)) return bad("value is not a JSON object");
  if (body.v !== CONFIG_RECORD_VERSION) {
    return {
      ok: false,
      reason: "version",
      message: `config record ${JSON.stringify(key)} has version ${JSON.stringify(body.v)}; this tickd reads version ${CONFIG_RECORD_VERSION}`,
    };
  }
  if (body.kind !== kind) return bad(`value says kind ${JSON.stringify(body.kind)}`);
  const data = body.data;
  if (!isObject(data)) return bad("data is not an object");
  const problem = checkData(kind as ConfigKind, data, a, b);
  if (problem !== undefined) return bad(problem);
  return { ok: true, change: withValue(kind as ConfigKind, a, b, data) };
}

function tombstone(kind: ConfigKind, a: string, b: string): ConfigChange {
  switch (kind) {
    case "handler":
      return { kind, topic: a, id: b, value: null };
    case "ack":
      return { kind, topic: a, alertId: b, value: null };
    default:
      return { kind, id: a, value: null };
  }
}

// The shape was checked by checkData; the casts name what it checked.
function withValue(kind: ConfigKind, a: string, b: string, data: Record<string, unknown>): ConfigChange {
  switch (kind) {
    case "task":
      return { kind, id: a, value: data as unknown as TaskDefinition };
    case "template":
      return { kind, id: a, value: data as unknown as TemplateRecord };
    case "silence":
      return { kind, id: a, value: data as unknown as Silence };
    case "handler":
      return { kind, topic: a, id: b, value: data as unknown as TopicHandlerRecord };
    case "ack":
      return { kind, topic: a, alertId: b, value: data as unknown as Ack };
    case "connector":
      return { kind, id: a, value: data as unknown as StoredConnector };
  }
}

/** The fields each kind needs, and that the key and the value name the same object. */
function checkData(kind: ConfigKind, d: Record<string, unknown>, a: string, b: string): string | undefined {
  const strings = (...names: string[]): string | undefined => {
    for (const n of names) if (typeof d[n] !== "string") return `data.${n} is not a string`;
    return undefined;
  };
  const numbers = (...names: string[]): string | undefined => {
    for (const n of names) if (typeof d[n] !== "number") return `data.${n} is not a number`;
    return undefined;
  };
  const same = (field: string, want: string): string | undefined =>
    d[field] === want ? undefined : `data.${field} ${JSON.stringify(d[field])} differs from the key`;
  switch (kind) {
    case "task":
      return (
        strings("id", "templateId", "type", "script", "status") ??
        numbers("created", "modified", "lastEnabled") ??
        (Array.isArray(d.dbrps) && isObject(d.vars) ? undefined : "data.dbrps or data.vars malformed") ??
        same("id", a)
      );
    case "template":
      return strings("id", "type", "script") ?? numbers("created", "modified") ?? same("id", a);
    case "handler":
      return (
        strings("topic", "id", "kind", "match") ??
        (isObject(d.options) ? undefined : "data.options is not an object") ??
        same("topic", a) ??
        same("id", b)
      );
    case "silence":
      return (
        strings("id", "createdBy", "comment") ??
        numbers("startsAt", "endsAt", "updatedAt") ??
        (Array.isArray(d.matchers) ? undefined : "data.matchers is not a list") ??
        same("id", a)
      );
    case "ack":
      return (
        strings("topic", "alertId", "by", "comment") ??
        numbers("level", "at") ??
        same("topic", a) ??
        same("alertId", b)
      );
    case "connector":
      return (
        strings("id", "name", "typeId", "secrets") ??
        numbers("createdMs", "updatedMs") ??
        (isObject(d.config) ? undefined : "data.config is not an object") ??
        same("id", a)
      );
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
