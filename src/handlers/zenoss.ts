/**
 * `zenoss`: Kapacitor's Zenoss handler (`services/zenoss`). One POST per event to the
 * handler's `url`, else `[zenoss] url` (the events router), `Content-Type: application/json`,
 * HTTP Basic auth when the section has a username and password (a handler's own pair wins).
 * Body = json.Marshal (no trailing newline) of the router call `{"action","method","data":[…],
 * "type","tid"}` (handler values, else the section's): `data` holds one map (keys sorted):
 * `collector` (handler template, else the section's; left out when empty), `component`,
 * `device`, `evclass`, `evclasskey`, `message` (4096 bytes; left out when empty), `severity`
 * (`[zenoss] severity-map` for the level), `summary` (template, default the alert message,
 * 256 bytes), plus the handler's `customField` entries (strings are templates; one that reads
 * as a JSON object or list is sent as that JSON). Templates see `.ID .Name .TaskName .Message
 * .Details .Time .Duration .Level .Recoverable .Tags`. Kapacitor waits for 200 OK; tickd takes
 * any 2xx as sent.
 *
 * TICKscript: `.zenoss().action('EventsRouter').method('add_event').type('rpc').tid(1)
 * .summary('s').device('{{ index .Tags "host" }}').component('c').evclasskey('k')
 * .evclass('/App').collector('c').message('m').customField('k', 'v')`.
 */
import { coerceError } from "../core/errors.js";
import { GoDuration, GoTime, stringMap } from "../core/go-format.js";
import { goJson } from "../core/go-json.js";
import { compileTemplate, type Template } from "../core/template.js";
import { Level, levelName } from "../core/types.js";
import type { AlertEvent } from "../core/alert-event.js";
import type { ZenossConfig } from "../config/types.js";
import { allProperties, lastProperty } from "../pipeline/task-graph.js";
import { basicAuthHeader } from "./http.js";
import { httpKind, JSON_HEADERS, jsonErrorMessage, tickOptions } from "./http-kind.js";
import { argInt, argString, type OptionReader } from "./options.js";
import { cutBytes } from "./servicenow.js";
import { TestOptions, testEvent } from "./service-test-event.js";

const TEMPLATE_KEYS = [
  "summary",
  "device",
  "component",
  "evclasskey",
  "evclass",
  "collector",
  "message",
] as const;
type TemplateKey = (typeof TEMPLATE_KEYS)[number];

export interface ZenossOptions {
  url: string;
  username: string;
  password: string;
  action: string;
  method: string;
  type: string;
  tid: number;
  templates: Partial<Record<TemplateKey, Template>>;
  /** Strings are templates; other values are sent as they are. */
  customFields: [string, Template | unknown][];
}

function compile(r: OptionReader, key: string, source: string): Template {
  try {
    return compileTemplate(source, { name: key });
  } catch (e) {
    throw r.error(key, coerceError(e).message);
  }
}

/** What Zenoss's templates see. */
function info(e: AlertEvent): Record<string, unknown> {
  return {
    Name: e.data.name,
    TaskName: e.data.taskName,
    ID: e.state.id,
    Message: e.state.message,
    Details: e.state.details,
    Time: new GoTime(e.state.time),
    Duration: new GoDuration(e.state.duration),
    Level: levelName(e.state.level),
    Recoverable: e.data.recoverable,
    Tags: stringMap(e.data.tags),
  };
}

/** A decoded JSON value as Go's interface{} encodes it again: objects become maps (keys sorted). */
function asGoValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(asGoValue);
  if (v !== null && typeof v === "object")
    return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, asGoValue(x)]));
  return v;
}

function customValue(text: string): unknown {
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      return asGoValue(JSON.parse(text));
    } catch {
      // not JSON after all: the text
    }
  }
  return text;
}

const SEVERITY_KEY: Record<Level, "OK" | "Info" | "Warning" | "Critical"> = {
  [Level.OK]: "OK",
  [Level.INFO]: "Info",
  [Level.WARNING]: "Warning",
  [Level.CRITICAL]: "Critical",
};

const section = (all: { notifiers?: { zenoss?: ZenossConfig } }): ZenossConfig =>
  all.notifiers?.zenoss ?? {
    enabled: false,
    url: "",
    username: "",
    password: "",
    action: "",
    method: "",
    type: "",
    tid: 0,
    collector: "",
    severityMap: { OK: "Clear", Info: "Info", Warning: "Warning", Critical: "Critical" },
    global: false,
    stateChangesOnly: false,
  };

export const zenoss = httpKind<ZenossOptions, ZenossConfig>({
  kind: "zenoss",
  section: "[zenoss]",
  keys: ["url", "username", "password", "action", "method", "type", "tid", ...TEMPLATE_KEYS, "customField"],
  parse(r) {
    const templates: Partial<Record<TemplateKey, Template>> = {};
    for (const k of TEMPLATE_KEYS) {
      const s = r.string(k) ?? "";
      if (s !== "") templates[k] = compile(r, k, s);
    }
    const tid = r.value("tid");
    if (tid !== undefined && (typeof tid !== "number" || !Number.isInteger(tid)))
      throw r.error("tid", "expected an integer");
    const custom = r.value("customField");
    if (custom !== undefined && (typeof custom !== "object" || Array.isArray(custom)))
      throw r.error("customField", "expected a map");
    return {
      url: r.string("url") ?? "",
      username: r.string("username") ?? "",
      password: r.string("password") ?? "",
      action: r.string("action") ?? "",
      method: r.string("method") ?? "",
      type: r.string("type") ?? "",
      tid: (tid as number | undefined) ?? 0,
      templates,
      customFields: Object.entries((custom as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [
        k,
        typeof v === "string" ? compile(r, `customField.${k}`, v) : v,
      ]),
    };
  },
  fromTickscript(spec) {
    const out = tickOptions(spec, {
      action: ["action", "string"],
      method: ["method", "string"],
      type: ["type", "string"],
      summary: ["summary", "string"],
      device: ["device", "string"],
      component: ["component", "string"],
      evclasskey: ["evclasskey", "string"],
      evclass: ["evclass", "string"],
      collector: ["collector", "string"],
      message: ["message", "string"],
    });
    const tid = argInt(lastProperty(spec, "tid")?.args[0]);
    if (tid !== undefined) out.tid = tid;
    const custom: Record<string, unknown> = {};
    for (const p of allProperties(spec, "customField")) {
      const k = argString(p.args[0]);
      const a = p.args[1];
      if (k === undefined || a === undefined) continue;
      if (a.type === "string" || a.type === "bool" || a.type === "float") custom[k] = a.value;
      else if (a.type === "int") custom[k] = Number(a.value);
    }
    if (Object.keys(custom).length > 0) out.customField = custom;
    return out;
  },
  secrets: ["password"],
  config: (all) => section(all),
  build(event, o, c) {
    const td = info(event);
    const render = (k: TemplateKey): string => o.templates[k]?.execute(td) ?? "";
    let summary = render("summary");
    if (summary === "") summary = event.state.message;
    let collector = render("collector");
    if (collector === "") collector = c.collector;
    const message = cutBytes(render("message"), 4096);
    const data = new Map<string, unknown>([
      ["summary", cutBytes(summary, 256)],
      ["device", render("device")],
      ["component", render("component")],
      ["severity", c.severityMap[SEVERITY_KEY[event.state.level]]],
      ["evclasskey", render("evclasskey")],
      ["evclass", render("evclass")],
    ]);
    if (collector !== "") data.set("collector", collector);
    if (message !== "") data.set("message", message);
    for (const [k, v] of o.customFields) {
      if (v !== null && typeof v === "object" && "execute" in v)
        data.set(k, customValue((v as Template).execute(td)));
      else data.set(k, v);
    }
    const headers: Record<string, string> = { ...JSON_HEADERS };
    const user = o.username !== "" ? o.username : c.username;
    const password = o.password !== "" ? o.password : c.password;
    if (user !== "" && password !== "") headers.Authorization = basicAuthHeader(user, password);
    const body = {
      action: o.action !== "" ? o.action : c.action,
      method: o.method !== "" ? o.method : c.method,
      data: [data],
      type: o.type !== "" ? o.type : c.type,
      tid: BigInt(o.tid !== 0 ? o.tid : c.tid),
    };
    return { url: o.url !== "" ? o.url : c.url, headers, body: goJson(body) };
  },
  staticUrl: (o, c) => (o.url !== "" ? o.url : c.url),
  responseError: (status, body) => jsonErrorMessage("Zenoss", "error", status, body),
  serviceTest: {
    name: "zenoss",
    options(all) {
      const c = section(all);
      return {
        alert_id: "1001",
        level: "CRITICAL",
        message: "test zenoss message",
        action: c.action,
        method: c.method,
        type: c.type,
        tid: c.tid,
        summary: "",
        device: "",
        component: "",
        event_class_key: "",
        event_class: "",
        collector: c.collector,
        custom_fields: {},
      };
    },
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("zenoss", raw);
      const custom = raw.custom_fields;
      return {
        handlerOptions: {
          action: o.string("action"),
          method: o.string("method"),
          type: o.string("type"),
          tid: o.number("tid"),
          summary: o.string("summary"),
          device: o.string("device"),
          component: o.string("component"),
          evclasskey: o.string("event_class_key"),
          evclass: o.string("event_class"),
          collector: o.string("collector"),
          ...(custom !== null && typeof custom === "object" && !Array.isArray(custom)
            ? { customField: custom }
            : {}),
        },
        event: testEvent({
          id: o.string("alert_id"),
          message: o.string("message"),
          level: o.level("level"),
          timeMs: nowMs,
        }),
      };
    },
  },
});
