/**
 * `alerta`: Kapacitor's Alerta handler (`services/alerta`). One POST per event to
 * `<[alerta] url>/alert` with `Content-Type: application/json` and `Authorization: <prefix>
 * <token>` (prefix "Bearer" unless set; token and prefix from the handler, else the section).
 * Body: a Go map (keys sorted) + "\n": `attributes` (when given), `correlate` (default [Name]),
 * `environment`, `event` (default {{ .ID }}), `group` (default {{ .Group }}), `origin`,
 * `rawData` (the result, `{"series":[…]}`), `resource` (default {{ .Name }}), `service`
 * (default [Name]), `severity` (ok, informational, warning, critical, renamed by
 * `rename-severities`), `tags` (["k=v", …], sorted), `text` (the message), `timeout` (seconds,
 * default 24h), `value`. Resource, event, environment, group, value, service and correlate
 * are templates over the event (`.ID .Name .TaskName .Group .Tags .Fields …`). Kapacitor
 * waits for 201 Created; tickd takes any 2xx as sent.
 *
 * TICKscript: `.alerta().resource('{{ .Name }}').event('{{ .ID }}').environment('prod')
 * .group('g').value('v').origin('o').services('a', 'b').correlated('x').timeout(1h)
 * .token('t').tokenPrefix('Key').renameSeverity('crit', 'major').attribute('k', 'v')`.
 */
import { seriesJson } from "../alert/alert-json.js";
import { coerceError, TickdError } from "../core/errors.js";
import { parseGoDuration } from "../core/go-format.js";
import { goJsonLine } from "../core/go-json.js";
import { compileTemplate, type Template } from "../core/template.js";
import { Level } from "../core/types.js";
import type { AlertaConfig } from "../config/types.js";
import { allProperties, type ArgValue } from "../pipeline/task-graph.js";
import { httpKind, jsonErrorMessage, tickOptions } from "./http-kind.js";
import { argString, type OptionReader } from "./options.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import { eventTemplateData } from "./template-data.js";
import { HandlerCodes } from "./types.js";

const DAY_NS = 24 * 3600 * 1e9;

function goDurationOrZero(s: string): number {
  try {
    return parseGoDuration(s);
  } catch {
    return 0;
  }
}

export interface AlertaOptions {
  token: string;
  tokenPrefix: string;
  resource: Template;
  event: Template;
  environment: Template;
  group: Template;
  value: Template;
  origin: string;
  service: Template[];
  correlate: Template[];
  timeoutNs: number;
  renameSeverities: Record<string, string>;
  attributes: Record<string, unknown>;
}

const SEVERITY: Record<Level, [name: string, key: string]> = {
  [Level.OK]: ["ok", "ok"],
  [Level.INFO]: ["informational", "info"],
  [Level.WARNING]: ["warning", "warn"],
  [Level.CRITICAL]: ["critical", "crit"],
};

function template(r: OptionReader, key: string, source: string): Template {
  try {
    return compileTemplate(source, { name: key });
  } catch (e) {
    throw r.error(key, coerceError(e).message);
  }
}

function parse(r: OptionReader): AlertaOptions {
  const attributes = r.value("attributes");
  if (attributes !== undefined && (typeof attributes !== "object" || Array.isArray(attributes)))
    throw r.error("attributes", "expected a map");
  const list = (key: string): Template[] =>
    (r.stringOrList(key) ?? []).map((s, i) => template(r, `${key}[${i}]`, s));
  return {
    token: r.string("token") ?? "",
    tokenPrefix: r.string("token-prefix") ?? "",
    resource: template(r, "resource", r.string("resource") || "{{ .Name }}"),
    event: template(r, "event", r.string("event") || "{{ .ID }}"),
    environment: template(r, "environment", r.string("environment") ?? ""),
    group: template(r, "group", r.string("group") || "{{ .Group }}"),
    value: template(r, "value", r.string("value") ?? ""),
    origin: r.string("origin") ?? "",
    service: list("service"),
    correlate: list("correlate"),
    timeoutNs: r.duration("timeout") ?? DAY_NS,
    renameSeverities: r.stringMap("rename-severities") ?? {},
    attributes: (attributes as Record<string, unknown> | undefined) ?? {},
  };
}

/** `.attribute('k', v)`: the value as TICKscript wrote it (string, number or bool). */
function argValue(a: ArgValue | undefined): unknown {
  if (a === undefined) return undefined;
  if (a.type === "string" || a.type === "bool" || a.type === "float") return a.value;
  if (a.type === "int") return Number(a.value);
  return undefined;
}

const section = (all: { notifiers?: { alerta?: AlertaConfig } }): AlertaConfig =>
  all.notifiers?.alerta ?? {
    enabled: false,
    url: "",
    insecureSkipVerify: false,
    token: "",
    tokenPrefix: "",
    environment: "",
    origin: "",
  };

/** `<url>/alert`, as Go's path.Join on the URL's path. */
function alertUrl(base: string): string {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new TickdError(
      HandlerCodes.OPTIONS,
      `alerta handler: invalid [alerta] url ${JSON.stringify(base)}`,
    );
  }
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/alert`;
  return u.toString();
}

export const alerta = httpKind<AlertaOptions, AlertaConfig>({
  kind: "alerta",
  section: "[alerta]",
  keys: [
    "token",
    "token-prefix",
    "resource",
    "event",
    "environment",
    "group",
    "value",
    "origin",
    "service",
    "correlate",
    "timeout",
    "rename-severities",
    "attributes",
  ],
  parse,
  fromTickscript(spec) {
    const out = tickOptions(spec, {
      token: ["token", "string"],
      tokenPrefix: ["token-prefix", "string"],
      resource: ["resource", "string"],
      event: ["event", "string"],
      environment: ["environment", "string"],
      group: ["group", "string"],
      value: ["value", "string"],
      origin: ["origin", "string"],
      services: ["service", "strings"],
      service: ["service", "strings"],
      correlated: ["correlate", "strings"],
      correlate: ["correlate", "strings"],
      timeout: ["timeout", "duration"],
    });
    const renames: Record<string, string> = {};
    for (const p of allProperties(spec, "renameSeverity")) {
      const from = argString(p.args[0]);
      const to = argString(p.args[1]);
      if (from !== undefined && to !== undefined) renames[from] = to;
    }
    if (Object.keys(renames).length > 0) out["rename-severities"] = renames;
    const attributes: Record<string, unknown> = {};
    for (const p of allProperties(spec, "attribute")) {
      const k = argString(p.args[0]);
      if (k !== undefined) attributes[k] = argValue(p.args[1]);
    }
    if (Object.keys(attributes).length > 0) out.attributes = attributes;
    return out;
  },
  secrets: ["token"],
  config: (all) => section(all),
  build(event, o, c) {
    const td = eventTemplateData(event);
    const [name, key] = SEVERITY[event.state.level];
    const severity = o.renameSeverities[key] ?? name;
    const environment = o.environment.execute(td);
    const many = (ts: Template[]): string[] =>
      ts.length === 0 ? [event.data.name] : ts.map((t) => t.execute(td));
    const tags = Object.entries(event.data.tags)
      .map(([k, v]) => `${k}=${v}`)
      .sort();
    const body = new Map<string, unknown>([
      ["resource", o.resource.execute(td)],
      ["event", o.event.execute(td)],
      ["environment", environment !== "" ? environment : c.environment],
      ["severity", severity],
      ["group", o.group.execute(td)],
      ["value", o.value.execute(td)],
      ["text", event.state.message],
      ["origin", o.origin !== "" ? o.origin : c.origin],
      ["rawData", { series: event.data.series.length > 0 ? event.data.series.map(seriesJson) : null }],
      ["service", many(o.service)],
      ["correlate", many(o.correlate)],
      ["timeout", BigInt(Math.trunc(o.timeoutNs / 1e9))],
      ["tags", tags],
    ]);
    if (Object.keys(o.attributes).length > 0) body.set("attributes", new Map(Object.entries(o.attributes)));
    const resource = body.get("resource");
    if (resource === "" || body.get("event") === "")
      throw new TickdError(HandlerCodes.OPTIONS, "Resource and Event are required to send an alert");
    const token = o.token !== "" ? o.token : c.token;
    const prefix = o.tokenPrefix !== "" ? o.tokenPrefix : c.tokenPrefix !== "" ? c.tokenPrefix : "Bearer";
    return {
      url: alertUrl(c.url),
      headers: { Authorization: `${prefix} ${token}`, "Content-Type": "application/json" },
      body: goJsonLine(body),
    };
  },
  staticUrl: (_o, c) => (c.url !== "" ? alertUrl(c.url) : undefined),
  responseError: (status, body) => jsonErrorMessage("Alerta", "message", status, body),
  serviceTest: {
    name: "alerta",
    options: (all) => ({
      resource: "testResource",
      event: "testEvent",
      environment: section(all).environment,
      severity: "critical",
      group: "testGroup",
      value: "testValue",
      message: "test alerta message",
      origin: section(all).origin,
      service: ["testServiceA", "testServiceB"],
      correlate: ["testServiceX", "testServiceY"],
      timeout: "24h0m0s",
    }),
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("alerta", raw);
      const severity = o.string("severity");
      const levels = [Level.OK, Level.INFO, Level.WARNING, Level.CRITICAL];
      const level = levels.find((l) => SEVERITY[l][0] === severity) ?? Level.CRITICAL;
      const rename = severity !== SEVERITY[level][0] ? { [SEVERITY[level][1]]: severity } : {};
      return {
        handlerOptions: {
          resource: o.string("resource"),
          event: o.string("event"),
          environment: o.string("environment"),
          group: o.string("group"),
          value: o.string("value"),
          origin: o.string("origin"),
          service: o.strings("service"),
          correlate: o.strings("correlate"),
          // Kapacitor ignores a timeout it cannot parse (0s).
          timeout: goDurationOrZero(o.string("timeout")),
          "rename-severities": rename,
        },
        event: testEvent({
          id: "test",
          message: o.string("message"),
          level,
          timeMs: nowMs,
        }),
      };
    },
  },
});
