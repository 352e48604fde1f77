/**
 * `post`: Kapacitor's httppost handler (KAPACITOR-COMPAT.md §4) plus the generic-webhook extras
 * of DESIGN §7 — method, handler-level basic auth or bearer token, a body template with the
 * Logz.io-style helpers, and the `[webhook] allowed-hosts` check on the URL after templating.
 *
 * Request assembly, in Kapacitor's order: the endpoint's basic auth, the endpoint's headers,
 * then (tickd) the handler's basic auth or bearer token, the handler's headers (overwriting,
 * names compared case-insensitively as Go canonicalises them), and last `Content-Type:
 * application/json` when the body is the alert JSON. A templated body that is a JSON object or
 * array gets `Content-Type: application/json` too unless the headers set one (tickd; Kapacitor
 * sends none); any other templated body gets none.
 *
 * Template helpers (body and URL): `alert_id`, `alert_title` (the message), `alert_description`
 * (the details, or the message when they are empty or Kapacitor's default JSON blob),
 * `alert_severity` (the level), `alert_message_type` (the level, RECOVERY for OK: VictorOps's
 * message_type) and `alert_event_samples` (up to five rows as a JSON array). Inside a JSON
 * string of a JSON body their output is JSON-escaped, so a Logz.io-style body such as
 * `{"entity_display_name":"{{alert_title}}"}` stays valid whatever the message holds.
 */
import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";

import { alertJsonLine } from "../alert/alert-json.js";
import type { AlertEvent } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import { formatRFC3339Nano, goMap } from "../core/go-format.js";
import { goJson } from "../core/go-json.js";
import { compileTemplate, type Template, type TemplateFunc } from "../core/template.js";
import { Level, levelName } from "../core/types.js";
import { allProperties, lastProperty, type HandlerSpec } from "../pipeline/task-graph.js";
import { basicAuthHeader, checkUrl, deliveryMeta, isSuccess, redactUrl, requestTimeoutMs } from "./http.js";
import { argString, optionError, schema, type OptionReader } from "./options.js";
import { SerialHandler, logFailure } from "./runner.js";
import { alertTemplateData, humanDescription } from "./template-data.js";
import {
  HandlerCodes,
  type HandlerConfig,
  type HandlerContext,
  type HandlerKind,
  type HttpPostEndpointConfig,
  type TlsOptions,
} from "./types.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import type { ServiceTestSpec } from "./types.js";

const KIND = "post";

export interface PostOptions {
  url?: string;
  endpoint?: string;
  headers: Record<string, string>;
  captureResponse: boolean;
  /** ns; 0 = the default timeout. */
  timeout: number;
  /** Kapacitor's option: do not verify the endpoint's certificate (verification-mode none). */
  skipSslVerification: boolean;
  /** tickd: TLS rules over `[webhook]`'s, from skip-ssl-verification, verification-mode and ca-file. */
  tls?: TlsOptions;
  /** tickd: POST (default), PUT or PATCH. */
  method: string;
  /** tickd: `Authorization: Bearer <token>`. Secret. */
  bearerToken?: string;
  /** tickd: handler-level basic auth. The password is a secret. */
  basicAuth?: { username: string; password: string };
  /** tickd: body template (Go text/template over alert.Data), overriding the endpoint's. */
  alertTemplate?: string;
}

const METHODS = ["POST", "PUT", "PATCH"];

/** Samples `alert_event_samples` lists at most (Logz.io shows five). */
export const MAX_EVENT_SAMPLES = 5;

export const postSchema = schema(
  KIND,
  [
    "url",
    "endpoint",
    "headers",
    "capture-response",
    "timeout",
    "skip-ssl-verification",
    "method",
    "bearer-token",
    "basic-auth",
    "alert-template",
    "verification-mode",
    "ca-file",
  ],
  (r): PostOptions => {
    const url = r.string("url");
    const endpoint = r.string("endpoint");
    if ((url ?? "") === "" && (endpoint ?? "") === "") {
      throw r.error("url", 'a url (or an "endpoint" naming an [[httppost]] section) is required');
    }
    const headers = r.stringMap("headers") ?? {};
    for (const k of Object.keys(headers)) {
      if (k.toLowerCase() === "authenticate")
        throw r.error(`headers.${k}`, "the Authenticate header cannot be set");
    }
    const method = (r.string("method") ?? "POST").toUpperCase();
    if (!METHODS.includes(method))
      throw r.error("method", `expected one of ${METHODS.join(", ")}, got "${method}"`);
    const out: PostOptions = {
      headers,
      captureResponse: r.bool("capture-response") ?? false,
      timeout: r.duration("timeout") ?? 0,
      skipSslVerification: r.bool("skip-ssl-verification") ?? false,
      method,
    };
    if (url !== undefined && url !== "") out.url = url;
    if (endpoint !== undefined && endpoint !== "") out.endpoint = endpoint;
    const bearer = r.string("bearer-token");
    if (bearer !== undefined && bearer !== "") out.bearerToken = bearer;
    const auth = r.value("basic-auth");
    if (auth !== undefined) {
      if (typeof auth !== "object" || auth === null || Array.isArray(auth))
        throw r.error("basic-auth", "expected a map with username and password");
      const a = auth as Record<string, unknown>;
      for (const k of Object.keys(a)) {
        if (k !== "username" && k !== "password")
          throw r.error(`basic-auth.${k}`, "unknown key (username, password)");
      }
      if (typeof a.username !== "string" || a.username === "")
        throw r.error("basic-auth.username", "expected a non-empty string");
      if (typeof a.password !== "string" || a.password === "")
        throw r.error("basic-auth.password", "expected a non-empty string");
      out.basicAuth = { username: a.username, password: a.password };
    }
    if (out.basicAuth !== undefined && out.bearerToken !== undefined) {
      throw r.error("bearer-token", 'set only one of "basic-auth" and "bearer-token"');
    }
    const tmpl = r.string("alert-template");
    if (tmpl !== undefined && tmpl !== "") out.alertTemplate = tmpl;
    const tls = readTls(r, out.skipSslVerification);
    if (tls !== undefined) out.tls = tls;
    return out;
  },
);

const VERIFICATION_MODES = ["full", "certificate", "none"] as const;

/** `skip-ssl-verification` (Kapacitor's) is `verification-mode: none`; saying both differently is an error. */
function readTls(r: OptionReader, skip: boolean): TlsOptions | undefined {
  const mode = r.string("verification-mode");
  if (mode !== undefined && !(VERIFICATION_MODES as readonly string[]).includes(mode))
    throw r.error("verification-mode", `expected one of ${VERIFICATION_MODES.join(", ")}, got "${mode}"`);
  if (skip && mode !== undefined && mode !== "none")
    throw r.error(
      "verification-mode",
      `"${mode}" contradicts skip-ssl-verification: true (which means none)`,
    );
  const caFile = r.string("ca-file");
  const tls: TlsOptions = {};
  if (skip) tls.verificationMode = "none";
  else if (mode !== undefined) tls.verificationMode = mode as NonNullable<TlsOptions["verificationMode"]>;
  if (caFile !== undefined && caFile !== "") tls.caFile = caFile;
  return Object.keys(tls).length > 0 ? tls : undefined;
}

/** The event a template is executing for; the helper functions read it (execution is synchronous). */
interface Current {
  event: AlertEvent | undefined;
}

/** `alert_event_samples`: up to five rows as JSON objects of tags and columns (time as RFC3339Nano). */
export function eventSamples(e: AlertEvent): string {
  const out: unknown[] = [];
  for (const s of e.data.series) {
    for (const row of s.values) {
      if (out.length >= MAX_EVENT_SAMPLES) return goJson(out);
      const entries: Record<string, unknown> = { ...s.tags };
      s.columns.forEach((c, i) => {
        const v = row[i];
        entries[c] = i === 0 && typeof v === "bigint" ? formatRFC3339Nano(v) : v;
      });
      out.push(goMap(entries));
    }
  }
  return goJson(out);
}

function helperFuncs(cur: Current): Record<string, TemplateFunc> {
  const ev = (): AlertEvent => {
    if (cur.event === undefined) throw new Error("no alert event");
    return cur.event;
  };
  return {
    alert_id: () => ev().state.id,
    alert_title: () => ev().state.message,
    alert_description: () => humanDescription(ev()),
    alert_severity: () => levelName(ev().state.level),
    alert_message_type: () => (ev().state.level === Level.OK ? "RECOVERY" : levelName(ev().state.level)),
    alert_event_samples: () => eventSamples(ev()),
  };
}

/** Every helper is safe inside a JSON string (see the header). */
const HELPERS = Object.keys(helperFuncs({ event: undefined }));

function compile(text: string, name: string, cur: Current, key: string): Template {
  try {
    return compileTemplate(text, { name, funcs: helperFuncs(cur), jsonStringFuncs: HELPERS });
  } catch (e) {
    throw optionError(KIND, key, (e as Error).message);
  }
}

function endpointTemplate(ep: HttpPostEndpointConfig, cur: Current): Template | undefined {
  if (ep.alertTemplate !== undefined && ep.alertTemplate !== "") {
    return compile(ep.alertTemplate, "body", cur, "endpoint");
  }
  const file = ep.alertTemplateFile ?? "";
  if (file === "") return undefined;
  if (!isAbsolute(file)) {
    throw optionError(
      KIND,
      "endpoint",
      `[[httppost]] ${ep.endpoint}: alert-template-file must be an absolute path`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw optionError(
      KIND,
      "endpoint",
      `[[httppost]] ${ep.endpoint}: failed to read template file ${JSON.stringify(file)}: ${(e as Error).message}`,
    );
  }
  return compile(text, "body", cur, "endpoint");
}

function hasHeader(h: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(h).some((k) => k.toLowerCase() === lower);
}

/**
 * True when a templated body is a JSON object or array. One that looks like JSON (starts with
 * `{` or `[`) but does not parse is sent as rendered, with a warning naming the parse error:
 * the receiver will most likely refuse it.
 */
function isJsonDocument(body: string, ctx: HandlerContext, event: AlertEvent): boolean {
  const start = body.trimStart()[0];
  if (start !== "{" && start !== "[") return false;
  try {
    JSON.parse(body);
    return true;
  } catch (e) {
    ctx.logger.log("warn", "post body template rendered invalid JSON", {
      handler: ctx.id,
      topic: ctx.topic,
      kind: KIND,
      alert: event.state.id,
      error: (e as Error).message,
    });
    return false;
  }
}

/** A copy of `h` with the header set (see {@link setHeader}). */
function withHeader(h: Record<string, string>, name: string, value: string): Record<string, string> {
  const out = { ...h };
  setHeader(out, name, value);
  return out;
}

/** Sets a header, replacing any spelling of the same name (Go canonicalises header names). */
function setHeader(h: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const k of Object.keys(h)) if (k.toLowerCase() === lower) delete h[k];
  h[name] = value;
}

export function createPost(o: PostOptions, ctx: HandlerContext): SerialHandler {
  const cur: Current = { event: undefined };
  // A known endpoint supplies URL, headers, auth and templates; otherwise the url option (§4).
  const ep =
    o.endpoint !== undefined ? ctx.config.httppost.find((e) => e.endpoint === o.endpoint) : undefined;
  let urlText: string;
  if (ep !== undefined) urlText = ep.url;
  else if (o.url !== undefined) urlText = o.url;
  else {
    const known = ctx.config.httppost.map((e) => e.endpoint);
    throw optionError(
      KIND,
      "endpoint",
      `no [[httppost]] endpoint named ${JSON.stringify(o.endpoint)} (configured: ${known.join(", ") || "none"}) and no url given`,
    );
  }
  // A URL without actions renders as itself: neither it nor its allow-list check changes per event.
  const staticUrl = urlText.includes("{{") ? undefined : urlText;
  const urlTemplate = compile(urlText, "url", cur, ep !== undefined ? "endpoint" : "url");
  const bodyTemplate =
    o.alertTemplate !== undefined
      ? compile(o.alertTemplate, "body", cur, "alert-template")
      : ep !== undefined
        ? endpointTemplate(ep, cur)
        : undefined;
  const epAuth = ep?.basicAuth;
  const secrets = [o.bearerToken ?? "", o.basicAuth?.password ?? "", epAuth?.password ?? ""];
  const timeoutMs = requestTimeoutMs(ctx.config.webhook, o.timeout);

  // The headers depend on the event only through a templated body's Content-Type: built once.
  const baseHeaders: Record<string, string> = {};
  if (epAuth && epAuth.username !== "" && epAuth.password !== "") {
    setHeader(baseHeaders, "Authorization", basicAuthHeader(epAuth.username, epAuth.password));
  }
  for (const [k, v] of Object.entries(ep?.headers ?? {})) setHeader(baseHeaders, k, v);
  if (o.basicAuth !== undefined) {
    setHeader(baseHeaders, "Authorization", basicAuthHeader(o.basicAuth.username, o.basicAuth.password));
  }
  if (o.bearerToken !== undefined) setHeader(baseHeaders, "Authorization", `Bearer ${o.bearerToken}`);
  for (const [k, v] of Object.entries(o.headers)) setHeader(baseHeaders, k, v);
  /** The alert JSON body's headers, shared by its requests (nothing downstream changes them). */
  const jsonHeaders: Readonly<Record<string, string>> = Object.freeze(
    withHeader(baseHeaders, "Content-Type", "application/json"),
  );
  /** The static URL's allow-list check passed under these rules (ctx.config is fixed per handler). */
  let checkedUnder: HandlerContext["config"]["webhook"] | undefined;

  const deliver = async (event: AlertEvent, previousLevel: Level): Promise<void> => {
    let body: string;
    let url: string;
    if (bodyTemplate === undefined && staticUrl !== undefined) {
      body = alertJsonLine(event, previousLevel);
      url = staticUrl;
    } else {
      const data = alertTemplateData(event, previousLevel);
      cur.event = event;
      try {
        body = bodyTemplate !== undefined ? bodyTemplate.execute(data) : alertJsonLine(event, previousLevel);
        url = urlTemplate.execute(data);
      } finally {
        cur.event = undefined;
      }
    }
    if (url !== staticUrl || checkedUnder !== ctx.config.webhook) {
      checkUrl(url, ctx.config.webhook);
      if (url === staticUrl) checkedUnder = ctx.config.webhook;
    }

    let headers: Record<string, string>;
    if (bodyTemplate === undefined) headers = jsonHeaders;
    else {
      headers = { ...baseHeaders };
      if (isJsonDocument(body, ctx, event) && !hasHeader(headers, "Content-Type")) {
        headers["Content-Type"] = "application/json";
      }
    }

    const res = await ctx.send.send({
      method: o.method,
      url,
      headers,
      body,
      timeoutMs,
      ...(o.tls !== undefined ? { tls: o.tls } : {}),
      delivery: deliveryMeta(ctx, event, KIND, secrets),
    });
    if (!isSuccess(res.status)) {
      const extra: Record<string, unknown> = { status: res.status, url: redactUrl(url, secrets) };
      if (o.captureResponse) extra.response = res.body;
      const why = o.captureResponse ? res.body : "use .captureResponse() to log the response body";
      logFailure(
        ctx,
        KIND,
        event,
        new TickdError(HandlerCodes.STATUS, `${o.method} returned non 2xx status code ${res.status}: ${why}`),
        "error",
        extra,
      );
    }
  };
  return new SerialHandler(ctx, KIND, deliver, { sendsOnly: true });
}

function postFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const url = argString(spec.args[0]);
  if (url !== undefined && url !== "") out.url = url;
  const endpoint = argString(lastProperty(spec, "endpoint")?.args[0]);
  if (endpoint !== undefined) out.endpoint = endpoint;
  const headers: Record<string, string> = {};
  let any = false;
  for (const p of allProperties(spec, "header")) {
    const k = argString(p.args[0]);
    const v = argString(p.args[1]);
    if (k !== undefined && v !== undefined) {
      headers[k] = v;
      any = true;
    }
  }
  if (any) out.headers = headers;
  if (lastProperty(spec, "captureResponse") !== undefined) out["capture-response"] = true;
  const timeout = lastProperty(spec, "timeout")?.args[0];
  if (timeout?.type === "duration") out.timeout = timeout.ns;
  if (lastProperty(spec, "skipSSLVerification") !== undefined) out["skip-ssl-verification"] = true;
  return out;
}

/**
 * Define/load time: a URL without template actions is checked against `[webhook]
 * allowed-hosts` now (a templated one can only be checked per event, when it is journaled).
 */
function postPreflight(o: PostOptions, config: HandlerConfig): void {
  const caFile = o.tls?.caFile;
  if (caFile !== undefined) {
    try {
      readFileSync(caFile, "utf8");
    } catch (e) {
      throw optionError(KIND, "ca-file", `cannot read ${caFile}: ${(e as Error).message}`);
    }
  }
  const ep = o.endpoint !== undefined ? config.httppost.find((e) => e.endpoint === o.endpoint) : undefined;
  const url = ep !== undefined ? ep.url : o.url;
  if (url === undefined || url.includes("{{")) return;
  try {
    checkUrl(url, config.webhook);
  } catch (e) {
    if (e instanceof TickdError) throw new TickdError(e.code, `post handler: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Kapacitor's `httppost` service test: an empty alert body POSTed to `url` with `headers`
 * (or to the `[[httppost]]` endpoint named by `endpoint` when `url` is empty).
 */
const httpPostServiceTest: ServiceTestSpec = {
  name: "httppost",
  options: () => ({
    endpoint: "example",
    url: "http://localhost:3000/",
    headers: { Auth: "secret" },
    timeout: 0,
  }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("httppost", raw);
    const url = o.string("url");
    const timeout = o.number("timeout");
    const handlerOptions: Record<string, unknown> = { headers: o.stringMap("headers") };
    if (url !== "") handlerOptions.url = url;
    else handlerOptions.endpoint = o.string("endpoint");
    if (timeout > 0) handlerOptions.timeout = timeout;
    return {
      handlerOptions,
      event: testEvent({ id: "", message: "", level: Level.OK, timeMs: nowMs }),
    };
  },
};

export const post: HandlerKind<PostOptions> = {
  kind: KIND,
  optionsSchema: postSchema,
  create: createPost,
  fromTickscript: postFromTickscript,
  secrets: ["bearer-token", "basic-auth.password"],
  preflight: postPreflight,
  serviceTest: httpPostServiceTest,
};
