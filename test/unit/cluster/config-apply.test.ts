/**
 * Applying the config topic: two in-process instances, each with its own real SQLite file
 * and services, share a stand-in for the topic that runs every change through the real
 * record codec and applies it to both (the writer too), as the Kafka topic does. What the
 * API plans on one instance must be stored and live on the other.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TopicService } from "../../../src/alert/topic-service.js";
import { applyChange, reconcile } from "../../../src/cluster/config-apply.js";
import {
  configKey,
  decodeRecord,
  encodeChange,
  type ConfigChange,
} from "../../../src/cluster/config-record.js";
import { localConfig, serviceTargets } from "../../../src/cluster/config-service.js";
import {
  clusterConnectorWrites,
  clusterOnCallWrites,
  clusterTaskService,
  clusterTemplateApi,
  clusterTopicApi,
  type ConfigWriter,
} from "../../../src/cluster/config-writes.js";
import { CLUSTER_UNAVAILABLE } from "../../../src/cluster/config-sync.js";
import { configSchema } from "../../../src/config/schema.js";
import type { TickdConfig } from "../../../src/config/types.js";
import { ConnectorService, SqliteConnectorStore } from "../../../src/connectors/index.js";
import { TickdError } from "../../../src/core/errors.js";
import { Level } from "../../../src/core/types.js";
import { createHandlerFactory } from "../../../src/handlers/index.js";
import { OnCallService, onCallPersistence } from "../../../src/oncall/index.js";
import { SecretBox } from "../../../src/secrets/index.js";
import { TemplateService } from "../../../src/server/template-service.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { testTaskManager } from "../../support/engine.js";
import { handlerConfig } from "../handlers/helpers.js";
import { alertEvent } from "../handlers/helpers.js";

const SCRIPT = `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu')
    |alert().crit(lambda: "usage_idle" < 10.0)
`;

const SECRETS_KEY = "cluster-config-test-key-0123456789abcdef";
const PASSWORD = "cluster-connector-Pa55word";

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function instance(dir = mkdtempSync(join(tmpdir(), "tickd-cconf-"))) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const store = openStore(join(dir, "tickd.db"));
  stores.push(store);
  const logger = { log: () => undefined };
  const factory = createHandlerFactory({
    config: handlerConfig({}),
    logger,
    send: { send: () => Promise.resolve({ status: 200, body: "" }) },
  });
  const oncall: OnCallService = new OnCallService({
    persistence: onCallPersistence(store.db),
    logger,
    notify: (t, e, p, only) => topics.notify(t, e, p, only),
  });
  oncall.open();
  const topics = new TopicService({
    factory,
    logger,
    persistTopics: false,
    gate: oncall,
    persistence: {
      loadEvents: () => [],
      putEvent: () => undefined,
      deleteEvent: () => undefined,
      deleteTopic: () => undefined,
      loadHandlers: () => store.topicHandlers.listAll(),
      putHandler: (s) => store.topicHandlers.put({ ...s, match: s.match ?? "" }),
      deleteHandler: (t, id) => void store.topicHandlers.delete(t, id),
    },
  });
  topics.open();
  const tasks = testTaskManager(store, (e, route) => topics.collect(e, route), {
    templates: { get: (id) => templates.get(id) },
  });
  const templates: TemplateService = new TemplateService({ store, tasks, now: () => Date.now() * 1e6 });
  tasks.startAll();
  const connectors = new ConnectorService({
    store: new SqliteConnectorStore(store.db),
    box: new SecretBox({ key: SECRETS_KEY, oldKeys: [] }),
    config: () => configSchema.parse({}) as TickdConfig,
    direct: { send: () => Promise.resolve({ status: 200, body: "" }) },
    createHandler: (spec) => factory.create(spec),
    caDir: join(dir, "connector-ca"),
    log: () => undefined,
  });
  return {
    dir,
    store,
    oncall,
    topics,
    tasks,
    templates,
    connectors,
    targets: serviceTargets({ tasks, templates, topics, oncall, connectors }),
  };
}
type Instance = ReturnType<typeof instance>;

/** The topic's stand-in: every change encoded and decoded by the real codec, applied to all. */
function sharedTopic(instances: Instance[]): ConfigWriter & { log: { key: string; value: string | null }[] } {
  const log: { key: string; value: string | null }[] = [];
  return {
    log,
    write(plan) {
      try {
        for (const c of plan()) {
          const r = encodeChange(c);
          log.push(r);
          const d = decodeRecord(r.key, r.value);
          if (!d.ok) throw new Error(d.message);
          for (const i of instances) applyChange(i.targets, d.change);
        }
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e as Error);
      }
    },
  };
}

describe("cluster config: planning on one instance, applying on all", () => {
  it("connectors: create, update and delete land on the other; the record holds the secrets sealed", async () => {
    const a = instance();
    const b = instance();
    const topic = sharedTopic([a, b]);
    const api = clusterConnectorWrites(a.connectors, topic);
    const body = {
      name: "ops",
      connector_type_id: ".webhook",
      config: { url: "http://127.0.0.1:9/hook", hasAuth: true },
      secrets: { user: "ops", password: PASSWORD },
    };
    const v = await api.create("ops-hook", body);
    expect(v).toMatchObject({ id: "ops-hook", is_missing_secrets: false });
    expect(b.connectors.get("ops-hook")).toEqual(v);
    // B opens the sealed secrets with the same [secrets] key: it can send.
    expect(b.connectors.resolve("ops-hook").options).toMatchObject({
      "basic-auth": { username: "ops", password: PASSWORD },
    });
    expect(topic.log.map((r) => r.key)).toEqual(["connector/ops-hook"]);
    expect(topic.log[0]!.value).not.toContain(PASSWORD);
    expect(topic.log[0]!.value).not.toContain(Buffer.from(`ops:${PASSWORD}`).toString("base64"));

    const { connector_type_id: _type, ...update } = body;
    await api.update("ops-hook", { ...update, name: "ops 2" });
    expect(b.connectors.get("ops-hook").name).toBe("ops 2");
    // A bad change is refused on the instance asked, and nothing is written.
    await expect(api.create("ops-hook", body)).rejects.toThrow(/conflict/);
    await expect(api.update("nope", update)).rejects.toThrow(/not found/);
    await expect(api.delete("nope")).rejects.toThrow(/not found/);
    expect(topic.log).toHaveLength(2);

    await api.delete("ops-hook");
    expect(b.connectors.viewOf("ops-hook")).toBeUndefined();
    expect(a.connectors.viewOf("ops-hook")).toBeUndefined();
    expect(topic.log.at(-1)).toEqual({ key: "connector/ops-hook", value: null });
  });

  it("tasks: define, update, rename and delete land in the other's SQLite and run there", async () => {
    const a = instance();
    const b = instance();
    const topic = sharedTopic([a, b]);
    const api = clusterTaskService(a.tasks, topic);
    const v = await api.define({ id: "cpu", script: SCRIPT, status: "enabled", vars: {} });
    expect(v.executing).toBe(true);
    expect(b.tasks.get("cpu")?.executing).toBe(true);
    expect(b.store.tasks.get("cpu")?.script).toBe(SCRIPT);
    expect(b.store.tasks.get("cpu")?.created).toBe(a.store.tasks.get("cpu")?.created);

    await api.update("cpu", { status: "disabled" });
    expect(b.tasks.get("cpu")).toMatchObject({ status: "disabled", executing: false });

    const renamed = await api.update("cpu", { id: "cpu2", status: "enabled" });
    expect(renamed.id).toBe("cpu2");
    expect(b.tasks.get("cpu")).toBeUndefined();
    expect(b.tasks.get("cpu2")?.executing).toBe(true);
    expect(topic.log.slice(-2).map((r) => [r.key, r.value === null])).toEqual([
      ["task/cpu", true],
      ["task/cpu2", false],
    ]);

    await api.delete("cpu2");
    expect(b.tasks.get("cpu2")).toBeUndefined();
    expect(b.store.tasks.list()).toEqual([]);
  });

  it("a task that does not check is refused by the writer with nothing written", async () => {
    const a = instance();
    const topic = sharedTopic([a]);
    const api = clusterTaskService(a.tasks, topic);
    await expect(api.define({ id: "bad", script: "stream |from(", status: "enabled" })).rejects.toMatchObject(
      {
        code: "E_TASK_INVALID",
      },
    );
    await api.define({ id: "ok", script: SCRIPT });
    await expect(api.define({ id: "ok", script: SCRIPT })).rejects.toThrow("task ok already exists");
    expect(topic.log.map((r) => r.key)).toEqual(["task/ok"]);
  });

  it("templates: an update carries the re-planned tasks; one that no longer compiles refuses it all", async () => {
    const a = instance();
    const b = instance();
    const topic = sharedTopic([a, b]);
    const templates = clusterTemplateApi(a.templates, topic);
    const tasks = clusterTaskService(a.tasks, topic);
    const tpl = `var limit float\ndbrp "telegraf"."autogen"\nstream\n    |from().measurement('cpu')\n    |alert().crit(lambda: "usage_idle" < limit)\n`;
    await templates.define({ id: "t", script: tpl });
    await tasks.define({
      id: "from-t",
      templateId: "t",
      vars: { limit: { type: "float", value: 10 } },
      status: "enabled",
    });
    expect(b.tasks.get("from-t")?.executing).toBe(true);
    const tpl2 = tpl.replace("< limit", "<= limit");
    await templates.update("t", { script: tpl2 });
    expect(b.templates.get("t")?.script).toBe(tpl2);
    expect(b.tasks.get("from-t")?.script).toBe(tpl2);

    const n = topic.log.length;
    const needsMore = tpl2.replace("var limit float", "var limit float\nvar other string");
    await expect(templates.update("t", { script: needsMore })).rejects.toMatchObject({
      code: "E_TEMPLATE_TASK",
    });
    expect(topic.log.length).toBe(n);
  });

  it("topic handlers: create, replace and delete reach the other's registry and SQLite", async () => {
    const a = instance();
    const b = instance();
    const api = clusterTopicApi(a.topics, sharedTopic([a, b]));
    await api.createHandler({
      topic: "ops",
      id: "h",
      kind: "post",
      options: { url: "http://x.test/" },
      match: "",
    });
    expect(b.topics.getHandler("ops", "h")?.options).toEqual({ url: "http://x.test/" });
    expect(b.store.topicHandlers.get("ops", "h")?.kind).toBe("post");
    await expect(
      api.createHandler({ topic: "ops", id: "bad", kind: "post", options: { nope: 1 }, match: "" }),
    ).rejects.toMatchObject({ code: "E_HANDLER_OPTIONS" });
    await api.replaceHandler("ops", "h", {
      topic: "ops",
      id: "h2",
      kind: "post",
      options: { url: "http://y.test/" },
      match: "",
    });
    expect(b.topics.getHandler("ops", "h")).toBeUndefined();
    expect(b.store.topicHandlers.get("ops", "h2")?.options).toEqual({ url: "http://y.test/" });
    expect(await api.deleteHandler("ops", "h2")).toBe(true);
    expect(b.store.topicHandlers.listAll()).toEqual([]);
  });

  it("silences, snoozes and acks: set on one, in force on the other, and kept in its SQLite", async () => {
    const a = instance();
    const b = instance();
    const writes = clusterOnCallWrites(a.oncall, sharedTopic([a, b]));
    const now = Date.now();
    const id = await writes.setSilence({
      matchers: [{ name: "host", value: "web-1", isRegex: false, isEqual: true }],
      startsAt: now,
      endsAt: now + 3_600_000,
      createdBy: "alice",
      comment: "maintenance",
    });
    expect(b.oncall.silences.silencedBy({ host: "web-1" })).toEqual([id]);
    await expect(async () =>
      writes.setSilence({ matchers: [], startsAt: now, endsAt: now + 1, createdBy: "x", comment: "y" }),
    ).rejects.toThrow("at least one matcher");

    // The alert fires on both (each collects the same event), is acked on A.
    for (const i of [a, b]) {
      i.topics.collect(alertEvent({ id: "cpu/web-2", level: Level.CRITICAL }), {
        topics: ["ops"],
        handlers: [],
      });
      await i.topics.drain();
    }
    await writes.acknowledge("ops", "cpu/web-2", "bob", "on it");
    expect(b.oncall.alert("ops", "cpu/web-2")?.ack?.by).toBe("bob");
    const snooze = await writes.snooze("ops", "cpu/web-2", now + 60_000, "bob", "");
    expect(b.oncall.silences.get(snooze.id)?.snooze).toEqual({ topic: "ops", alertId: "cpu/web-2" });

    await writes.expireSilence(id);
    expect(b.oncall.silences.silencedBy({ host: "web-1" })).toEqual([]);
    await writes.unacknowledge("ops", "cpu/web-2");
    expect(b.oncall.alert("ops", "cpu/web-2")?.ack).toBeUndefined();
    await expect(writes.unacknowledge("ops", "cpu/web-2")).rejects.toThrow("is not acknowledged");

    // B's SQLite has what it applied: a fresh OnCallService on the same file sees it.
    const again = new OnCallService({
      persistence: onCallPersistence(b.store.db),
      logger: { log: () => undefined },
      notify: () => [],
    });
    again.open();
    expect(again.silences.get(id)?.comment).toBe("maintenance");
    expect(again.silences.get(snooze.id)).toBeDefined();
  });

  it("a write Kafka did not take is a 503 and changes nothing locally", async () => {
    const a = instance();
    const down: ConfigWriter = {
      write: (plan) => {
        plan();
        return Promise.reject(
          new TickdError(CLUSTER_UNAVAILABLE, "cluster config topic did not take the change"),
        );
      },
    };
    await expect(
      clusterTaskService(a.tasks, down).define({ id: "cpu", script: SCRIPT }),
    ).rejects.toMatchObject({
      status: 503,
      message: "cluster config topic did not take the change",
    });
    expect(a.store.tasks.list()).toEqual([]);
    // A plan that fails is still the plan's own error (400s stay 400s).
    await expect(clusterTaskService(a.tasks, down).define({ id: "x", script: "" })).rejects.toMatchObject({
      code: "E_TASK_INVALID",
    });
  });

  it("reconcile: an empty topic is seeded with the local config; a non-empty one prunes what it lacks", () => {
    const local: ConfigChange[] = [
      { kind: "template", id: "t", value: { id: "t", type: "stream", script: "s", created: 1, modified: 1 } },
      {
        kind: "ack",
        topic: "ops",
        alertId: "x",
        value: { topic: "ops", alertId: "x", level: 3, by: "b", comment: "", at: 1 },
      },
    ];
    expect(reconcile(new Map(), local)).toEqual({ seed: local, prune: [] });
    expect(reconcile(new Map([["template/t", true]]), local)).toEqual({
      seed: [],
      prune: [{ kind: "ack", topic: "ops", alertId: "x", value: null }],
    });
    // A key whose newest record is a tombstone is known: it was deleted when applied.
    expect(reconcile(new Map([["ack/ops/x", false]]), local).prune.map(configKey)).toEqual(["template/t"]);
  });

  it("local config leaves out tasks whose file is in tasks/ (per-instance files)", async () => {
    const a = instance();
    const tasksDir = join(a.dir, "tasks-dir");
    await import("node:fs").then((fs) => fs.mkdirSync(tasksDir));
    writeFileSync(join(tasksDir, "from-file.tick"), SCRIPT);
    a.tasks.define({ id: "from-file", script: SCRIPT });
    a.tasks.define({ id: "from-api", script: SCRIPT });
    const keys = localConfig({
      store: a.store,
      templates: a.templates,
      oncall: a.oncall,
      tasksDir,
      connectors: a.connectors,
    }).map(configKey);
    expect(keys).toEqual(["task/from-api"]);
  });
});
