/** Hand-built alert events (TestStream_Alert's CRITICAL event) and handler deps for handler tests. */
import { afterEach } from "vitest";

import type { AlertEvent } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import type { LogLevel } from "../../../src/engine/context.js";
import { createHandlerFactory, type HandlerConfig, type HandlerDeps } from "../../../src/handlers/index.js";
import { startReceiver, type Receiver, type ReceiverOptions } from "../../support/receiver.js";

export const T10 = 31536010e9; // 1971-01-01T00:00:10Z

export interface EventOverrides {
  level?: Level;
  time?: number;
  duration?: number;
  message?: string;
  details?: string;
  id?: string;
  noExternal?: boolean;
  recoverable?: boolean;
}

export function alertEvent(o: EventOverrides = {}): AlertEvent {
  const level = o.level ?? Level.CRITICAL;
  const id = o.id ?? "kapacitor/cpu/serverA";
  const time = o.time ?? T10;
  const names = ["OK", "INFO", "WARNING", "CRITICAL"];
  const e: AlertEvent = {
    topic: "main:t:alert4",
    state: {
      id,
      message: o.message ?? `${id} is ${names[level]}`,
      details: o.details ?? "details",
      time: BigInt(time),
      duration: o.duration ?? 0,
      level,
    },
    data: {
      name: "cpu",
      taskName: "t",
      category: "",
      group: "host=serverA",
      tags: { host: "serverA" },
      fields: { count: 10n },
      series: [
        { name: "cpu", tags: { host: "serverA" }, columns: ["time", "count"], values: [[BigInt(time), 10n]] },
      ],
      recoverable: o.recoverable ?? true,
    },
  };
  if (o.noExternal !== undefined) e.noExternal = o.noExternal;
  return e;
}

/** Kapacitor's `.post()` body for alertEvent() with previousLevel OK (KAPACITOR-COMPAT.md §2). */
export const POST_BODY =
  '{"id":"kapacitor/cpu/serverA","message":"kapacitor/cpu/serverA is CRITICAL","details":"details",' +
  '"time":"1971-01-01T00:00:10Z","duration":0,"level":"CRITICAL","data":{"series":[{"name":"cpu",' +
  '"tags":{"host":"serverA"},"columns":["time","count"],"values":[["1971-01-01T00:00:10Z",10]]}]},' +
  '"previousLevel":"OK","recoverable":true}\n';

export interface LogLine {
  level: LogLevel;
  msg: string;
  fields?: Record<string, unknown>;
}

export function handlerConfig(over: Partial<HandlerConfig> = {}): HandlerConfig {
  return {
    victorops: {
      enabled: true,
      apiKey: "api_key",
      routingKey: "routing_key",
      url: "https://alert.victorops.com/integrations/generic/20131114/alert",
      jsonData: false,
      global: false,
    },
    httppost: [],
    escalation: [],
    webhook: { allowedHosts: ["*"], timeout: 0 },
    ...over,
  };
}

/** A factory over `config` with a recording logger. */
export function factory(config: HandlerConfig, extra: Partial<HandlerDeps> = {}) {
  const logs: LogLine[] = [];
  const deps: HandlerDeps = {
    config,
    logger: {
      log: (level, msg, fields) => logs.push(fields === undefined ? { level, msg } : { level, msg, fields }),
    },
    version: "9.9.9",
    ...extra,
  };
  return { f: createHandlerFactory(deps), logs };
}

/** Every log line as one string, to assert on contents (and on secrets staying out). */
export function logText(logs: LogLine[]): string {
  return logs.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.fields ?? {})}`).join("\n");
}

/** Receivers started through the returned function are closed after each test. */
export function receivers(): (opts?: ReceiverOptions) => Promise<Receiver> {
  const open: Receiver[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.close()));
  });
  return async (opts) => {
    const r = await startReceiver(opts);
    open.push(r);
    return r;
  };
}
