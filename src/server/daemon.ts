/**
 * The composition root: config → SQLite store → handler registry → topic service → task
 * manager → HTTP API, plus the wall-clock ticker. Everything long-lived is created here and
 * stopped here, in reverse order.
 *
 * Lifecycle: start() opens the store, restores API handlers and topic state, loads
 * handlers/ and tasks/ (a broken file is reported and skipped), starts enabled tasks (one
 * that cannot start is counted in the startup line's `problems`), then listens. reload()
 * (SIGHUP) re-reads the config file, then handlers/ and tasks/, and reports what changed.
 * stop() (SIGTERM) stops intake, drains handler deliveries, stops tasks, closes the store.
 *
 * Config reload: `current` is the config the daemon runs on. Handlers read their sections
 * through `liveHandlerConfig` (a view of `current`), the delivery service is told through
 * `delivery.reconfigure`, and handlers of the kinds that copy settings when they are created
 * are re-created. What needs a restart keeps its running value (src/config/reload.ts).
 */
import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { TopicService, type TopicPersistence } from "../alert/topic-service.js";
import {
  ConfigError,
  OverrideError,
  planReload,
  type ConfigOverrides,
  type TickdConfig,
} from "../config/index.js";
import { globalHandlers } from "../config/globals.js";
import { coerceError } from "../core/errors.js";
import { nowNs, wallClockNs } from "../core/time.js";
import { InhibitorRegistry } from "../engine/inhibitors.js";
import type { AlertEvent } from "../core/alert-event.js";
import type { Point } from "../core/types.js";
import { createDelivery, createHandlerTester, createMetricsRoute } from "../delivery/index.js";
import { createRoutedTransport } from "../delivery/routed-transport.js";
import { createSmtpWire } from "../delivery/smtp-wire.js";
import {
  checkAlertHandlers,
  createHandlerFactory,
  type HandlerConfig,
  type HttpSender,
} from "../handlers/index.js";
import { createIntegrations, sqliteAutoResolve } from "../integrations/index.js";
import {
  ConnectorService,
  createConnectorRoutes,
  SqliteConnectorStore,
  withConnectors,
  connectorReferences,
  type ReferenceSources,
} from "../connectors/index.js";
import {
  createSecretsRoutes,
  openHandler,
  openOverrides,
  readSecretKeys,
  sealHandler,
  sealClearSecrets,
  sealOverrides,
  SecretBox,
} from "../secrets/index.js";
import { SECRET_KEYS } from "../config/index.js";
import { startKafkaInputs } from "../sources/kafka-input.js";
import { createInfluxAccess } from "../sources/influxdb.js";
import { manageSubscriptions } from "../sources/influxdb-subscriptions.js";
import { openStore, type Store, type TopicHandlerRecord } from "../store/index.js";
import { OnCallService, onCallPersistence } from "../oncall/index.js";
import { createAlertmanagerRoutes } from "./http/alertmanager-routes.js";
import { createOnCallRoutes } from "./http/oncall-routes.js";
import { createServiceTestRoutes, createServiceTests } from "../service-tests/index.js";
import type { DaemonLogger } from "./logger.js";
import { createApiServer, type ListeningServer } from "./http/index.js";
import { createConfigRoutes } from "./http/config-routes.js";
import { createObserveRoutes } from "./http/observe-routes.js";
import { createReplayRoutes } from "./http/replay-routes.js";
import { Recordings } from "./replay/recordings.js";
import { DebugVars } from "./observe/debug-vars.js";
import { IngressCounter } from "./observe/ingress.js";
import { createHttpPostAccess } from "./http-post.js";
import { createSideloadSources } from "../sources/sideload.js";
import { HistoryService } from "../oncall/history.js";
import { SqliteActivity } from "../store/activity.js";
import { createHistoryRoutes } from "../oncall/history-routes.js";
import { recordHeldNotifications, recordOnCallActions } from "../oncall/history-hooks.js";
import { createConsoleRoutes } from "./console/routes.js";
import { TaskManager } from "./task-manager.js";
import { TemplateService } from "./template-service.js";
import { templateRoutes } from "./http/template-routes.js";
import { engineMetrics } from "./metrics.js";
// Cluster status (DESIGN §11): GET /tickd/v1/cluster, tickd_cluster_* metrics.
import { clusterKafka } from "../cluster/kafka.js";
import { ClusterStatusService } from "../cluster/status-service.js";
import { createClusterRoutes } from "./http/cluster-routes.js";
import { startClusterConfig } from "../cluster/config-service.js";
// Cluster mode, input side (DESIGN §11).
import { clusterSender, clusterTopicPersistence, type ClusterSenderStats } from "../cluster/context.js";
import { memberIdOf, startClusterCore, type ClusterCore } from "../cluster/core.js";
import { clusterOnCallPersistence } from "../cluster/alert-view.js";
import type { InputStatusSource } from "../cluster/status.js";
import { startDispatcher, type Dispatcher } from "../cluster/dispatcher.js";

export interface Daemon {
  /** The port the HTTP API listens on (useful with `:0`). */
  readonly port: number;
  readonly tasks: TaskManager;
  readonly topics: TopicService;
  /** Silences, acknowledgements, snoozes (DESIGN §12). */
  readonly oncall: OnCallService;
  /** Cluster mode: this instance's input partitions (restore progress, committed offsets). */
  readonly clusterInput?: InputStatusSource;
  reload(): Promise<ReloadReport>;
  stop(): Promise<void>;
}

export interface ReloadReport {
  /** Keys named as in the file (`[victorops] enabled`, `[[httppost]]`), never their values. */
  config: {
    /** Changed and in effect now. */
    applied: string[];
    /** Changed, but only read at start: not applied until a restart. */
    needsRestart: string[];
    /** Why the new config was not used (`file:line: [section] key: …`), or handlers it could not re-create. */
    errors: string[];
  };
  tasks: { loaded: string[]; errors: string[] };
  handlers: { loaded: string[]; removed: string[]; errors: string[] };
}

/**
 * Kinds that copy config settings when they are created (an endpoint, a target, a timeout, a
 * Kafka cluster): re-created after a reload that applied something. Other kinds read no
 * config, and re-creating them would flush an aggregate early or reopen a log file.
 */
const CONFIG_READING_KINDS: ReadonlySet<string> = new Set([
  "victorops",
  "post",
  "escalation",
  "tcp",
  "kafka",
  "smtp",
  "mqtt",
  "sensu",
  "snmptrap",
]);

const TICK_MS = 1000;

export async function startDaemon(opts: {
  config: TickdConfig;
  logger: DaemonLogger;
  version: string;
  /**
   * Reads the config again for reload() (tickd: the same file), with the API's overrides
   * (`/kapacitor/v1/config`) on top; throws ConfigError when invalid.
   */
  reloadConfig?: (overrides: ConfigOverrides) => TickdConfig;
}): Promise<Daemon> {
  const { config, logger, version } = opts;
  let current = config;
  let handlers = handlerConfig(current);
  const liveHandlerConfig: HandlerConfig = {
    get victorops() {
      return handlers.victorops;
    },
    get httppost() {
      return handlers.httppost;
    },
    get escalation() {
      return handlers.escalation;
    },
    get webhook() {
      return handlers.webhook;
    },
    get kafka() {
      return handlers.kafka ?? [];
    },
    get storageDir() {
      return handlers.storageDir ?? resolve(config.storage.dir);
    },
    get smtp() {
      return current.smtp;
    },
    get mqtt() {
      return current.mqtt;
    },
    get snmptrap() {
      return current.snmptrap;
    },
    get sensu() {
      return current.sensu;
    },
    get notifiers() {
      return handlers.notifiers ?? current;
    },
    get externalUrl() {
      return externalUrl;
    },
  };
  // Set once the API listens (the port may be :0); PagerDuty's client_url.
  let externalUrl = `http://${config.hostname}:${config.http.bindAddress.replace(/^.*:/, "")}`;
  // Stored secrets are sealed under [secrets] key (src/secrets/); without one they last a run.
  const box = new SecretBox(readSecretKeys(config.secrets));
  if (box.ephemeral) {
    logger.log(
      "warn",
      "[secrets] key is not set: secrets given from now on are sealed with a key that lasts until tickd stops; " +
        "after a restart they cannot be read (connectors show is_missing_secrets: true). " +
        "Set [secrets] key, key-file or TICKD_SECRETS_KEY (at least 32 characters).",
      { code: "W_SECRETS_NO_KEY" },
    );
  }
  const store = openStore(join(resolve(config.storage.dir), "tickd.db"), {
    // WAL checkpoints off the event loop (src/store/checkpointer.ts): no commit waits for one.
    backgroundCheckpoint: {
      onFallback: (reason) =>
        logger.log("warn", "store: background checkpoint stopped; commits checkpoint again", { reason }),
    },
  });
  // API config overrides (`/kapacitor/v1/config`) are kept in the store and re-applied at start.
  let overrides = readOverrides(store, box, logger);
  if (Object.keys(overrides).length > 0 && opts.reloadConfig !== undefined) {
    try {
      current = planReload(config, opts.reloadConfig(overrides)).config;
      handlers = handlerConfig(current);
      logger.log("info", "config overrides applied", { sections: Object.keys(overrides) });
    } catch (e) {
      logger.log("error", "stored config overrides are invalid; running on the config file alone", {
        problems: e instanceof ConfigError ? e.problems : [coerceError(e).message],
      });
    }
  }
  try {
    // aggregate/publish handlers and incoming webhooks put events back into topics.
    const collect = (e: AlertEvent, into: string[]): void =>
      topics.collect(e, { topics: into, handlers: [] });
    // Every HTTP notification goes through the delivery journal: written before the first
    // attempt, retried with backoff, replayed after a restart.
    const factoryFor = (send: HttpSender) =>
      createHandlerFactory({ config: liveHandlerConfig, logger, version, collect, send });
    // HTTP over undici, email over the SMTP wire: both journaled (src/delivery/routed-transport.ts).
    // (The HTTP part runs in a worker thread: src/delivery/wire-thread.ts.)
    const wire = createRoutedTransport(
      config.webhook,
      { smtp: createSmtpWire(() => current.smtp) },
      { logger },
    );
    const delivery = createDelivery({
      store,
      logger,
      transport: wire,
      config: { delivery: current.delivery, webhook: current.webhook },
      // Cluster mode: notifications read from the cluster are re-read, not replayed (src/cluster/dispatcher.ts).
      holdExternal: config.cluster.enabled,
      // Only under a configured key: a run-only key would strand journaled notifications at a restart.
      ...(box.ephemeral
        ? {}
        : { sealer: { seal: (t: string) => box.seal(t), open: (t: string) => box.open(t) } }),
      testHandler: createHandlerTester({
        // `kind: connector` handlers are testable too (connectors exist by the time a test runs).
        factoryFor: (send) =>
          withConnectors({
            inner: factoryFor(send),
            connectors,
            sender: send,
            log: (l, m, f) => logger.log(l, m, f),
          }),
        lookup: (topic, id) => topics.getHandler(topic, id),
      }),
    });
    delivery.start();
    // Cluster mode: one member id and one kafkajs client for every cluster part (src/cluster/core.ts).
    const clusterMember = config.cluster.enabled ? memberIdOf(config.cluster, config.http.bindAddress) : "";
    const clusterClient = config.cluster.enabled
      ? clusterKafka(config.cluster, clusterMember, logger)
      : undefined;
    // Cluster mode: notifications made while processing an input partition go into that
    // partition's Kafka transaction (src/cluster/context.ts); the rest to the journal.
    const clusterStats: ClusterSenderStats = { buffered: 0, dropped: 0 };
    let clusterCore: ClusterCore | undefined;
    const sender = config.cluster.enabled
      ? clusterSender({
          local: delivery.sender,
          member: () => clusterMember,
          logger,
          stats: clusterStats,
        })
      : delivery.sender;
    // Connectors (src/connectors/): Kibana's actions API; the `connector` handler kind.
    const references = connectorReferences(
      referenceSources(
        () => topics,
        store,
        () => tasks,
      ),
    );
    // Last event and last error of connectors and inbound sources (the console), kept in SQLite.
    const activity = new SqliteActivity(store.db);
    const connectors = new ConnectorService({
      store: new SqliteConnectorStore(store.db),
      box,
      config: () => current,
      check: (kind, options) => baseFactory.check(kind, options),
      direct: delivery.direct,
      createHandler: (spec, send) => factoryFor(send).create(spec),
      caDir: join(resolve(config.storage.dir), "connector-ca"),
      referencedBy: (id) => references.count(id),
      activity,
      log: (level, msg, fields) => logger.log(level, msg, fields),
    });
    delivery.onFinished((f) => connectors.recordDelivery(f));
    const baseFactory = factoryFor(sender);
    const factory = withConnectors({
      inner: baseFactory,
      connectors,
      sender,
      log: (level, msg, fields) => logger.log(level, msg, fields),
    });
    // On-call history (src/oncall/history.ts): state changes from here, deliveries by trigger.
    const history = new HistoryService({
      db: store.db,
      retentionMs: Math.floor(config.alert.historyRetention / 1e6),
      logger,
    });
    history.start();
    // On-call: silences, acks and snoozes gate every handler of every topic (DESIGN §12).
    const oncall = new OnCallService({
      persistence: config.cluster.enabled
        ? clusterOnCallPersistence(onCallPersistence(store.db), logger)
        : onCallPersistence(store.db),
      logger,
      notify: (topic, e, previousLevel, only) => topics.notify(topic, e, previousLevel, only),
    });
    oncall.open();
    const topics: TopicService = new TopicService({
      factory,
      persistence: (() => {
        const sqlite = topicPersistence(store, {
          seal: (h) => sealHandler(h, (kind, o) => factory.redact(kind, o), box),
          open: (h) => openHandler(h, box, (level, msg, fields) => logger.log(level, msg, fields)),
        });
        return config.cluster.enabled ? clusterTopicPersistence(sqlite) : sqlite;
      })(),
      logger,
      persistTopics: config.alert.persistTopics,
      onStateChange: (topic, e, prev) => history.recordState(topic, e, prev),
      gate: recordHeldNotifications(oncall, history),
    });
    topics.open();
    // Secrets an older tickd stored in clear are sealed as soon as a key is configured.
    if (!box.ephemeral) {
      const sealed = sealClearSecrets(
        { box, store, overridesKey: OVERRIDES_KEY, redact: (kind, o) => factory.redact(kind, o) },
        SECRET_KEYS,
      );
      if (sealed > 0) logger.log("info", "stored secrets found in clear were sealed", { records: sealed });
    }
    const influxEnabled = config.influxdb.some((c) => c.enabled);
    const influx = influxEnabled ? createInfluxAccess(config.influxdb) : undefined;
    const ingress = new IngressCounter();
    /** Task and handler files that failed to load in the last load pass (debug vars' `load`). */
    let loadErrors = 0;
    const sideloadSources = createSideloadSources();
    const globals = globalHandlers(config);
    const tasks = new TaskManager({
      store,
      ingress,
      alerts: topics,
      logger,
      // Kapacitor's ServerInfo.Hostname is the configured `hostname` (default "localhost").
      serverInfo: { Hostname: config.hostname, ClusterID: "", ServerID: "" },
      inhibitors: new InhibitorRegistry(),
      ...(config.engine.idleFlush > 0 ? { idleFlush: config.engine.idleFlush } : {}),
      ...(config.engine.groupTtl > 0 ? { groupTtl: config.engine.groupTtl } : {}),
      ...(globals.kinds.length > 0
        ? { globalHandlers: globals.kinds, globalStateChangesOnly: globals.stateChangesOnly }
        : {}),
      now: wallClockNs,
      ...(config.cluster.enabled ? { streamTasksElsewhere: true } : {}),
      checkHandlers: (graph) => checkAlertHandlers(factory, graph),
      templates: { get: (id: string): { script: string } | undefined => templates.get(id) },
      ...(influx !== undefined ? { influx } : {}),
      httpPost: createHttpPostAccess({ config: liveHandlerConfig, send: delivery.direct, logger }),
      sideload: (url) => sideloadSources.open(url),
    });

    const templates: TemplateService = new TemplateService({ store, tasks, now: wallClockNs });

    // Cluster config (src/cluster/config-service.ts): the config topic read to its end and
    // applied before stored tasks start; the API then writes tasks, templates, handlers,
    // silences and acks through it.
    const clusterConfig = clusterClient
      ? await startClusterConfig({
          kafka: clusterClient,
          cluster: config.cluster,
          member: clusterMember,
          logger,
          store,
          tasks,
          templates,
          topics,
          oncall,
          connectors,
          tasksDir: config.load.enabled ? resolve(config.load.tasksDir) : undefined,
        })
      : undefined;

    /** Re-reads the config (file, env, overrides); applies what may change while running, names the rest. */
    const reloadConfig = async (): Promise<ReloadReport["config"]> => {
      const out: ReloadReport["config"] = { applied: [], needsRestart: [], errors: [] };
      if (opts.reloadConfig === undefined) return out;
      let next: TickdConfig;
      try {
        next = opts.reloadConfig(overrides);
      } catch (e) {
        out.errors.push(...(e instanceof ConfigError ? e.problems : [coerceError(e).message]));
        logger.log("error", "config reload failed; the running config stays", { problems: out.errors });
        return out;
      }
      return applyConfig(next);
    };

    /** Makes `next` the running config: live sections at once, the rest named as needing a restart. */
    const applyConfig = async (next: TickdConfig): Promise<ReloadReport["config"]> => {
      const out: ReloadReport["config"] = { applied: [], needsRestart: [], errors: [] };
      const refuse = (problems: readonly string[]): ReloadReport["config"] => {
        out.errors.push(...problems);
        logger.log("error", "config reload failed; the running config stays", { problems });
        return out;
      };
      const plan = planReload(current, next);
      if (plan.applied.length > 0) {
        try {
          delivery.reconfigure({ delivery: plan.config.delivery, webhook: plan.config.webhook });
          wire.reconfigure(plan.config.webhook);
        } catch (e) {
          return refuse([coerceError(e).message]);
        }
      }
      current = plan.config;
      handlers = handlerConfig(current);
      out.applied.push(...plan.applied);
      out.needsRestart.push(...plan.needsRestart);
      if (plan.needsRestart.length > 0)
        logger.log("warn", "config reload: these settings need a restart; not applied", {
          keys: plan.needsRestart,
        });
      if (plan.applied.length > 0) {
        logger.log("info", "config reloaded", { applied: plan.applied });
        const rebuilt = await topics.rebuildHandlers(CONFIG_READING_KINDS);
        for (const e of rebuilt.errors) logger.log("error", `config reload: ${e}`);
        out.errors.push(...rebuilt.errors);
      }
      return out;
    };

    const reloadDirs = async (): Promise<ReloadReport> => {
      const report: ReloadReport = {
        config: { applied: [], needsRestart: [], errors: [] },
        tasks: { loaded: [], errors: [] },
        handlers: { loaded: [], removed: [], errors: [] },
      };
      if (!config.load.enabled) return report;
      const h = await topics.reloadHandlerDir(resolve(config.load.handlersDir)).catch((e: unknown) => ({
        loaded: [],
        removed: [],
        errors: [String(e instanceof Error ? e.message : e)],
      }));
      report.handlers = {
        loaded: h.loaded.map((x) => `${x.topic}/${x.id}`),
        removed: h.removed,
        errors: h.errors,
      };
      report.tasks = await tasks.loadDir(resolve(config.load.tasksDir));
      for (const e of [...report.handlers.errors, ...report.tasks.errors]) logger.log("error", `load: ${e}`);
      loadErrors = report.handlers.errors.length + report.tasks.errors.length;
      return report;
    };

    // The config first: handler files and tasks are then checked against the new sections.
    const reload = async (): Promise<ReloadReport> => {
      const configReport = await reloadConfig();
      return { ...(await reloadDirs()), config: configReport };
    };

    tasks.startAll();
    const first = await reloadDirs();
    // An enabled task that did not start is a problem like a broken file: it takes writes
    // (204) and alerts on none of them. Each one's reason was logged when it failed.
    const failedTasks = tasks.failed().map((t) => t.id);
    const problems = first.tasks.errors.length + first.handlers.errors.length + failedTasks.length;
    logger.log(problems > 0 ? "warn" : "info", "loaded tasks and handlers", {
      tasks: first.tasks.loaded,
      handlers: first.handlers.loaded,
      problems,
      ...(failedTasks.length > 0 ? { failedTasks } : {}),
    });

    // Cluster mode's notification dispatcher (src/cluster/dispatcher.ts), started once the port is known.
    let dispatcher: Dispatcher | undefined;

    const recordings = new Recordings({
      kv: store.kv,
      tasks,
      dir: join(resolve(config.storage.dir), "recordings"),
      logger,
      ...(influx !== undefined ? { influx } : {}),
    });
    const clusterId = persistentId(store, "cluster-id");
    const serverId = persistentId(store, "server-id");
    let subscriptionCount = (): number => 0;
    const debugVars = new DebugVars({
      clusterId,
      serverId,
      host: config.hostname,
      version,
      tasks: () => tasks.list({}),
      ingress: () => ingress.rows(),
      subscriptions: () => subscriptionCount(),
      loadErrors: () => loadErrors,
    });
    // Inbound integrations (/tickd/v1/integrations/<source>): read [integrations] and
    // [webhook] through `current`, so a reload applies to the next request.
    const integrations = createIntegrations({
      collect,
      logger,
      secret: () => current.webhook.incomingSecret,
      config: () => current.integrations,
      webhookRules: () => current.webhook,
      state: (t, id) => topics.topicEvent(t, id),
      autoResolve: sqliteAutoResolve(store.db),
      activity,
    });
    // Cluster mode's status: made once the API listens (the member id may name its port).
    let clusterStatus: ClusterStatusService | undefined;
    const api = createApiServer({
      tasks: clusterConfig?.tasks ?? tasks,
      topics: clusterConfig?.topics ?? topics,
      redactHandlerOptions: (kind, options) => factory.redact(kind, options),
      logger,
      version,
      auth: {
        enabled: config.http.authEnabled,
        ...(config.http.sharedSecret !== "" ? { sharedSecret: config.http.sharedSecret } : {}),
        users: config.http.users,
      },
      maxBodyBytes: config.http.maxBodySize,
      accessLog: config.http.logEnabled,
      ...(config.cluster.enabled
        ? {
            producePoints: (db: string, rp: string, points: readonly Point[]) => {
              if (clusterCore === undefined)
                return Promise.reject(new Error("cluster mode: not connected to Kafka yet; retry"));
              return clusterCore.produce(db, rp, points);
            },
          }
        : {}),
      extraRoutes: [
        ...integrations.routes,
        ...createConnectorRoutes(connectors, clusterConfig?.connectors),
        ...createSecretsRoutes({
          box,
          store,
          overridesKey: OVERRIDES_KEY,
          connectors: () => connectors.reseal(),
          redact: (kind, o) => factory.redact(kind, o),
          log: (level, msg, fields) => logger.log(level, msg, fields),
        }),
        ...delivery.routes.filter((r) => r.path !== "/metrics"),
        ...createConfigRoutes({
          enabled: config.configOverride.enabled,
          config: () => current,
          overrides: () => overrides,
          apply: async (next) => {
            if (opts.reloadConfig === undefined)
              throw new OverrideError(403, "config overrides need tickd started with its config loader");
            let cfg: TickdConfig;
            try {
              cfg = opts.reloadConfig(next);
            } catch (e) {
              throw new OverrideError(
                400,
                e instanceof ConfigError ? e.problems.join("; ") : coerceError(e).message,
              );
            }
            const report = await applyConfig(cfg);
            if (report.errors.length > 0) throw new OverrideError(400, report.errors.join("; "));
            store.kv.put(OVERRIDES_KEY, sealOverrides(next, SECRET_KEYS, box));
            overrides = next;
          },
        }),
        ...createReplayRoutes(recordings),
        ...createObserveRoutes({
          debugVars,
          tap: logger.tap,
          setLevel: (l) => logger.setLevel(l),
          db: store.db,
        }),
        ...recordOnCallActions(createOnCallRoutes({ oncall }), history),
        ...createHistoryRoutes(history),
        ...createClusterRoutes({ enabled: config.cluster.enabled, status: () => clusterStatus }),
        ...createConsoleRoutes(),
        ...createAlertmanagerRoutes({
          oncall,
          collect,
          topic: () => config.alertmanagerApi.topic,
          state: (t, id) => topics.topicEvent(t, id),
          version,
          logger,
          started: Date.now(),
        }),
        createMetricsRoute([
          delivery.metrics,
          engineMetrics({ tasks, topics, kafka: () => kafkaInputs }),
          integrations.renderMetrics,
          () => connectors.renderMetrics(),
          () => oncall.metrics(),
          () => clusterStatus?.renderMetrics() ?? "",
          () => clusterConfig?.sync.metrics() ?? "",
          () => clusterCore?.metrics() ?? "",
          () => dispatcher?.metrics() ?? "",
        ]),
        ...templateRoutes(clusterConfig?.templates ?? templates),
        // Kapacitor's /kapacitor/v1/service-tests: straight to the wire, never journaled.
        ...createServiceTestRoutes(
          createServiceTests({ config: liveHandlerConfig, logger, direct: delivery.direct, version }),
        ),
      ],
    });
    let server: ListeningServer;
    try {
      server = await api.listen(config.http.bindAddress);
    } catch (e) {
      await topics.close();
      throw e;
    }
    logger.log("info", `listening on ${config.http.bindAddress}`, { port: server.port });
    externalUrl = `http://${config.hostname}:${server.port}`;
    if (clusterClient) {
      clusterStatus = new ClusterStatusService({
        name: config.cluster.name,
        memberId: clusterMember,
        kafka: clusterClient,
        logger,
      });
      if (clusterConfig !== undefined) clusterStatus.attach({ config: clusterConfig.sync });
      clusterStatus.start();
    }

    // Kafka inputs feed the same TaskService.write the HTTP /write path uses. They pause while
    // the delivery journal is nearly full, so alerts are never refused for lack of room.
    // Cluster mode: [[kafka-input]] topics are read by the cluster's input group instead.
    const kafkaInputs = await startKafkaInputs(config.cluster.enabled ? [] : config.kafkaInput, {
      tasks,
      logger,
      shouldPause: () => delivery.pendingCount() > 0.9 * current.delivery.maxJournalRows,
    });

    // ---- cluster mode: input side, then the dispatcher every instance also is (DESIGN §11)
    if (clusterClient) {
      const memberId = clusterMember;
      try {
        clusterCore = await startClusterCore({
          kafka: clusterClient,
          cfg: config.cluster,
          memberId,
          logger,
          kafkaInputs: config.kafkaInput,
          senderStats: clusterStats,
          deps: {
            tasks,
            alerts: topics,
            topicStates: topics,
            batch: (fn) => store.batch(fn),
            ...(config.engine.groupTtl > 0 ? { groupTtl: config.engine.groupTtl } : {}),
          },
        });
        clusterStatus?.attach({ input: clusterCore.input });
        // The alert list and acks span the cluster (src/cluster/alert-view.ts).
        oncall.useClusterAlerts(clusterCore.alerts);
      } catch (e) {
        await server.close();
        await kafkaInputs.stop();
        await topics.close();
        throw e;
      }
      try {
        dispatcher = await startDispatcher({
          cluster: config.cluster,
          kafka: clusterClient,
          memberId,
          logger,
          delivery,
          maxJournalRows: () => current.delivery.maxJournalRows,
          graceMs: Math.min(5000, Math.floor(config.http.shutdownTimeout / 1e6 / 2)),
        });
        clusterStatus?.attach({ dispatch: dispatcher });
      } catch (e) {
        await clusterCore.stop();
        await server.close();
        await kafkaInputs.stop();
        await topics.close();
        await delivery.stop();
        throw new Error(`[cluster] cannot start the notification dispatcher: ${coerceError(e).message}`, {
          cause: e,
        });
      }
    }
    // ---- end cluster mode

    const ticker = setInterval(() => {
      tasks.tick(nowNs());
      clusterCore?.tick(nowNs());
    }, TICK_MS);
    ticker.unref();
    oncall.start();

    // InfluxDB subscriptions point InfluxDB's writes at our /write (as Kapacitor's do).
    const subs = influxEnabled
      ? manageSubscriptions({
          configs: config.influxdb,
          selfUrl: `http://${config.hostname}:${server.port}`,
          clusterId,
          serverId,
          logger,
        })
      : undefined;
    if (subs !== undefined) {
      subscriptionCount = () => subs.count();
      subs
        .sync()
        .catch((e: unknown) => logger.log("error", `InfluxDB subscription sync failed: ${String(e)}`));
    }

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        clearInterval(ticker);
        logger.tap.close();
        await recordings.close();
        debugVars.close();
        oncall.stop();
        await server.close();
        await clusterStatus?.stop();
        await clusterConfig?.stop();
        integrations.close();
        // Lets its deliveries in flight finish and commits them before it leaves the group.
        await dispatcher?.stop();
        await clusterCore?.stop();
        await kafkaInputs.stop();
        await subs?.stop(true);
        await topics.drain();
        await tasks.stopAll();
        await topics.close();
        // Queued and retrying notifications stay in the journal for the next start.
        await delivery.stop();
        await wire.close();
        await influx?.close();
        history.stop();
        store.close();
        logger.log("info", "stopped");
      })();
      return stopping;
    };

    return {
      port: server.port,
      tasks,
      topics,
      oncall,
      ...(clusterCore !== undefined ? { clusterInput: clusterCore.input } : {}),
      reload,
      stop,
    };
  } catch (e) {
    store.close();
    throw e;
  }
}

const OVERRIDES_KEY = "config:overrides";

function readOverrides(store: Store, box: SecretBox, logger: DaemonLogger): ConfigOverrides {
  const v = store.kv.get(OVERRIDES_KEY);
  if (v === undefined || v === "") return {};
  return openOverrides(v, box, (level, msg, fields) => logger.log(level, msg, fields)) as ConfigOverrides;
}

/** Topic handlers and stored TICKscripts sending through a connector (Kibana's referenced_by_count). */
function referenceSources(
  topics: () => TopicService,
  store: Store,
  tasks: () => TaskManager,
): ReferenceSources {
  return {
    *handlers() {
      for (const t of topics().listTopics()) yield* topics().listHandlers(t.id);
    },
    *tasks() {
      for (const t of store.tasks.list())
        yield { id: t.id, version: String(t.modified), graph: () => tasks().graphOf(t.id) };
    },
  };
}

/** A random id made once and kept in the store (subscription names must survive restarts). */
function persistentId(store: Store, key: string): string {
  const existing = store.kv.get(key);
  if (typeof existing === "string" && existing !== "") return existing;
  const id = randomUUID();
  store.kv.put(key, id);
  return id;
}

function handlerConfig(c: TickdConfig): HandlerConfig {
  return {
    victorops: c.victorops,
    httppost: c.httppost.map((h) => ({
      endpoint: h.endpoint,
      url: h.url,
      headers: h.headers,
      ...(h.basicAuth ? { basicAuth: h.basicAuth } : {}),
      ...(h.alertTemplate ? { alertTemplate: h.alertTemplate } : {}),
      ...(h.alertTemplateFile ? { alertTemplateFile: h.alertTemplateFile } : {}),
      ...(h.rowTemplate ? { rowTemplate: h.rowTemplate } : {}),
      ...(h.rowTemplateFile ? { rowTemplateFile: h.rowTemplateFile } : {}),
    })),
    escalation: c.escalation,
    webhook: { allowedHosts: c.webhook.allowedHosts, timeout: c.webhook.timeout },
    kafka: c.kafka,
    storageDir: resolve(c.storage.dir),
    notifiers: c,
  };
}

/** How handler options pass the store: secrets sealed on the way in, opened on the way out. */
interface HandlerSealing {
  seal(h: TopicHandlerRecord): TopicHandlerRecord;
  open(h: TopicHandlerRecord): TopicHandlerRecord;
}

/** The SQLite store as the topic service's persistence. */
function topicPersistence(store: Store, sealing: HandlerSealing): TopicPersistence {
  return {
    *loadEvents() {
      for (const r of store.topicEvents.listAll()) {
        yield {
          topic: r.topic,
          state: {
            id: r.eventId,
            level: r.level,
            message: r.message,
            details: r.details,
            time: r.time,
            duration: r.duration,
          },
        };
      }
    },
    putEvent: (topic, s) =>
      store.topicEvents.put({
        topic,
        eventId: s.id,
        level: s.level,
        message: s.message,
        details: s.details,
        time: s.time,
        duration: s.duration,
      }),
    deleteEvent: (topic, id) => void store.topicEvents.delete(topic, id),
    deleteTopic: (topic) => void store.topicEvents.deleteTopic(topic),
    loadHandlers: () => store.topicHandlers.listAll().map((h) => sealing.open(h)),
    putHandler: (spec) => store.topicHandlers.put(sealing.seal(spec)),
    deleteHandler: (topic, id) => void store.topicHandlers.delete(topic, id),
  };
}
