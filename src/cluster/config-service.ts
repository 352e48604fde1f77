/**
 * Cluster config on one instance, put together for the daemon: the ConfigSync over the
 * services' hooks, and the API's cluster-mode services (src/cluster/config-writes.ts).
 *
 * What is shared and what is not: tasks, templates and topic handlers defined through the
 * API, silences, snoozes, acks and connectors (secrets sealed) live in the config topic. Task files (`tasks/`) and handler
 * files (`handlers/`) stay per-instance: each instance loads its own directories (ship the
 * same files to every instance), they are never written to the topic, and pruning never
 * removes a task whose file is in `tasks/`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

import type { Kafka } from "kafkajs";

import type { TopicApi } from "../alert/topic-api.js";
import type { TopicService } from "../alert/topic-service.js";
import type { ClusterConfig } from "../config/types.js";
import type { ConnectorService, ConnectorWrites } from "../connectors/service.js";
import type { EngineLogger } from "../engine/context.js";
import type { OnCallService } from "../oncall/service.js";
import type { TaskManager } from "../server/task-manager.js";
import type { TaskService } from "../server/task-service.js";
import type { TemplateApi, TemplateService } from "../server/template-service.js";
import type { Store } from "../store/index.js";
import type { ConfigTargets } from "./config-apply.js";
import type { ConfigChange } from "./config-record.js";
import { ConfigSync, type ConfigSyncStart } from "./config-sync.js";
import {
  clusterConnectorWrites,
  clusterOnCallWrites,
  clusterTaskService,
  clusterTemplateApi,
  clusterTopicApi,
} from "./config-writes.js";

export interface ClusterConfigDeps {
  /** The instance's one cluster client (src/cluster/kafka.ts). */
  kafka: Kafka;
  cluster: ClusterConfig;
  member: string;
  logger: EngineLogger;
  store: Store;
  tasks: TaskManager;
  templates: TemplateService;
  topics: TopicService;
  oncall: OnCallService;
  connectors: ConnectorService;
  /** `[load] tasks-dir` when loading is enabled: its tasks are per-instance files. */
  tasksDir: string | undefined;
  writeTimeoutMs?: number;
}

export interface ClusterConfigService {
  readonly sync: ConfigSync;
  /** The API's services: writes go through the config topic. */
  readonly tasks: TaskService;
  readonly topics: TopicApi;
  readonly templates: TemplateApi;
  readonly connectors: ConnectorWrites;
  /** The first read (done when this resolves: the topic applied, local rows reconciled). */
  readonly started: ConfigSyncStart;
  stop(): Promise<void>;
}

/** The services as the config topic's targets (src/cluster/config-apply.ts). */
export function serviceTargets(
  d: Pick<ClusterConfigDeps, "tasks" | "templates" | "topics" | "oncall" | "connectors">,
): ConfigTargets {
  return {
    applyTask: (id, def) => d.tasks.applyDefinition(id, def),
    applyTemplate: (id, rec) => d.templates.applyRecord(id, rec),
    applyHandler: (topic, id, spec) => d.topics.applyHandler(topic, id, spec),
    applySilence: (id, s) => d.oncall.silences.apply(id, s),
    applyAck: (topic, alertId, ack) => d.oncall.applyAck(topic, alertId, ack),
    applyConnector: (id, c) => d.connectors.applyRecord(id, c),
  };
}

/** This instance's config as puts, task files left out: what seeds an empty topic or is pruned. */
export function localConfig(
  d: Pick<ClusterConfigDeps, "store" | "templates" | "oncall" | "tasksDir" | "connectors">,
): ConfigChange[] {
  const isFile = (id: string): boolean =>
    d.tasksDir !== undefined && existsSync(join(d.tasksDir, `${id}.tick`));
  const out: ConfigChange[] = [];
  for (const t of d.templates.repo.list()) out.push({ kind: "template", id: t.id, value: t });
  for (const t of d.store.tasks.list()) {
    if (isFile(t.id)) continue;
    const { error: _error, ...def } = t;
    out.push({ kind: "task", id: t.id, value: def });
  }
  for (const h of d.store.topicHandlers.listAll())
    out.push({ kind: "handler", topic: h.topic, id: h.id, value: h });
  for (const s of d.oncall.silences.list()) out.push({ kind: "silence", id: s.id, value: s });
  for (const a of d.oncall.ackList()) out.push({ kind: "ack", topic: a.topic, alertId: a.alertId, value: a });
  for (const c of d.connectors.stored()) out.push({ kind: "connector", id: c.id, value: c });
  return out;
}

/**
 * Reads the config topic to its end and applies it (the daemon calls this before it starts
 * the stored tasks and listens), then switches the on-call writes to the topic.
 */
export async function startClusterConfig(d: ClusterConfigDeps): Promise<ClusterConfigService> {
  const sync = new ConfigSync({
    kafka: d.kafka,
    cluster: d.cluster,
    member: d.member,
    targets: serviceTargets(d),
    local: () => localConfig(d),
    logger: d.logger,
    ...(d.writeTimeoutMs !== undefined ? { writeTimeoutMs: d.writeTimeoutMs } : {}),
  });
  let started: ConfigSyncStart;
  try {
    started = await sync.start();
  } catch (e) {
    await sync.stop();
    throw e;
  }
  d.oncall.writes = clusterOnCallWrites(d.oncall, sync);
  // An ack its alert ended (recovery, level change) leaves the topic too, or a restart would bring it back.
  d.oncall.onAckCleared = (topic, alertId) =>
    sync.publishInBackground([{ kind: "ack", topic, alertId, value: null }], "the end of an ack");
  return {
    sync,
    tasks: clusterTaskService(d.tasks, sync),
    topics: clusterTopicApi(d.topics, sync),
    templates: clusterTemplateApi(d.templates, sync),
    connectors: clusterConnectorWrites(d.connectors, sync),
    started,
    stop: () => sync.stop(),
  };
}
