/**
 * Applying the config topic to one instance (DESIGN §11, "Cluster config"): every record —
 * the ones this instance wrote included — goes through {@link applyChange} into the services,
 * which store it in SQLite (the local cache) and make it live (a task started or stopped, a
 * handler built, a silence or ack in force).
 *
 * After the first read of the whole topic, {@link reconcile} decides about what SQLite holds
 * and the topic does not:
 * - topic empty (no record at all): the cluster has no config yet, so this instance seeds it
 *   with its own (an instance that ran alone before, switched to cluster mode, keeps its tasks);
 * - otherwise the topic is the truth: local objects it does not name are removed here.
 * Tasks loaded from the `tasks/` directory are per-instance files, never in the topic, and
 * neither seeded nor removed (handler files are never stored, so they are not concerned).
 */
import type { StoredConnector } from "../connectors/store.js";
import type { Ack } from "../oncall/service.js";
import type { Silence } from "../oncall/silences.js";
import type { TemplateRecord } from "../store/templates.js";
import type { TopicHandlerRecord } from "../store/topic-handlers.js";
import { configKey, type ConfigChange, type TaskDefinition } from "./config-record.js";

/** Where applied records go: one method per kind, null deletes. Implemented by the services' hooks. */
export interface ConfigTargets {
  applyTask(id: string, def: TaskDefinition | null): void;
  applyTemplate(id: string, rec: TemplateRecord | null): void;
  applyHandler(topic: string, id: string, spec: TopicHandlerRecord | null): void;
  applySilence(id: string, s: Silence | null): void;
  applyAck(topic: string, alertId: string, ack: Ack | null): void;
  applyConnector(id: string, c: StoredConnector | null): void;
}

export function applyChange(t: ConfigTargets, c: ConfigChange): void {
  switch (c.kind) {
    case "task":
      return t.applyTask(c.id, c.value);
    case "template":
      return t.applyTemplate(c.id, c.value);
    case "handler":
      return t.applyHandler(c.topic, c.id, c.value);
    case "silence":
      return t.applySilence(c.id, c.value);
    case "ack":
      return t.applyAck(c.topic, c.alertId, c.value);
    case "connector":
      return t.applyConnector(c.id, c.value);
  }
}

/** The deletion of the object `c` names. */
export function tombstoneOf(c: ConfigChange): ConfigChange {
  return { ...c, value: null } as ConfigChange;
}

/**
 * What to do after the first full read. `seen`: every key read, true when its newest record
 * is a value, false for a tombstone. `local`: this instance's config as puts (file tasks left
 * out). Seeds `local` when the topic had no record; else prunes the local objects it lacks.
 */
export function reconcile(
  seen: ReadonlyMap<string, boolean>,
  local: readonly ConfigChange[],
): { seed: ConfigChange[]; prune: ConfigChange[] } {
  if (seen.size === 0) return { seed: [...local], prune: [] };
  return { seed: [], prune: local.filter((c) => !seen.has(configKey(c))).map(tombstoneOf) };
}
