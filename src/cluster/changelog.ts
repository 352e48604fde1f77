/**
 * Records of the compacted changelog `tickd-<name>-state` (DESIGN §11): the task state of
 * one input partition, written to the state partition of the same number (input partition
 * mod the state topic's partition count) in the transaction that also commits that input's
 * offsets, and read back whole by the partition's next owner before it processes any input.
 *
 * Key (JSON array, so no separator can be forged by a tag value):
 *   alert group state: ["a", <input topic>, <input partition>, <task>, <node>, <group>]
 *   topic event state: ["t", <input topic>, <input partition>, <topic>, <event id>]
 *   on-call alert:     ["o", <input topic>, <input partition>, <topic>, <alert id>]
 *     (the alert as the on-call list shows it; read by every instance: src/cluster/alert-view.ts)
 *   node group state:  ["n", <input topic>, <input partition>, <task>, <node>, <group>]
 *     (window buffers, stateful functions, trackers, transforms: src/engine/group-state.ts)
 * Value: versioned JSON through the store codec (ns times exact), or null = tombstone (the
 * group returned to OK and was forgotten; compaction then drops the key):
 *   alert: {"v":1,"eventId":"cpu:host=a","state":{level,prev,firstTriggered,lastTriggered,flapping,history?}}
 *   topic: {"v":1,"state":{id,level,message,details,time,duration}}
 *   on-call: {"v":1,"alert":{topic,id,labels,event}}
 *   node:  {"v":1,"state":<what the node saved for the group>} — at most MAX_NODE_STATE_BYTES;
 *          a bigger group state is not kept (a tombstone is written, logged and counted) and
 *          the group starts empty on the next owner, as it did before node state was kept.
 */
import type { AlertEventState } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import type { AlertStateSnapshot } from "../engine/alert-state.js";
import { requiredTime } from "../engine/group-state.js";
import type { StoredAlert } from "../oncall/service.js";
import { withBigIntTimes } from "../oncall/store.js";
import { decodeJson, encodeJson } from "../store/codec.js";
import { ClusterCodes } from "./points.js";

export interface InputPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

export type ChangelogEntry =
  | {
      readonly kind: "alert";
      readonly input: InputPartitionRef;
      readonly task: string;
      readonly node: string;
      readonly group: string;
      /** undefined: tombstone. */
      readonly value: { readonly eventId: string; readonly state: AlertStateSnapshot } | undefined;
    }
  | {
      readonly kind: "oncall";
      readonly input: InputPartitionRef;
      readonly topic: string;
      readonly alertId: string;
      /** undefined: tombstone (the alert recovered). */
      readonly value: StoredAlert | undefined;
    }
  | {
      readonly kind: "node";
      readonly input: InputPartitionRef;
      readonly task: string;
      readonly node: string;
      readonly group: string;
      /** undefined: tombstone. */
      readonly value: { readonly state: unknown } | undefined;
    }
  | {
      readonly kind: "topic";
      readonly input: InputPartitionRef;
      readonly topic: string;
      readonly eventId: string;
      /** undefined: tombstone. */
      readonly value: AlertEventState | undefined;
    };

/** The largest node group state record (a window of ~2000 small points); bigger ones are not kept. */
export const MAX_NODE_STATE_BYTES = 256 * 1024;

export function alertStateKey(input: InputPartitionRef, task: string, node: string, group: string): string {
  return JSON.stringify(["a", input.topic, input.partition, task, node, group]);
}

export function topicStateKey(input: InputPartitionRef, topic: string, eventId: string): string {
  return JSON.stringify(["t", input.topic, input.partition, topic, eventId]);
}

export function nodeStateKey(input: InputPartitionRef, task: string, node: string, group: string): string {
  return JSON.stringify(["n", input.topic, input.partition, task, node, group]);
}

export function oncallAlertKey(input: InputPartitionRef, topic: string, alertId: string): string {
  return JSON.stringify(["o", input.topic, input.partition, topic, alertId]);
}

export function encodeOnCallAlert(alert: StoredAlert): string {
  return encodeJson({ v: 1, alert }, "on-call alert record");
}

export function encodeNodeState(state: unknown): string {
  return encodeJson({ v: 1, state }, "node state record");
}

export function encodeAlertState(eventId: string, state: AlertStateSnapshot): string {
  return encodeJson({ v: 1, eventId, state }, "alert state record");
}

export function encodeTopicState(state: AlertEventState): string {
  return encodeJson({ v: 1, state }, "topic state record");
}

/** The input partition a changelog key belongs to, without decoding the value (restore filter). */
export function keyInput(key: string): InputPartitionRef | undefined {
  try {
    const k = JSON.parse(key) as unknown;
    if (!Array.isArray(k) || typeof k[1] !== "string" || typeof k[2] !== "number") return undefined;
    return { topic: k[1], partition: k[2] };
  } catch {
    return undefined;
  }
}

/** One changelog record back as an entry; throws E_CLUSTER_RECORD saying what is wrong. */
export function decodeChangelog(key: string, value: string | null): ChangelogEntry {
  let k: unknown;
  try {
    k = JSON.parse(key);
  } catch (e) {
    throw new TickdError(ClusterCodes.RECORD, `state record key is not JSON: ${key.slice(0, 80)}`, {
      cause: e,
    });
  }
  if (!Array.isArray(k) || !k.every((x, i) => (i === 2 ? typeof x === "number" : typeof x === "string")))
    throw new TickdError(ClusterCodes.RECORD, `state record key has an unknown shape: ${key.slice(0, 80)}`);
  const input = { topic: k[1] as string, partition: k[2] as number };
  const doc = value === null ? undefined : (decodeJson(value, "state record") as Record<string, unknown>);
  if (doc !== undefined && doc["v"] !== 1)
    throw new TickdError(ClusterCodes.RECORD, `state record has an unknown version (${String(doc["v"])})`);
  if (k[0] === "a" && k.length === 6) {
    if (doc !== undefined && (typeof doc["eventId"] !== "string" || typeof doc["state"] !== "object"))
      throw new TickdError(ClusterCodes.RECORD, "alert state record lacks eventId or state");
    return {
      kind: "alert",
      input,
      task: k[3] as string,
      node: k[4] as string,
      group: k[5] as string,
      value:
        doc === undefined
          ? undefined
          : { eventId: doc["eventId"] as string, state: alertSnapshot(doc["state"]) },
    };
  }
  if (k[0] === "o" && k.length === 5) {
    if (doc !== undefined && typeof doc["alert"] !== "object")
      throw new TickdError(ClusterCodes.RECORD, "on-call alert record lacks alert");
    return {
      kind: "oncall",
      input,
      topic: k[3] as string,
      alertId: k[4] as string,
      value: doc === undefined ? undefined : storedAlert(doc["alert"] as StoredAlert),
    };
  }
  if (k[0] === "n" && k.length === 6) {
    if (doc !== undefined && !("state" in doc))
      throw new TickdError(ClusterCodes.RECORD, "node state record lacks state");
    return {
      kind: "node",
      input,
      task: k[3] as string,
      node: k[4] as string,
      group: k[5] as string,
      value: doc === undefined ? undefined : { state: doc["state"] },
    };
  }
  if (k[0] === "t" && k.length === 5) {
    if (doc !== undefined && typeof doc["state"] !== "object")
      throw new TickdError(ClusterCodes.RECORD, "topic state record lacks state");
    return {
      kind: "topic",
      input,
      topic: k[3] as string,
      eventId: k[4] as string,
      value: doc === undefined ? undefined : topicState(doc["state"] as AlertEventState),
    };
  }
  throw new TickdError(ClusterCodes.RECORD, `state record key has an unknown kind: ${key.slice(0, 80)}`);
}

// A version with float64 times wrote its times as JSON numbers; this one computes with bigints.
function alertSnapshot(v: unknown): AlertStateSnapshot {
  const s = v as AlertStateSnapshot;
  return {
    ...s,
    firstTriggered: requiredTime(s.firstTriggered, "firstTriggered"),
    lastTriggered: requiredTime(s.lastTriggered, "lastTriggered"),
  };
}

function topicState(s: AlertEventState): AlertEventState {
  return { ...s, time: requiredTime(s.time, "topic event time") };
}

function storedAlert(a: StoredAlert): StoredAlert {
  return typeof a.event === "object" && a.event !== null ? { ...a, event: withBigIntTimes(a.event) } : a;
}
