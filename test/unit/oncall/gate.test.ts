/**
 * The on-call gate between topics and real handler kinds (post, escalation hmac-sha256,
 * victorops), with on-call state in a real SQLite store: what each receiver would get.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TopicService } from "../../../src/alert/topic-service.js";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import { createHandlerFactory, type HttpRequest, type HttpSender } from "../../../src/handlers/index.js";
import { OnCallService, onCallPersistence } from "../../../src/oncall/index.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { handlerConfig } from "../handlers/helpers.js";
import { RecordingLogger, tickHandler } from "../alert/helpers.js";
import { mapGenericWebhook } from "../../../src/integrations/index.js";

const TOPIC = "ops";
const M = 60_000;

interface Sent {
  to: "post" | "esc" | "vo";
  what: string;
}

function describeRequest(r: HttpRequest): Sent {
  if (r.url.startsWith("http://esc.test")) {
    const b = JSON.parse(r.body) as { event: string; data: { level: string; previousLevel: string } };
    return { to: "esc", what: `${b.event} ${b.data.level}` };
  }
  if (r.url.startsWith("http://vo.test")) {
    const b = JSON.parse(r.body) as { message_type: string };
    return { to: "vo", what: b.message_type };
  }
  const b = JSON.parse(r.body) as { level: string; previousLevel: string };
  return { to: "post", what: `${b.level} (prev ${b.previousLevel})` };
}

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function setup(store: Store = openStore(":memory:"), clock = { now: 1_800_000_000_000 }) {
  stores.push(store);
  const sent: Sent[] = [];
  const sender: HttpSender = {
    send(req) {
      sent.push(describeRequest(req));
      return Promise.resolve({ status: 200, body: "" });
    },
  };
  const logger = new RecordingLogger();
  const factory = createHandlerFactory({
    config: handlerConfig({
      escalation: [
        { name: "pager", url: "http://esc.test/hook", authKey: "k", scheme: "hmac-sha256", events: [] },
      ],
      victorops: {
        enabled: true,
        apiKey: "key",
        routingKey: "rk",
        url: "http://vo.test/alert",
        jsonData: false,
        global: false,
      },
    }),
    logger,
    send: sender,
    now: () => clock.now,
  });
  const oncall: OnCallService = new OnCallService({
    persistence: onCallPersistence(store.db),
    logger,
    notify: (t, e, p, only) => topics.notify(t, e, p, only),
    now: () => clock.now,
  });
  oncall.open();
  const topics = new TopicService({ factory, logger, persistTopics: false, gate: oncall });
  topics.createHandler({
    topic: TOPIC,
    id: "hook",
    kind: "post",
    options: { url: "http://post.test/" },
    match: "",
  });
  topics.createHandler({
    topic: TOPIC,
    id: "esc",
    kind: "escalation",
    options: { name: "pager" },
    match: "",
  });
  topics.createHandler({ topic: TOPIC, id: "vo", kind: "victorops", options: {}, match: "" });
  const fire = async (level: Level, id = "cpu:web-1", tags: Record<string, string> = { host: "web-1" }) => {
    topics.collect(event(id, level, tags, clock.now), { topics: [TOPIC], handlers: [] });
    await topics.drain();
  };
  const take = async (to?: Sent["to"]) => {
    await topics.drain();
    const out = sent.splice(0);
    return out.filter((s) => to === undefined || s.to === to).map((s) => s.what);
  };
  return { store, clock, oncall, topics, fire, take, logger };
}

function event(id: string, level: Level, tags: Record<string, string>, nowMs: number): AlertEvent {
  return {
    topic: TOPIC,
    state: {
      id,
      message: `${id} is ${Level[level]}`,
      details: "",
      time: BigInt(nowMs * 1e6),
      duration: 0,
      level,
    },
    data: {
      name: "cpu",
      taskName: "cpu_task",
      category: "",
      group: "",
      tags,
      fields: { v: 1 },
      series: [],
      recoverable: true,
    },
  };
}

function silence(oc: OnCallService, now: number, matchers: [string, string][], minutes = 30): string {
  return oc.silences.set({
    matchers: matchers.map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
    startsAt: now,
    endsAt: now + minutes * M,
    createdBy: "sre",
    comment: "maintenance",
  });
}

describe("silences on the notification path", () => {
  it("hold a trigger back (escalation says incident.suppressed), and send the current level once when they end", async () => {
    const { oncall, clock, fire, take, topics } = setup();
    const id = silence(oncall, clock.now, [["host", "web-1"]]);
    await fire(Level.CRITICAL);
    expect(await take()).toEqual(["incident.suppressed CRITICAL"]);
    await fire(Level.CRITICAL); // a repeat: no change to report
    expect(await take()).toEqual([]);
    expect(oncall.counters.silenced).toBe(6);
    expect(oncall.metrics()).toContain("tickd_notifications_silenced_total 6");
    // State still moved on.
    expect(topics.topicEvent(TOPIC, "cpu:web-1")?.level).toBe(Level.CRITICAL);

    oncall.tick();
    expect(await take()).toEqual([]); // still silenced
    clock.now += M;
    oncall.silences.expire(id);
    oncall.tick();
    expect((await take()).sort()).toEqual(["CRITICAL", "CRITICAL (prev OK)", "incident.created CRITICAL"]);
    oncall.tick();
    expect(await take()).toEqual([]); // once
    await fire(Level.CRITICAL);
    expect((await take()).sort()).toEqual(["CRITICAL", "CRITICAL (prev CRITICAL)"]);
  });

  it("do not send a recovery whose trigger they held", async () => {
    const { oncall, clock, fire, take } = setup();
    const id = silence(oncall, clock.now, [["alertname", "cpu:web-1"]]);
    await fire(Level.WARNING);
    expect(await take()).toEqual(["incident.suppressed WARNING"]);
    await fire(Level.OK);
    expect(await take()).toEqual([]);
    oncall.silences.expire(id);
    oncall.tick();
    expect(await take()).toEqual([]);
    await fire(Level.CRITICAL);
    expect((await take()).sort()).toEqual(["CRITICAL", "CRITICAL (prev OK)", "incident.created CRITICAL"]);
  });

  it("send a recovery whose trigger was sent, with the level the receiver last got", async () => {
    const { oncall, clock, fire, take } = setup();
    await fire(Level.WARNING);
    expect((await take()).sort()).toEqual(["WARNING", "WARNING (prev OK)", "incident.created WARNING"]);
    silence(oncall, clock.now, [["severity", "critical"]]);
    await fire(Level.CRITICAL);
    expect(await take()).toEqual(["incident.suppressed CRITICAL"]);
    await fire(Level.OK);
    expect((await take()).sort()).toEqual(["OK (prev WARNING)", "RECOVERY", "incident.resolved OK"]);
  });

  it("match on tags, task, topic and severity, with regexes and a missing label as empty", async () => {
    const { oncall, clock, fire, take } = setup();
    oncall.silences.set({
      matchers: [
        { name: "task", value: "cpu_.*", isRegex: true, isEqual: true },
        { name: "topic", value: TOPIC, isRegex: false, isEqual: true },
        { name: "team", value: "db", isRegex: false, isEqual: false },
        { name: "host", value: "web-2", isRegex: true, isEqual: false },
      ],
      startsAt: clock.now,
      endsAt: clock.now + M,
      createdBy: "sre",
      comment: "c",
    });
    await fire(Level.CRITICAL, "a", { host: "web-1" });
    expect(await take("post")).toEqual([]);
    await fire(Level.CRITICAL, "b", { host: "web-2" });
    expect(await take("post")).toEqual(["CRITICAL (prev OK)"]);
    await fire(Level.CRITICAL, "c", { host: "web-1", team: "db" });
    expect(await take("post")).toEqual(["CRITICAL (prev OK)"]);
  });

  it("a pending silence holds nothing until it starts", async () => {
    const { oncall, clock, fire, take } = setup();
    oncall.silences.set({
      matchers: [{ name: "host", value: "web-1", isRegex: false, isEqual: true }],
      startsAt: clock.now + M,
      endsAt: clock.now + 2 * M,
      createdBy: "sre",
      comment: "later",
    });
    await fire(Level.CRITICAL);
    expect(await take("post")).toEqual(["CRITICAL (prev OK)"]);
    clock.now += M;
    await fire(Level.CRITICAL);
    expect(await take("post")).toEqual([]);
    clock.now += M; // ended: the current level goes out once
    oncall.tick();
    expect(await take("post")).toEqual(["CRITICAL (prev CRITICAL)"]);
  });
});

describe("acknowledge", () => {
  it("sends incident.acknowledged and VictorOps ACKNOWLEDGEMENT, then holds repeats until the level changes", async () => {
    const { oncall, fire, take } = setup();
    await fire(Level.CRITICAL);
    await take();
    oncall.acknowledge(TOPIC, "cpu:web-1", "alice", "looking");
    expect((await take()).sort()).toEqual(["ACKNOWLEDGEMENT", "incident.acknowledged CRITICAL"]);
    await fire(Level.CRITICAL);
    expect(await take()).toEqual([]);
    expect(oncall.counters.ackHeld).toBe(3);
    await fire(Level.WARNING);
    expect((await take()).sort()).toEqual(["WARNING", "WARNING (prev CRITICAL)", "incident.updated WARNING"]);
    await fire(Level.WARNING);
    expect((await take("post")).sort()).toEqual(["WARNING (prev WARNING)"]);
  });

  it("ends when the alert recovers; unack lets repeats through again", async () => {
    const { oncall, fire, take } = setup();
    await fire(Level.CRITICAL);
    oncall.acknowledge(TOPIC, "cpu:web-1", "alice", "");
    await take();
    await fire(Level.OK);
    expect((await take("post")).sort()).toEqual(["OK (prev CRITICAL)"]);
    await fire(Level.CRITICAL);
    await fire(Level.CRITICAL);
    expect(await take("post")).toEqual(["CRITICAL (prev OK)", "CRITICAL (prev CRITICAL)"]);
    oncall.acknowledge(TOPIC, "cpu:web-1", "bob", "");
    await fire(Level.CRITICAL);
    expect(await take("post")).toEqual([]);
    oncall.unacknowledge(TOPIC, "cpu:web-1");
    await fire(Level.CRITICAL);
    expect(await take("post")).toEqual(["CRITICAL (prev CRITICAL)"]);
    expect(() => oncall.acknowledge(TOPIC, "nope", "x", "")).toThrow(/no firing alert/);
  });

  it("an incoming ack (an integration's status: ack) acknowledges too", async () => {
    const { oncall, topics, clock, fire, take } = setup();
    await fire(Level.CRITICAL);
    await take();
    topics.collect(
      { ...event("cpu:web-1", Level.CRITICAL, { host: "web-1" }, clock.now), acknowledged: true },
      { topics: [TOPIC], handlers: [] },
    );
    expect((await take()).sort()).toEqual(["ACKNOWLEDGEMENT", "incident.acknowledged CRITICAL"]);
    expect(oncall.alert(TOPIC, "cpu:web-1")?.ack?.by).toBe("incoming webhook");
    await fire(Level.CRITICAL);
    expect(await take()).toEqual([]);
  });
});

describe("snooze", () => {
  it("is a silence on one alert id: escalation says incident.snoozed, other alerts still page, it ends by itself", async () => {
    const { oncall, clock, fire, take } = setup();
    await fire(Level.CRITICAL);
    await fire(Level.CRITICAL, "cpu:web-2", { host: "web-2" });
    await take();
    const s = oncall.snooze(TOPIC, "cpu:web-1", clock.now + 10 * M, "alice", "");
    expect(s.snooze).toEqual({ topic: TOPIC, alertId: "cpu:web-1" });
    expect(s.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual([
      "alertname=cpu:web-1",
      `topic=${TOPIC}`,
    ]);
    expect(await take()).toEqual(["incident.snoozed CRITICAL"]);
    expect(oncall.alert(TOPIC, "cpu:web-1")?.snoozedBy).toEqual([s.id]);

    await fire(Level.WARNING);
    expect(await take()).toEqual(["incident.suppressed WARNING"]);
    await fire(Level.CRITICAL, "cpu:web-2", { host: "web-2" });
    expect(await take("post")).toEqual(["CRITICAL (prev CRITICAL)"]);

    clock.now += 10 * M;
    oncall.tick();
    expect((await take()).sort()).toEqual(["WARNING", "WARNING (prev CRITICAL)", "incident.updated WARNING"]);
  });
});

describe("on-call state in SQLite", () => {
  it("silences, acks and held notifications come back in a new service on the same file", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "tickd-oncall-"));
    try {
      const file = join(dir, "tickd.db");
      const clock = { now: 1_800_000_000_000 };
      const a = setup(openStore(file), clock);
      await a.fire(Level.CRITICAL, "acked", { host: "x" });
      a.oncall.acknowledge(TOPIC, "acked", "alice", "");
      const sid = silence(a.oncall, clock.now, [["host", "web-1"]]);
      await a.fire(Level.CRITICAL);
      await a.take();
      a.store.close();

      const b = setup(openStore(file), clock);
      expect(b.oncall.silences.get(sid)?.createdBy).toBe("sre");
      expect(b.oncall.alert(TOPIC, "acked")?.ack?.by).toBe("alice");
      await b.fire(Level.CRITICAL, "acked", { host: "x" });
      expect(await b.take()).toEqual([]);
      b.oncall.silences.expire(sid);
      b.oncall.tick();
      expect((await b.take()).sort()).toEqual([
        "CRITICAL",
        "CRITICAL (prev OK)",
        "incident.created CRITICAL",
      ]);
      b.store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("every notification path is gated", () => {
  it("TICKscript handlers: held while silenced, the level re-sent when the silence ends", async () => {
    const { oncall, topics, clock, take } = setup();
    const anon = "main:cpu_task:alert2";
    const specs = [tickHandler("post", "http://tick.test/")];
    const id = silence(oncall, clock.now, [["host", "web-1"]]);
    topics.collect(
      { ...event("cpu:web-1", Level.CRITICAL, { host: "web-1" }, clock.now), topic: anon },
      {
        topics: [anon],
        handlers: specs,
      },
    );
    expect(await take()).toEqual([]);
    expect(oncall.alert(anon, "cpu:web-1")?.labels).toMatchObject({
      topic: anon,
      task: "cpu_task",
      alertname: "cpu:web-1",
    });
    oncall.silences.expire(id);
    oncall.tick();
    expect(await take()).toEqual(["CRITICAL (prev OK)"]);
  });

  it("incoming webhooks: their events meet the same silences", async () => {
    const { oncall, topics, clock, take } = setup();
    silence(oncall, clock.now, [["source", "grafana"]]);
    const events = mapGenericWebhook(
      [
        { id: "g1", status: "firing", severity: "critical", source: "grafana", title: "from grafana" },
        { id: "d1", status: "firing", severity: "critical", source: "datadog", title: "from datadog" },
      ],
      { topic: TOPIC, now: clock.now },
    );
    for (const e of events) topics.collect(e, { topics: [TOPIC], handlers: [] });
    expect(await take("post")).toEqual(["CRITICAL (prev OK)"]);
    expect(oncall.alert(TOPIC, "g1")?.silencedBy).toHaveLength(1);
  });
});
