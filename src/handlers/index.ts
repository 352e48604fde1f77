/**
 * The handler registry: kind name → implementation, listed explicitly (STYLE.md). Each entry
 * is a small factory object ({@link HandlerKind}): a strict options schema, `create`, the
 * TICKscript mapping and the list of secret options. {@link createHandlerFactory} turns the
 * registry plus the daemon's deps into the pinned `HandlerFactory` (src/alert/handler.ts).
 */
import { readFileSync } from "node:fs";

import type { AlertHandler, HandlerFactory } from "../alert/handler.js";
import { TickdError } from "../core/errors.js";
import type { HandlerSpec, TaskGraph } from "../pipeline/task-graph.js";
import { aggregate } from "./aggregate.js";
import { escalation } from "./escalation.js";
import { exec } from "./exec.js";
import { fetchSender } from "./http.js";
import { kafka } from "./kafka.js";
import { log } from "./log.js";
import { optionError } from "./options.js";
import { post } from "./post.js";
import { publish } from "./publish.js";
import { reportUnsent } from "./runner.js";
import { tcp } from "./tcp.js";
import { HandlerCodes, REDACTED, type HandlerContext, type HandlerDeps, type HandlerKind } from "./types.js";
import { victorops } from "./victorops.js";
import { email } from "./email.js";
import { mqtt } from "./mqtt.js";
import { sensu } from "./sensu.js";
import { snmptrap } from "./snmptrap.js";
// Kapacitor's HTTP notification kinds (each built with http-kind.ts).
import { discord } from "./discord.js";
import { hipchat } from "./hipchat.js";
import { opsgenie } from "./opsgenie.js";
import { opsgenie2 } from "./opsgenie2.js";
import { pagerduty } from "./pagerduty.js";
import { pagerduty2 } from "./pagerduty2.js";
import { pushover } from "./pushover.js";
import { slack } from "./slack.js";
import { talk } from "./talk.js";
import { teams } from "./teams.js";
import { telegram } from "./telegram.js";
import { alerta } from "./alerta.js";
import { bigpanda } from "./bigpanda.js";
import { servicenow } from "./servicenow.js";
import { zenoss } from "./zenoss.js";

export * from "./types.js";
export { fetchSender, isAllowedUrl, redactUrl } from "./http.js";
export {
  hmacSha256Signature,
  incidentEvent,
  verifyHmacSha256Signature,
  verifyVictorOpsSignature,
  victorOpsSignature,
} from "./escalation.js";

/** Every kind tickd runs, by the name handler files use (`kind: victorops`). */
export const HANDLER_KINDS: Readonly<Record<string, HandlerKind<unknown>>> = {
  aggregate,
  escalation,
  exec,
  kafka,
  log,
  post,
  publish,
  tcp,
  victorops,
  // Kapacitor's non-HTTP kinds; `email` is TICKscript's name for the `smtp` kind.
  email,
  mqtt,
  sensu,
  smtp: email,
  snmptrap,
  // Kapacitor's HTTP notification kinds.
  discord,
  hipchat,
  opsgenie,
  opsgenie2,
  pagerduty,
  pagerduty2,
  pushover,
  slack,
  talk,
  teams,
  telegram,
  alerta,
  bigpanda,
  servicenow,
  zenoss,
};

function lookup(kind: string): HandlerKind<unknown> {
  // TICKscript's `victorOps` and handler files' `victorops` name the same kind.
  const entry = Object.hasOwn(HANDLER_KINDS, kind.toLowerCase())
    ? HANDLER_KINDS[kind.toLowerCase()]
    : undefined;
  if (entry === undefined)
    throw new TickdError(HandlerCodes.KIND, `unsupported action kind ${JSON.stringify(kind)}`);
  return entry;
}

/** Option values under names like these are redacted in headers and unknown kinds. */
const SECRET_NAME =
  /authori[sz]ation|token|secret|password|passwd|api[-_]?key|auth[-_]?key|cookie|signature/i;

function redactPath(o: Record<string, unknown>, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(o, head)) return;
  const v = o[head];
  if (rest.length === 0) {
    if (v !== undefined && v !== null && v !== "") o[head] = REDACTED;
    return;
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const copy = { ...(v as Record<string, unknown>) };
    o[head] = copy;
    redactPath(copy, rest);
  }
}

function redactByName(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (SECRET_NAME.test(k) && typeof v === "string" && v !== "") out[k] = REDACTED;
    else if (v !== null && typeof v === "object" && !Array.isArray(v))
      out[k] = redactByName(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

/** Options with every secret replaced by "<redacted>" (a copy; the input is not changed). */
export function redactOptions(kind: string, options: Record<string, unknown>): Record<string, unknown> {
  const entry = Object.hasOwn(HANDLER_KINDS, kind.toLowerCase())
    ? HANDLER_KINDS[kind.toLowerCase()]
    : undefined;
  if (entry === undefined) return redactByName(options);
  const out: Record<string, unknown> = { ...options };
  for (const path of entry.secrets) redactPath(out, path.split("."));
  const headers = out.headers;
  if (headers !== null && typeof headers === "object" && !Array.isArray(headers)) {
    out.headers = redactByName(headers as Record<string, unknown>);
  }
  if (typeof out.url === "string") out.url = redactUrlPassword(out.url);
  return out;
}

/** `scheme://user:password@` at the start of a URL (a template too); the password is group 2. */
const URL_PASSWORD = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@:]*):([^/?#@]*)@/;

/** The URL with the password of its user-info replaced by "<redacted>" (text, not parsed: templates stay as written). */
function redactUrlPassword(url: string): string {
  return url.replace(URL_PASSWORD, (all, user: string, password: string) =>
    password === "" ? all : `${user}:${REDACTED}@`,
  );
}

/**
 * Refuses options that carry the "<redacted>" placeholder where a secret belongs: it is what
 * the API shows instead of a secret, never a real password or token, so a body copied from a
 * GET (or a handler file written from one) must not send it. The API puts stored secrets back
 * first where it can (topic-routes.ts); whatever is left here has no secret behind it.
 */
function refusePlaceholders(kind: string, options: Record<string, unknown>): void {
  const walk = (shown: unknown, given: unknown, path: string): void => {
    if (shown === REDACTED && given === REDACTED) {
      throw optionError(
        kind.toLowerCase(),
        path,
        `is "${REDACTED}", the placeholder the API shows for a secret: give the real value`,
      );
    }
    if (shown === null || typeof shown !== "object" || given === null || typeof given !== "object") return;
    for (const [k, v] of Object.entries(shown as Record<string, unknown>)) {
      walk(v, (given as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`);
    }
  };
  // Redaction keeps a literal placeholder as it is, so a stand-in shows what is a secret position.
  const standIn = (v: unknown): unknown => {
    if (v === REDACTED) return "x";
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, standIn(x)]));
  };
  if (options !== null && typeof options === "object") {
    walk(redactOptions(kind, standIn(options) as Record<string, unknown>), options, "");
    const url = options.url;
    if (typeof url === "string" && URL_PASSWORD.exec(url)?.[2] === REDACTED) {
      throw optionError(
        kind.toLowerCase(),
        "url",
        `has the password "${REDACTED}", the placeholder the API shows for a secret: give the real value`,
      );
    }
  }
}

/** package.json's version, for `User-Agent: tickd/<version>` when the daemon passes none. */
function packageVersion(): string {
  // src/handlers → ../../package.json; dist/src/handlers → ../../../package.json
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === "tickd" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0";
}

function where(spec: HandlerSpec): string {
  return `line ${spec.span.start.line} char ${spec.span.start.column}`;
}

/** Runs f; a TickdError it throws is re-thrown naming the TICKscript handler and its position. */
function atSpec<T>(spec: HandlerSpec, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TickdError) {
      throw new TickdError(e.code, `.${spec.kind}() at ${where(spec)}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

export interface TickdHandlerFactory extends HandlerFactory {
  /** Validates options without creating anything (API and handler-file checks). Throws like `create`. */
  validate(kind: string, options: Record<string, unknown>): void;
  /** Validates options and checks the handler can send under the current config (see HandlerKind.preflight). */
  check(kind: string, options: Record<string, unknown>): void;
  /**
   * The define-time check of a TICKscript handler: throws (E_HANDLER_DISABLED,
   * E_HANDLER_REFUSED, E_HANDLER_OPTIONS) with its position when the handler cannot send.
   * Kinds tickd does not run, and options the kind rejects, are left to creation time.
   */
  checkTickscript(spec: HandlerSpec): void;
}

/**
 * Define-time check of every handler of a task's alert nodes (DESIGN §8): a `.victorOps()`
 * with `[victorops]` disabled, or a `.post(url)` whose literal URL is outside `[webhook]
 * allowed-hosts`, is refused when the task is defined instead of failing each alert.
 */
export function checkAlertHandlers(
  factory: Pick<TickdHandlerFactory, "checkTickscript">,
  graph: TaskGraph,
): void {
  for (const n of graph.nodes) {
    if (n.kind !== "alert") continue;
    for (const h of n.handlers) factory.checkTickscript(h);
  }
}

/** The registry bound to the daemon's config, logger and HTTP sender. */
export function createHandlerFactory(deps: HandlerDeps): TickdHandlerFactory {
  const send = deps.send ?? fetchSender;
  const now = deps.now ?? Date.now;
  let version = deps.version;
  const context = (spec: { topic: string; id: string }): HandlerContext => {
    version ??= packageVersion();
    return {
      config: deps.config,
      logger: deps.logger,
      send,
      now,
      version,
      id: spec.id,
      topic: spec.topic,
      ...(deps.collect !== undefined ? { collect: deps.collect } : {}),
    };
  };
  return {
    kinds: () => Object.keys(HANDLER_KINDS).sort(),

    validate(kind, options) {
      lookup(kind).optionsSchema.parse(options);
      refusePlaceholders(kind, options);
    },

    check(kind, options) {
      // An unknown kind is create's to report (a wrapping factory may add kinds of its own).
      if (!Object.hasOwn(HANDLER_KINDS, kind.toLowerCase())) return;
      const entry = lookup(kind);
      const parsed = entry.optionsSchema.parse(options);
      entry.preflight?.(parsed, deps.config);
    },

    checkTickscript(spec) {
      if (!Object.hasOwn(HANDLER_KINDS, spec.kind.toLowerCase())) return;
      const entry = lookup(spec.kind);
      if (entry.preflight === undefined) return;
      let parsed: unknown;
      try {
        parsed = entry.optionsSchema.parse(entry.fromTickscript(spec));
      } catch {
        return; // reported (logged) when the handler is created, as before
      }
      atSpec(spec, () => entry.preflight?.(parsed, deps.config));
    },

    create(spec): AlertHandler {
      const entry = lookup(spec.kind);
      const options = entry.optionsSchema.parse(spec.options);
      refusePlaceholders(spec.kind, spec.options);
      return entry.create(options, context(spec));
    },

    createOrRefuse(spec): AlertHandler {
      try {
        return this.create(spec);
      } catch (e) {
        if (!(e instanceof TickdError) || e.code === HandlerCodes.KIND) throw e;
        const ctx = context(spec);
        const kind = lookup(spec.kind).kind;
        ctx.logger.log(
          "error",
          "handler cannot send with the current config; each event is recorded as failed",
          {
            handler: spec.id,
            topic: spec.topic,
            kind,
            error: e.message,
            code: e.code,
          },
        );
        return {
          handle(event) {
            if (event.noExternal !== true) reportUnsent(ctx, kind, event, e);
          },
        };
      }
    },

    fromTickscript(spec) {
      const entry = lookup(spec.kind);
      const options = atSpec(spec, () => {
        const o = entry.fromTickscript(spec);
        entry.optionsSchema.parse(o);
        refusePlaceholders(spec.kind, o);
        return o;
      });
      return { kind: entry.kind, options };
    },

    redact: redactOptions,
  };
}
