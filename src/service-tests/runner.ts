/**
 * Service tests (Kapacitor's `services/servicetest`): every handler kind whose registry entry
 * has a `serviceTest` (src/handlers/types.ts ServiceTestSpec) is listed under its Kapacitor
 * service name with its default options, and can be run with options laid over those
 * defaults. A kind plugs in by setting `serviceTest` on its HandlerKind in src/handlers/ and
 * being listed in HANDLER_KINDS; nothing here names a kind.
 *
 * A run builds the handler through the normal registry (same option checks), with a sender
 * that goes straight to the wire (no journal, no retries: the answer is wanted now) and a
 * logger that keeps what the handler reports. Success: the handler logged no error and every
 * HTTP request it made got a 2xx. Otherwise the message is the handler's own error text
 * (Kapacitor's wording where the kind has it), e.g. "service is not enabled".
 */
import { compileGlob } from "../alert/glob.js";
import { coerceError } from "../core/errors.js";
import { Level } from "../core/types.js";
import type { EngineLogger } from "../engine/context.js";
import {
  createHandlerFactory,
  HANDLER_KINDS,
  type HandlerConfig,
  type HttpRequest,
  type HttpResponse,
  type HttpSender,
  type ServiceTestSpec,
} from "../handlers/index.js";

export interface ServiceTestResult {
  success: boolean;
  message: string;
}

export interface ServiceTestInfo {
  name: string;
  options: Record<string, unknown>;
}

export interface ServiceTestDeps {
  /** The live handler config (a reload changes what the defaults and the run read). */
  config: HandlerConfig;
  /** Where the outcome of each run is logged (never the options: they may hold secrets). */
  logger: EngineLogger;
  /** Sends one request now, as the delivery transport does (TLS rules, timeouts). */
  direct: { send(req: HttpRequest): Promise<HttpResponse> };
  version?: string;
  now?: () => number;
}

export interface ServiceTests {
  /** Services whose name matches the Go glob `pattern` ("" or "*" = all), sorted by name. Throws E_PATTERN. */
  list(pattern?: string): ServiceTestInfo[];
  /** One service's default options, or undefined when there is no such service. */
  get(name: string): ServiceTestInfo | undefined;
  /** Runs a service's test; undefined when there is no such service. */
  run(name: string, options: Record<string, unknown>): Promise<ServiceTestResult | undefined>;
}

interface Entry {
  kind: string;
  spec: ServiceTestSpec;
}

/** Every kind's service test by service name. */
function registry(): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const entry of Object.values(HANDLER_KINDS)) {
    const spec = entry.serviceTest;
    if (spec === undefined) continue;
    // One kind may be listed under two names (TICKscript's `email` is the `smtp` kind).
    if (out.get(spec.name)?.spec === spec) continue;
    if (out.has(spec.name)) throw new Error(`two handler kinds register the service test ${spec.name}`);
    out.set(spec.name, { kind: entry.kind, spec });
  }
  return out;
}

export function createServiceTests(deps: ServiceTestDeps): ServiceTests {
  const tests = registry();
  const now = deps.now ?? Date.now;
  const info = (name: string, e: Entry): ServiceTestInfo => ({ name, options: e.spec.options(deps.config) });

  return {
    list(pattern = "") {
      const match = compileGlob(pattern === "*" ? "" : pattern);
      return [...tests.keys()]
        .filter((n) => match(n))
        .sort()
        .map((n) => info(n, tests.get(n) as Entry));
    },

    get(name) {
      const e = tests.get(name);
      return e === undefined ? undefined : info(name, e);
    },

    async run(name, posted) {
      const e = tests.get(name);
      if (e === undefined) return undefined;
      const result = await runOne(deps, e, { ...e.spec.options(deps.config), ...posted }, now());
      deps.logger.log(result.success ? "info" : "warn", "service test", {
        service: name,
        success: result.success,
        ...(result.success ? {} : { message: result.message }),
      });
      return result;
    },
  };
}

async function runOne(
  deps: ServiceTestDeps,
  e: Entry,
  options: Record<string, unknown>,
  nowMs: number,
): Promise<ServiceTestResult> {
  const errors: string[] = [];
  let badStatus: string | undefined;
  const capture: EngineLogger = {
    log(level, msg, fields) {
      if (level !== "error") return;
      const err = fields?.error;
      errors.push(typeof err === "string" && err !== "" ? err : msg);
    },
  };
  const send: HttpSender = {
    async send(req) {
      const res = await deps.direct.send(req);
      if ((res.status < 200 || res.status >= 300) && badStatus === undefined) {
        badStatus = `the endpoint answered HTTP ${res.status}${res.body !== "" ? `: ${res.body.trim()}` : ""}`;
      }
      return res;
    },
  };
  try {
    const run = e.spec.prepare(options, deps.config, nowMs);
    const factory = createHandlerFactory({
      config: deps.config,
      logger: capture,
      send,
      now: () => nowMs,
      ...(deps.version !== undefined ? { version: deps.version } : {}),
    });
    const handler = factory.create({
      kind: e.kind,
      options: run.handlerOptions,
      topic: run.event.topic,
      id: `service-test-${e.spec.name}`,
    });
    try {
      await handler.handle(run.event, run.event.state.level === Level.OK ? Level.CRITICAL : Level.OK);
    } finally {
      await handler.close?.();
    }
  } catch (err) {
    errors.push(coerceError(err).message);
  }
  const message = errors[0] ?? badStatus;
  return message === undefined ? { success: true, message: "" } : { success: false, message };
}
