/**
 * The cluster config topic (DESIGN §11) with real Kafka and spawned tickd instances in
 * cluster mode: what one instance's API defines is live on the others within seconds, and an
 * instance started later catches up from the topic.
 *
 * `/write` is still local to each instance here (the cluster input is another part), so the
 * silence's hold on B is checked with points written to B's own /write, and the ack test
 * writes the same points to A and B.
 */
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { cpuScript, useDaemons, type TickdProcess } from "../support/daemon.js";
import { kafkaBrokers, uniqueName } from "../support/services.js";

const { tickd, receiver } = useDaemons();

function clusterConfig(name: string): string {
  return [
    "[cluster]",
    "  enabled = true",
    `  name = ${JSON.stringify(name)}`,
    `  brokers = ${JSON.stringify(kafkaBrokers())}`,
    "  partitions = 1",
  ].join("\n");
}

async function api(
  t: TickdProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(t.url + path, {
    method,
    ...(body !== undefined
      ? {
          body: typeof body === "string" ? body : JSON.stringify(body),
          headers: { "Content-Type": "application/json" },
        }
      : {}),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    // not JSON (line protocol answers)
  }
  return { status: res.status, json };
}

/** Polls `probe` until it returns a value that is not undefined (at most `ms`). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until)
      throw new Error(`${what}: not seen within ${ms} ms${last ? ` (${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface TaskJson {
  id: string;
  status: string;
  executing: boolean;
  script: string;
}

const task = (t: TickdProcess, id: string) =>
  api(t, "GET", `/kapacitor/v1/tasks/${id}`).then((r) =>
    r.status === 200 ? (r.json as TaskJson) : undefined,
  );

describe("cluster config topic", () => {
  it("shares tasks, handlers, templates, silences and acks between instances; a late one catches up", async () => {
    const name = uniqueName("cconf");
    const hook = await receiver();
    const a = await tickd({ extraConfig: clusterConfig(name), hostname: "a" });
    const b = await tickd({ extraConfig: clusterConfig(name), hostname: "b" });

    // A task defined through A runs on B.
    const script = cpuScript(`${hook.url}/cpu`);
    const defined = await api(a, "POST", "/kapacitor/v1/tasks", { id: "cpu", script, status: "enabled" });
    expect(defined.status).toBe(200);
    expect((defined.json as TaskJson).executing).toBe(true);
    expect(
      await eventually("task on B", async () => ((await task(b, "cpu"))?.executing ? true : undefined)),
    ).toBe(true);

    // A broken TICKscript is refused by A itself, before anything reaches the topic.
    const broken = await api(a, "POST", "/kapacitor/v1/tasks", {
      id: "bad",
      script: "stream |from(",
      status: "enabled",
    });
    expect(broken.status).toBe(400);
    expect(await task(a, "bad")).toBeUndefined();

    // Disabled on A → stopped on B; updated on B → the new script on A.
    expect((await api(a, "PATCH", "/kapacitor/v1/tasks/cpu", { status: "disabled" })).status).toBe(200);
    await eventually("task disabled on B", async () => {
      const t = await task(b, "cpu");
      return t?.status === "disabled" && !t.executing ? t : undefined;
    });
    const script2 = script.replace("< 10.0", "< 20.0");
    const patched = await api(b, "PATCH", "/kapacitor/v1/tasks/cpu", { script: script2, status: "enabled" });
    expect(patched.status).toBe(200);
    expect((patched.json as TaskJson).executing).toBe(true);
    await eventually("task updated on A", async () => {
      const t = await task(a, "cpu");
      return t?.executing && t.script === script2 ? t : undefined;
    });

    // A topic handler defined on A, a template defined on B.
    const handler = await api(a, "POST", "/kapacitor/v1/alerts/topics/ops/handlers", {
      id: "to-hook",
      kind: "post",
      options: { url: `${hook.url}/ops` },
    });
    expect(handler.status).toBe(200);
    await eventually("handler on B", async () =>
      (await api(b, "GET", "/kapacitor/v1/alerts/topics/ops/handlers/to-hook")).status === 200
        ? true
        : undefined,
    );
    const tpl = await api(b, "POST", "/kapacitor/v1/templates", {
      id: "tpl",
      script: "var x = 1.0\nstream\n    |from().measurement('m')\n    |log()\n",
      type: "stream",
    });
    expect(tpl.status).toBe(200);
    await eventually("template on A", async () =>
      (await api(a, "GET", "/kapacitor/v1/templates/tpl")).status === 200 ? true : undefined,
    );

    // A silence made on A is listed by B and holds B's notifications.
    const now = Date.now();
    const silence = await api(a, "POST", "/api/v2/silences", {
      matchers: [{ name: "host", value: "web-1", isRegex: false, isEqual: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      createdBy: "alice",
      comment: "maintenance",
    });
    expect(silence.status).toBe(200);
    const silenceId = (silence.json as { silenceID: string }).silenceID;
    await eventually("silence on B", async () => {
      const r = await api(b, "GET", "/api/v2/silences");
      const list = r.json as { id: string; status: { state: string } }[];
      return list.some((s) => s.id === silenceId && s.status.state === "active") ? true : undefined;
    });
    // Points written to B go through the points topic to whichever instance owns their
    // partition; that owner's gate holds web-1 (the silence reached it) and sends web-2.
    const t0 = Math.floor(now / 1000);
    for (const lines of [`cpu,host=web-1 usage_idle=5 ${t0}`, `cpu,host=web-2 usage_idle=5 ${t0}`])
      expect((await api(b, "POST", "/write?db=telegraf&rp=autogen&precision=s", lines)).status).toBe(204);
    await hook.waitFor(1, 30_000);
    type AmAlert = { labels: Record<string, string>; status: { state: string; silencedBy: string[] } };
    const web1 = await eventually("web-1 on its owner", async () => {
      for (const t of [a, b]) {
        const found = ((await api(t, "GET", "/api/v2/alerts")).json as AmAlert[]).find(
          (x) => x.labels["host"] === "web-1",
        );
        if (found !== undefined) return found;
      }
      return undefined;
    });
    expect(web1.status.state).toBe("suppressed");
    expect(web1.status.silencedBy).toEqual([silenceId]);
    expect(hook.requests.map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual(["cpu/web-2"]);

    // An ack made on the owner of web-2 goes through the config topic: the other instance applies it.
    type AlertList = { alerts: { topic: string; id: string }[] };
    const owner = await eventually("web-2 on its owner", async () => {
      for (const t of [a, b])
        if (
          ((await api(t, "GET", "/tickd/v1/alerts")).json as AlertList).alerts.some(
            (x) => x.id === "cpu/web-2",
          )
        )
          return t;
      return undefined;
    });
    const other = owner === a ? b : a;
    const applied = async (t: typeof a): Promise<number> => {
      const m = (await api(t, "GET", "/metrics")).json as string;
      return Number(/tickd_cluster_config_records_total\{outcome="applied"\} (\d+)/.exec(m)?.[1] ?? "0");
    };
    const before = await applied(other);
    const alert = ((await api(owner, "GET", "/tickd/v1/alerts")).json as AlertList).alerts.find(
      (x) => x.id === "cpu/web-2",
    )!;
    const ackPath = `/tickd/v1/alerts/${encodeURIComponent(alert.topic)}/cpu/web-2/ack`;
    expect((await api(owner, "POST", ackPath, { by: "bob", comment: "on it" })).status).toBe(200);
    await eventually("ack applied on the other instance", async () =>
      (await applied(other)) > before ? true : undefined,
    );

    // A record of a version this tickd does not know is logged, counted and skipped.
    const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "tickd-test", logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `tickd-${name}-config`,
      messages: [{ key: "task/from-the-future", value: JSON.stringify({ v: 99, kind: "task", data: {} }) }],
    });
    await producer.disconnect();
    await eventually("unknown version counted on B", async () => {
      const m = (await api(b, "GET", "/metrics")).json as string;
      return m.includes('tickd_cluster_config_records_total{outcome="skipped_version"} 1') ? true : undefined;
    });
    expect(await task(b, "from-the-future")).toBeUndefined();

    // A third instance started now catches up from the topic before it is ready.
    const c = await tickd({ extraConfig: clusterConfig(name), hostname: "c" });
    const onC = await task(c, "cpu");
    expect(onC?.executing).toBe(true);
    expect(onC?.script).toBe(script2);
    expect((await api(c, "GET", "/kapacitor/v1/alerts/topics/ops/handlers/to-hook")).status).toBe(200);
    expect((await api(c, "GET", "/kapacitor/v1/templates/tpl")).status).toBe(200);
    const cSilences = (await api(c, "GET", "/api/v2/silences")).json as { id: string }[];
    expect(cSilences.map((s) => s.id)).toContain(silenceId);

    // Deleted on C → gone everywhere.
    expect((await api(c, "DELETE", "/kapacitor/v1/tasks/cpu")).status).toBe(204);
    expect(await task(c, "cpu")).toBeUndefined();
    for (const t of [a, b])
      await eventually("task deleted", async () => ((await task(t, "cpu")) === undefined ? true : undefined));
  }, 120_000);

  it("seeds an empty topic from the first instance's SQLite; later instances drop what the topic lacks, keep task files", async () => {
    const name = uniqueName("cconf-seed");
    const hook = await receiver();
    const script = cpuScript(`${hook.url}/cpu`);
    // Two instances that ran alone before, each with a task defined through its API.
    const x = await tickd({ hostname: "x" });
    expect(
      (await api(x, "POST", "/kapacitor/v1/tasks", { id: "kept", script, status: "enabled" })).status,
    ).toBe(200);
    await x.stop();
    const y = await tickd({ hostname: "y", tasks: { "local.tick": script } });
    expect(
      (await api(y, "POST", "/kapacitor/v1/tasks", { id: "stray", script, status: "enabled" })).status,
    ).toBe(200);
    await y.stop();

    // X joins first: the topic is empty, so X's config seeds it.
    const x2 = await tickd({ dir: x.dir, hostname: "x", extraConfig: clusterConfig(name) });
    await x2.waitForLog((l) => String(l["msg"]).includes("seeded it with this instance's config"));
    expect((await task(x2, "kept"))?.executing).toBe(true);

    // Y joins next: the topic wins, Y's own API task goes, its task file stays its own.
    const y2 = await tickd({ dir: y.dir, hostname: "y", extraConfig: clusterConfig(name) });
    expect((await task(y2, "kept"))?.executing).toBe(true);
    expect(await task(y2, "stray")).toBeUndefined();
    expect((await task(y2, "local"))?.executing).toBe(true);
    expect(await task(x2, "local")).toBeUndefined();
    const removed = await y2.waitForLog((l) => String(l["msg"]).includes("removed local objects"));
    expect(removed["removed"]).toEqual(["task/stray"]);
  }, 120_000);
});
