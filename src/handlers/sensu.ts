/**
 * `sensu`: Kapacitor's Sensu handler (services/sensu). Each event becomes a check result sent
 * to the Sensu client socket at `[sensu] addr`: one TCP connection, the JSON object written as
 * Go's json.Encoder writes a map (keys sorted, "\n" at the end), then everything the client
 * answers is read until it closes; anything but `ok` is an error.
 *
 * Fields: `name` (the alert id, which must match `^[\w.-]+$`), `source` (the handler's source
 * template over the alert's template data, else `[sensu] source`), `output` (the message),
 * `status` (OK and INFO 0, WARNING 1, CRITICAL 2), `handlers` (the handler's, else the
 * config's; null when neither has any), plus each metadata key not already taken.
 */
import { connect } from "node:net";

import type { AlertEvent } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import { goJsonLine } from "../core/go-json.js";
import { compileTemplate, type Template } from "../core/template.js";
import { Level } from "../core/types.js";
import type { ArgValue, HandlerSpec } from "../pipeline/task-graph.js";
import { requestTimeoutMs } from "./http.js";
import { argString, schema } from "./options.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import { SerialHandler } from "./runner.js";
import { splitHostPort } from "./tcp.js";
import { eventTemplateData } from "./template-data.js";
import {
  HandlerCodes,
  type HandlerConfig,
  type HandlerContext,
  type HandlerKind,
  type ServiceTestSpec,
} from "./types.js";
import { notEnabled, requireEnabled } from "./disabled.js";

const KIND = "sensu";
const VALID_NAME = /^[\w.-]+$/;

export interface SensuOptions {
  /** Text/template; "" = `[sensu] source`. */
  source: string;
  handlers: string[];
  metadata: Record<string, unknown>;
}

export const sensuSchema = schema(KIND, ["source", "handlers", "metadata"], (r): SensuOptions => {
  const source = r.string("source") ?? "";
  try {
    compileTemplate(source, { name: "source" });
  } catch (e) {
    throw r.error("source", coerceError(e).message);
  }
  const metadata = r.value("metadata");
  if (
    metadata !== undefined &&
    (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
  )
    throw r.error("metadata", "expected a map");
  return {
    source,
    handlers: r.stringOrList("handlers") ?? [],
    metadata: (metadata as Record<string, unknown> | undefined) ?? {},
  };
});

/** Sensu's check status of a level. */
export function sensuStatus(level: Level): number {
  switch (level) {
    case Level.WARNING:
      return 1;
    case Level.CRITICAL:
      return 2;
    default:
      return 0;
  }
}

/** The bytes Kapacitor writes to the Sensu socket for `event`. */
export function sensuPayload(
  event: AlertEvent,
  source: string,
  handlers: readonly string[],
  metadata: Record<string, unknown>,
): string {
  const name = event.state.id;
  if (!VALID_NAME.test(name)) {
    throw new TickdError(
      HandlerCodes.SEND,
      `invalid name ${JSON.stringify(name)} for sensu alert. Must match ${VALID_NAME.source}`,
    );
  }
  const m = new Map<string, unknown>([
    ["handlers", handlers.length > 0 ? handlers : null],
    ["name", name],
    ["output", event.state.message],
    ["source", source],
    ["status", sensuStatus(event.state.level)],
  ]);
  for (const [k, v] of Object.entries(metadata)) if (!m.has(k)) m.set(k, v);
  // Go's encoder sorts map keys.
  return goJsonLine(new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** Writes one check result and waits for the client's answer (read until it closes). */
export function sendSensu(addr: string, payload: string, timeoutMs: number): Promise<void> {
  const hp = splitHostPort(addr);
  if (hp === undefined)
    return Promise.reject(new TickdError(HandlerCodes.SEND, `invalid [sensu] addr "${addr}"`));
  return new Promise((resolve, reject) => {
    const sock = connect({ host: hp.host, port: hp.port });
    let failed: TickdError | undefined;
    let answer = "";
    sock.setEncoding("utf8");
    sock.setTimeout(timeoutMs, () => {
      failed = new TickdError(HandlerCodes.TIMEOUT, `sensu ${addr}: no answer within ${timeoutMs}ms`);
      sock.destroy();
    });
    sock.on("connect", () => sock.write(payload));
    sock.on("data", (d: string) => (answer += d));
    sock.on("end", () => sock.end());
    sock.on("error", (e) => {
      failed ??= new TickdError(HandlerCodes.SEND, `sensu ${addr}: ${e.message}`, { cause: e });
    });
    sock.on("close", () => {
      if (failed !== undefined) reject(failed);
      else if (answer !== "ok") reject(new TickdError(HandlerCodes.STATUS, "sensu socket error: " + answer));
      else resolve();
    });
  });
}

export function createSensu(o: SensuOptions, ctx: HandlerContext): SerialHandler {
  const timeoutMs = requestTimeoutMs(ctx.config.webhook);
  const sourceTemplate: Template | undefined =
    o.source !== "" ? compileTemplate(o.source, { name: "source" }) : undefined;
  return new SerialHandler(ctx, KIND, async (event) => {
    const c = ctx.config.sensu;
    if (c === undefined || !c.enabled) throw notEnabled();
    const source = sourceTemplate?.execute(eventTemplateData(event)) ?? "";
    const payload = sensuPayload(
      event,
      source !== "" ? source : c.source,
      o.handlers.length > 0 ? o.handlers : c.handlers,
      o.metadata,
    );
    await sendSensu(c.addr, payload, timeoutMs);
  });
}

/** A TICKscript value as the JSON value Kapacitor's metadata map holds. */
function argJson(a: ArgValue | undefined): unknown {
  switch (a?.type) {
    case "string":
      return a.value;
    case "int":
      return Number(a.value);
    case "float":
    case "bool":
      return a.value;
    default:
      return undefined;
  }
}

function sensuFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const handlers: string[] = [];
  const metadata: Record<string, unknown> = {};
  for (const p of spec.properties) {
    if (p.name === "source") {
      const s = argString(p.args[0]);
      if (s !== undefined) out.source = s;
    } else if (p.name === "handlers") {
      for (const a of p.args) {
        const s = argString(a);
        if (s !== undefined) handlers.push(s);
      }
    } else if (p.name === "metadata") {
      const k = argString(p.args[0]);
      if (k !== undefined) metadata[k] = argJson(p.args[1]);
    }
  }
  if (handlers.length > 0) out.handlers = handlers;
  if (Object.keys(metadata).length > 0) out.metadata = metadata;
  return out;
}

function sensuPreflight(_o: SensuOptions, config: HandlerConfig): void {
  requireEnabled(
    config.sensu?.enabled === true,
    "sensu",
    "set [sensu] enabled = true and addr in the config",
  );
}

/** Kapacitor's `sensu` service test: one check result named `name`. */
const sensuServiceTest: ServiceTestSpec = {
  name: "sensu",
  options: () => ({
    name: "testName",
    source: "Kapacitor",
    output: "testOutput",
    handlers: [],
    metadata: {},
    level: "CRITICAL",
  }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("sensu", raw);
    const metadata = raw.metadata;
    if (
      metadata !== undefined &&
      metadata !== null &&
      (typeof metadata !== "object" || Array.isArray(metadata))
    )
      throw new TickdError(HandlerCodes.OPTIONS, 'sensu service test: option "metadata": expected a map');
    return {
      handlerOptions: {
        source: o.string("source"),
        handlers: o.strings("handlers"),
        metadata: (metadata ?? {}) as Record<string, unknown>,
      },
      event: testEvent({
        id: o.string("name"),
        message: o.string("output"),
        level: o.level("level"),
        timeMs: nowMs,
      }),
    };
  },
};

export const sensu: HandlerKind<SensuOptions> = {
  kind: KIND,
  optionsSchema: sensuSchema,
  create: createSensu,
  fromTickscript: sensuFromTickscript,
  secrets: [],
  preflight: sensuPreflight,
  serviceTest: sensuServiceTest,
};
