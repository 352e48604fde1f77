/**
 * The mqtt kind against Debian's real `mosquitto` broker, started here on a free port and
 * requiring a user and password: a TICKscript `.mqtt(topic).brokerName().qos().retained()`
 * chain and a `kind: mqtt` handler file each publish a CRITICAL and an OK message, checked by a
 * subscriber (topic, payload, QoS) and by a late subscriber (the retained message, retain
 * flag); the service test; the password is redacted; refusal of an unknown broker.
 */
import { rmSync } from "node:fs";
import mqttLib from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import type { TickdConfig } from "../../src/config/index.js";
import { startDaemonIn } from "../support/in-process-daemon.js";
import { startMosquitto, type Mosquitto } from "../support/net-services.js";

const USER = "tickd";
const PASS = "mqtt-s3cret-pw";

const TICK = `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu')
  |alert()
    .id('cpu/{{ index .Tags "host" }}')
    .message('{{ .ID }} is {{ .Level }}')
    .crit(lambda: "usage_idle" < 10.0)
    .topic('ops')
    .mqtt('alerts/cpu')
      .brokerName('main')
      .qos(2)
      .retained(TRUE)
`;

const HANDLER = "topic: ops\nid: to-mqtt\nkind: mqtt\noptions:\n  topic: alerts/file\n  qos: 1\n";

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const mqttOn =
  (broker: Mosquitto, name = "main") =>
  (c: TickdConfig): TickdConfig => ({
    ...c,
    mqtt: [
      {
        enabled: true,
        name,
        default: true,
        url: broker.url,
        sslCa: "",
        sslCert: "",
        sslKey: "",
        insecureSkipVerify: false,
        clientId: "",
        username: USER,
        password: PASS,
      },
    ],
  });

async function start(files: Parameters<typeof startDaemonIn>[0], config: (c: TickdConfig) => TickdConfig) {
  const { daemon, dir } = await startDaemonIn(files, { config });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => daemon.stop());
  return `http://127.0.0.1:${daemon.port}`;
}

async function subscriber(broker: Mosquitto, topic: string): Promise<Received[]> {
  const got: Received[] = [];
  const client = await mqttLib.connectAsync(broker.url, {
    username: USER,
    password: PASS,
    clientId: `test-${Math.random().toString(36).slice(2)}`,
  });
  cleanups.push(() => client.endAsync());
  client.on("message", (t, payload, packet) =>
    got.push({ topic: t, payload: payload.toString(), qos: packet.qos, retain: packet.retain }),
  );
  await client.subscribeAsync(topic, { qos: 2 });
  return got;
}

async function waitFor<T>(list: T[], n: number): Promise<T[]> {
  for (let i = 0; i < 200 && list.length < n; i++) await new Promise((r) => setTimeout(r, 50));
  if (list.length < n) throw new Error(`expected ${n} messages, got ${list.length}`);
  return list;
}

async function write(url: string, line: string): Promise<void> {
  const w = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body: line });
  expect(w.status).toBe(204);
}

describe("mqtt handler (real mosquitto)", () => {
  it("publishes CRITICAL and OK from a chain (QoS 2, retained) and a handler file (QoS 1)", async () => {
    const broker = await startMosquitto({ user: USER, pass: PASS });
    cleanups.push(() => broker.close());
    const live = await subscriber(broker, "alerts/#");
    const url = await start(
      { tasks: { "cpu.tick": TICK }, handlers: { "mqtt.yaml": HANDLER } },
      mqttOn(broker),
    );
    await write(url, "cpu,host=serverA usage_idle=5 1700000000");
    await waitFor(live, 2);
    await write(url, "cpu,host=serverA usage_idle=50 1700000010");
    await waitFor(live, 4);

    const byTopic = (t: string) => live.filter((m) => m.topic === t);
    expect(byTopic("alerts/cpu")).toEqual([
      { topic: "alerts/cpu", payload: "cpu/serverA is CRITICAL", qos: 2, retain: false },
      { topic: "alerts/cpu", payload: "cpu/serverA is OK", qos: 2, retain: false },
    ]);
    expect(byTopic("alerts/file")).toEqual([
      { topic: "alerts/file", payload: "cpu/serverA is CRITICAL", qos: 1, retain: false },
      { topic: "alerts/file", payload: "cpu/serverA is OK", qos: 1, retain: false },
    ]);

    // The chain's message was retained; the handler file's was not.
    const late = await subscriber(broker, "alerts/#");
    await waitFor(late, 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(late).toEqual([{ topic: "alerts/cpu", payload: "cpu/serverA is OK", qos: 2, retain: true }]);
  });

  it("runs Kapacitor's mqtt service test; an unknown broker is refused at define time", async () => {
    const broker = await startMosquitto({ user: USER, pass: PASS });
    cleanups.push(() => broker.close());
    const got = await subscriber(broker, "svc/test");
    const url = await start({}, mqttOn(broker));
    const info = (await (await fetch(`${url}/kapacitor/v1/service-tests/mqtt`)).json()) as {
      options: Record<string, unknown>;
    };
    expect(info.options).toEqual({
      "broker-name": "main",
      topic: "",
      message: "test MQTT message",
      qos: "at-most-once",
      retained: false,
    });
    const res = await fetch(`${url}/kapacitor/v1/service-tests/mqtt`, {
      method: "POST",
      body: JSON.stringify({ topic: "svc/test" }),
    });
    expect(await res.json()).toEqual({ success: true, message: "" });
    await waitFor(got, 1);
    expect(got[0]).toMatchObject({ topic: "svc/test", payload: "test MQTT message" });

    const task = await fetch(`${url}/kapacitor/v1/tasks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "cpu", script: TICK.replace("brokerName('main')", "brokerName('other')") }),
    });
    expect(task.status).toBe(400);
    expect(((await task.json()) as { error: string }).error).toMatch(
      /\.mqtt\(\) at line 9 char 5: mqtt handler: unknown MQTT broker "other"/,
    );
    // A broker that is not configured: Kapacitor's message.
    const bad = await fetch(`${url}/kapacitor/v1/service-tests/mqtt`, {
      method: "POST",
      body: JSON.stringify({ topic: "svc/test", "broker-name": "nope" }),
    });
    expect(await bad.json()).toEqual({ success: false, message: 'unknown MQTT broker "nope"' });
  });
});
