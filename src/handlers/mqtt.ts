/**
 * `mqtt`: Kapacitor's MQTT handler (services/mqtt). Publishes the alert message to `topic` on a
 * `[[mqtt]]` broker (`broker-name`, else the default one: the one marked `default`, or the
 * only one), with the handler's QoS (0, 1, 2) and retain flag.
 *
 * Connections: one client per broker config, shared by every handler that uses it (MQTT
 * brokers drop an older session with the same client id) and counted: made when the first
 * handler needs it, ended when the last one closes. A config reload re-creates the handlers,
 * so a changed broker gets a new client and the old one ends with its last handler. States of
 * a client: connecting → connected ⇄ reconnecting (mqtt.js retries by itself) → ended.
 */
import { readFileSync } from "node:fs";

import mqttLib from "mqtt";

import type { MqttConfig } from "../config/types.js";
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import { Level } from "../core/types.js";
import { lastProperty, type HandlerSpec } from "../pipeline/task-graph.js";
import { requestTimeoutMs } from "./http.js";
import { argInt, argString, schema } from "./options.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import { SerialHandler } from "./runner.js";
import {
  HandlerCodes,
  type HandlerConfig,
  type HandlerContext,
  type HandlerKind,
  type ServiceTestSpec,
} from "./types.js";

const KIND = "mqtt";

export interface MqttOptions {
  brokerName: string;
  topic: string;
  qos: 0 | 1 | 2;
  retained: boolean;
}

export const mqttSchema = schema(KIND, ["broker-name", "topic", "qos", "retained"], (r): MqttOptions => {
  const qos = r.value("qos") ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2)
    throw r.error("qos", `expected 0, 1 or 2, got ${JSON.stringify(qos)}`);
  return {
    brokerName: r.string("broker-name") ?? "",
    topic: r.requiredString("topic"),
    qos,
    retained: r.bool("retained") ?? false,
  };
});

/** The broker a handler publishes to, as Kapacitor picks it; throws Kapacitor's errors. */
export function pickBroker(brokers: readonly MqttConfig[], name: string): MqttConfig {
  const wanted =
    name !== ""
      ? name
      : brokers.length === 1
        ? (brokers[0]?.name ?? "")
        : (brokers.find((b) => b.default)?.name ?? "");
  const b = brokers.find((x) => x.name === wanted);
  if (b === undefined || !b.enabled)
    throw new TickdError(HandlerCodes.DISABLED, `unknown MQTT broker ${JSON.stringify(wanted)}`);
  return b;
}

interface Shared {
  client: mqttLib.MqttClient;
  refs: number;
}

/** Clients by broker config (see the header). */
const clients = new Map<string, Shared>();

function configKey(c: MqttConfig): string {
  return JSON.stringify(c);
}

function readPem(file: string, key: string): Buffer | undefined {
  if (file === "") return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TickdError(
      HandlerCodes.SEND,
      `[[mqtt]] ${key}: cannot read ${file}: ${coerceError(e).message}`,
    );
  }
}

function acquire(c: MqttConfig): Shared {
  const key = configKey(c);
  let s = clients.get(key);
  if (s === undefined) {
    const ca = readPem(c.sslCa, "ssl-ca");
    const cert = readPem(c.sslCert, "ssl-cert");
    const k = readPem(c.sslKey, "ssl-key");
    const client = mqttLib.connect(c.url, {
      clientId: c.clientId !== "" ? c.clientId : c.name,
      ...(c.username !== "" ? { username: c.username, password: c.password } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(k !== undefined ? { key: k } : {}),
      rejectUnauthorized: !c.insecureSkipVerify,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    // Errors surface on publish; without a listener mqtt.js would throw them.
    client.on("error", () => undefined);
    s = { client, refs: 0 };
    clients.set(key, s);
  }
  s.refs++;
  return s;
}

function release(c: MqttConfig, s: Shared): Promise<void> {
  s.refs--;
  if (s.refs > 0) return Promise.resolve();
  const key = configKey(c);
  if (clients.get(key) === s) clients.delete(key);
  return s.client.endAsync().catch(() => undefined);
}

/** Waits until the client is connected, at most `ms`. */
function connected(client: mqttLib.MqttClient, url: string, ms: number): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError = "";
    const onError = (e: Error): void => void (lastError = e.message);
    const timer = setTimeout(() => {
      client.off("connect", onConnect);
      client.off("error", onError);
      reject(
        new TickdError(
          HandlerCodes.SEND,
          `not connected to MQTT broker ${url} within ${ms}ms${lastError !== "" ? `: ${lastError}` : ""}`,
        ),
      );
    }, ms);
    const onConnect = (): void => {
      clearTimeout(timer);
      client.off("error", onError);
      resolve();
    };
    client.once("connect", onConnect);
    client.on("error", onError);
  });
}

export function createMqtt(o: MqttOptions, ctx: HandlerContext): SerialHandler & { close(): Promise<void> } {
  const timeoutMs = requestTimeoutMs(ctx.config.webhook);
  let held: { config: MqttConfig; shared: Shared } | undefined;
  const clientFor = (): { config: MqttConfig; shared: Shared } => {
    const b = pickBroker(ctx.config.mqtt ?? [], o.brokerName);
    if (held !== undefined && configKey(held.config) === configKey(b)) return held;
    if (held !== undefined) void release(held.config, held.shared);
    held = { config: b, shared: acquire(b) };
    return held;
  };
  const deliver = async (event: AlertEvent): Promise<void> => {
    const { config, shared } = clientFor();
    await connected(shared.client, config.url, timeoutMs);
    await shared.client.publishAsync(o.topic, event.state.message, { qos: o.qos, retain: o.retained });
  };
  const handler = new SerialHandler(ctx, KIND, deliver);
  const close = handler.close.bind(handler);
  handler.close = async () => {
    await close();
    if (held !== undefined) await release(held.config, held.shared);
    held = undefined;
  };
  return handler;
}

function mqttFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const topic = argString(spec.args[0]);
  if (topic !== undefined) out.topic = topic;
  const broker = argString(lastProperty(spec, "brokerName")?.args[0]);
  if (broker !== undefined) out["broker-name"] = broker;
  const qos = argInt(lastProperty(spec, "qos")?.args[0]);
  if (qos !== undefined) out.qos = qos;
  const retained = lastProperty(spec, "retained");
  if (retained !== undefined) {
    const a = retained.args[0];
    out.retained = a === undefined ? true : a.type === "bool" ? a.value : true;
  }
  return out;
}

function mqttPreflight(o: MqttOptions, config: HandlerConfig): void {
  try {
    pickBroker(config.mqtt ?? [], o.brokerName);
  } catch (e) {
    throw new TickdError(
      HandlerCodes.DISABLED,
      `mqtt handler: ${coerceError(e).message} (configure an enabled [[mqtt]] section with that name)`,
    );
  }
}

/** Kapacitor's QoSLevel text (its UnmarshalText spells the last one "exactly-one"). */
const QOS_NAMES: Readonly<Record<string, 0 | 1 | 2>> = {
  "at-most-once": 0,
  "at-least-once": 1,
  "exactly-one": 2,
  "exactly-once": 2,
};

/** Kapacitor's `mqtt` service test: `message` published to `topic` on `broker-name`. */
const mqttServiceTest: ServiceTestSpec = {
  name: "mqtt",
  options: (c) => {
    const brokers = c.mqtt ?? [];
    const name =
      brokers.length === 1 ? (brokers[0]?.name ?? "") : (brokers.find((b) => b.default)?.name ?? "");
    return {
      "broker-name": name,
      topic: "",
      message: "test MQTT message",
      qos: "at-most-once",
      retained: false,
    };
  },
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("mqtt", raw);
    const q = raw.qos;
    const qos = typeof q === "number" ? q : typeof q === "string" ? QOS_NAMES[q] : 0;
    if (qos === undefined) throw new TickdError(HandlerCodes.OPTIONS, "mqtt service test: invalid QoS");
    return {
      handlerOptions: {
        "broker-name": o.string("broker-name"),
        topic: o.string("topic"),
        qos,
        retained: o.bool("retained"),
      },
      event: testEvent({
        id: "mqtt-service-test",
        message: o.string("message"),
        level: Level.CRITICAL,
        timeMs: nowMs,
      }),
    };
  },
};

export const mqtt: HandlerKind<MqttOptions> = {
  kind: KIND,
  optionsSchema: mqttSchema,
  create: createMqtt,
  fromTickscript: mqttFromTickscript,
  secrets: [],
  preflight: mqttPreflight,
  serviceTest: mqttServiceTest,
};
