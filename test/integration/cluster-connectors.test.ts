/**
 * Connectors through the cluster config topic (DESIGN §11, issue #16 item 4) with real Kafka
 * and two spawned tickd instances sharing one `[secrets] key`: a connector created on one
 * executes from the other, an update and a delete on either reach both, and the records in
 * the config topic hold the secrets sealed, never in clear.
 */
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { clusterNames } from "../../src/cluster/names.js";
import { useDaemons, type TickdProcess } from "../support/daemon.js";
import { kafkaBrokers, uniqueName } from "../support/services.js";

const { tickd, receiver } = useDaemons();

const KEY = "cluster-connectors-key-0123456789abcdef";
const PASSWORD = "Cluster-Hook-Pa55word";
const PASSWORD2 = "Cluster-Hook-Rotated-2";

function config(name: string): string {
  return [
    "[cluster]",
    "  enabled = true",
    `  name = ${JSON.stringify(name)}`,
    `  brokers = ${JSON.stringify(kafkaBrokers())}`,
    "  partitions = 1",
    "[secrets]",
    `  key = ${JSON.stringify(KEY)}`,
  ].join("\n");
}

async function api(
  t: TickdProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(t.url + path, {
    method,
    headers: { "Content-Type": "application/json", "kbn-xsrf": "true" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Polls `probe` until it returns a value that is not undefined (at most `ms`). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`${what}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const basic = (user: string, password: string): string =>
  "Basic " + Buffer.from(`${user}:${password}`).toString("base64");

/** Every record value of the config topic, read from its start to its end offset. */
async function configRecords(name: string): Promise<{ key: string; value: string | null }[]> {
  const topic = clusterNames(name).configTopic;
  const kafka = new Kafka({
    clientId: "cluster-connectors-test",
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: uniqueName("cconn-read") });
  const out: { key: string; value: string | null }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: ({ message }) => {
          out.push({ key: message.key?.toString() ?? "", value: message.value?.toString() ?? null });
          if (Number(message.offset) + 1 >= end) resolve();
          return Promise.resolve();
        },
      });
    });
    await Promise.race([
      done,
      new Promise((_r, reject) =>
        setTimeout(() => reject(new Error("config topic not read in 30 s")), 30_000),
      ),
    ]);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe("connectors in cluster mode", () => {
  it("a connector created on one instance executes from the other; updates and deletes reach both; secrets sealed in Kafka", async () => {
    const name = uniqueName("cconn");
    const hook = await receiver();
    const a = await tickd({ extraConfig: config(name), hostname: "a" });
    const b = await tickd({ extraConfig: config(name), hostname: "b" });
    const body = (password: string) => ({
      name: "ops",
      config: {
        url: `${hook.url}/hook`,
        method: "post",
        hasAuth: true,
        authType: "webhook-authentication-basic",
        verificationMode: "full",
      },
      secrets: { user: "ops", password },
    });

    const created = await api(a, "POST", "/api/actions/connector/ops-webhook-basic", {
      ...body(PASSWORD),
      connector_type_id: ".webhook",
    });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    // A read on A right after its write sees it; B has it within seconds, secrets readable.
    expect((await api(a, "GET", "/api/actions/connector/ops-webhook-basic")).status).toBe(200);
    const onB = await eventually("connector on B", async () => {
      const r = await api(b, "GET", "/api/actions/connector/ops-webhook-basic");
      return r.status === 200 ? r.json : undefined;
    });
    expect(onB).toMatchObject({ name: "ops", connector_type_id: ".webhook", is_missing_secrets: false });
    expect(JSON.stringify(onB)).not.toContain(PASSWORD);

    // Executed from B: the request arrives with A's credentials.
    const run = await api(b, "POST", "/api/actions/connector/ops-webhook-basic/_execute", {
      params: { body: '{"text":"from b"}' },
    });
    expect(run.json).toMatchObject({ status: "ok", connector_id: "ops-webhook-basic" });
    const [first] = await hook.waitFor(1);
    expect(first!.body).toBe('{"text":"from b"}');
    expect(first!.headers.authorization).toBe(basic("ops", PASSWORD));

    // A conflict is refused by the instance asked; nothing reaches the topic.
    const again = await api(b, "POST", "/api/actions/connector/ops-webhook-basic", {
      ...body(PASSWORD),
      connector_type_id: ".webhook",
    });
    expect(again.status).toBe(409);

    // Updated on B (new password) → A sends with it.
    expect((await api(b, "PUT", "/api/actions/connector/ops-webhook-basic", body(PASSWORD2))).status).toBe(
      200,
    );
    await eventually("update on A", async () => {
      const before = hook.requests.length;
      await api(a, "POST", "/api/actions/connector/ops-webhook-basic/_execute", { params: { body: "{}" } });
      await hook.waitFor(before + 1);
      return hook.requests.at(-1)!.headers.authorization === basic("ops", PASSWORD2) ? true : undefined;
    });

    // The config topic holds the connector with its secrets sealed, never in clear.
    const records = await configRecords(name);
    const mine = records.filter((r) => r.key === "connector/ops-webhook-basic");
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const r of records) {
      for (const needle of [
        PASSWORD,
        PASSWORD2,
        basic("ops", PASSWORD).slice(6),
        basic("ops", PASSWORD2).slice(6),
      ])
        expect(r.value ?? "").not.toContain(needle);
    }
    expect(mine[0]!.value).toContain('"secrets"');

    // Deleted on A → gone on B.
    expect((await api(a, "DELETE", "/api/actions/connector/ops-webhook-basic")).status).toBe(204);
    await eventually("delete on B", async () =>
      (await api(b, "GET", "/api/actions/connector/ops-webhook-basic")).status === 404 ? true : undefined,
    );
    expect((await api(b, "GET", "/api/actions/connectors")).json).toEqual([]);
  });
});
