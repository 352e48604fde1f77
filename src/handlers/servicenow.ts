/**
 * `servicenow`: Kapacitor's ServiceNow handler (`services/servicenow`). One POST per event to
 * the handler's `url`, else `[servicenow] url` (the event management web service,
 * `…/api/global/em/jsonv2`), `Content-Type: application/json`, HTTP Basic auth when the
 * section has a username and password (a handler's own pair wins). Body = json.Marshal (no
 * trailing newline) of `{"records":[{"source","node","type","resource","metric_name",
 * "message_key","severity","description","additional_info"}]}` in that order, empty ones
 * left out but `source`: source is the handler's else the section's (100 bytes), node, type,
 * resource, metric_name (templates over `.ID .Name .TaskName .Tags .Fields`, 100 bytes),
 * message_key (template, default the alert id, 1024 bytes), severity "1" CRITICAL, "4"
 * WARNING, "5" OK and INFO, description the message (4000 bytes), additional_info the JSON of
 * the handler's `additional_info` map (values templates). Kapacitor waits for 200 OK; tickd
 * takes any 2xx as sent.
 *
 * TICKscript: `.serviceNow().source('s').node('{{ index .Tags "host" }}').type('CPU')
 * .resource('r').metricName('usage').messageKey('{{ .ID }}').additionalInfo('k', 'v')`.
 */
import { coerceError } from "../core/errors.js";
import { goJson } from "../core/go-json.js";
import { goMap, stringMap } from "../core/go-format.js";
import { compileTemplate, type Template } from "../core/template.js";
import { Level } from "../core/types.js";
import type { ServiceNowConfig } from "../config/types.js";
import type { AlertEvent } from "../core/alert-event.js";
import { allProperties } from "../pipeline/task-graph.js";
import { basicAuthHeader } from "./http.js";
import { httpKind, JSON_HEADERS, jsonErrorMessage, tickOptions } from "./http-kind.js";
import { argString, type OptionReader } from "./options.js";
import { TestOptions, testEvent } from "./service-test-event.js";

export interface ServiceNowOptions {
  url: string;
  username: string;
  password: string;
  source: string;
  node: Template | undefined;
  type: Template | undefined;
  resource: Template | undefined;
  metricName: Template | undefined;
  messageKey: Template | undefined;
  additionalInfo: [string, Template][];
}

function template(r: OptionReader, key: string): Template | undefined {
  const source = r.string(key) ?? "";
  if (source === "") return undefined;
  try {
    return compileTemplate(source, { name: key });
  } catch (e) {
    throw r.error(key, coerceError(e).message);
  }
}

/** Go's `text[:min(max, len(text))]`: a byte cut (a split character becomes U+FFFD when sent). */
export function cutBytes(text: string, max: number): string {
  const b = Buffer.from(text, "utf8");
  return b.length <= max ? text : b.subarray(0, max).toString("utf8");
}

function severity(level: Level): string {
  if (level === Level.CRITICAL) return "1";
  if (level === Level.WARNING) return "4";
  return "5";
}

/** The data ServiceNow's templates see. */
function dataInfo(e: AlertEvent): Record<string, unknown> {
  return {
    ID: e.state.id,
    Name: e.data.name,
    TaskName: e.data.taskName,
    Fields: goMap(e.data.fields),
    Tags: stringMap(e.data.tags),
  };
}

const section = (all: { notifiers?: { servicenow?: ServiceNowConfig } }): ServiceNowConfig =>
  all.notifiers?.servicenow ?? {
    enabled: false,
    url: "",
    source: "",
    username: "",
    password: "",
    global: false,
    stateChangesOnly: false,
  };

export const servicenow = httpKind<ServiceNowOptions, ServiceNowConfig>({
  kind: "servicenow",
  section: "[servicenow]",
  keys: [
    "url",
    "username",
    "password",
    "source",
    "node",
    "type",
    "resource",
    "metricName",
    "messageKey",
    "additional_info",
  ],
  parse(r) {
    const info = r.value("additional_info");
    if (info !== undefined && (typeof info !== "object" || Array.isArray(info)))
      throw r.error("additional_info", "expected a map");
    const additionalInfo: [string, Template][] = Object.entries(
      (info as Record<string, unknown> | undefined) ?? {},
    ).map(([k, v]) => {
      // Kapacitor renders strings as templates and prints other values with %v.
      const text = typeof v === "string" ? v : String(v);
      try {
        return [k, compileTemplate(text, { name: `additional_info.${k}` })];
      } catch (e) {
        throw r.error(`additional_info.${k}`, coerceError(e).message);
      }
    });
    return {
      url: r.string("url") ?? "",
      username: r.string("username") ?? "",
      password: r.string("password") ?? "",
      source: r.string("source") ?? "",
      node: template(r, "node"),
      type: template(r, "type"),
      resource: template(r, "resource"),
      metricName: template(r, "metricName"),
      messageKey: template(r, "messageKey"),
      additionalInfo,
    };
  },
  fromTickscript(spec) {
    const out = tickOptions(spec, {
      source: ["source", "string"],
      node: ["node", "string"],
      type: ["type", "string"],
      resource: ["resource", "string"],
      metricName: ["metricName", "string"],
      messageKey: ["messageKey", "string"],
    });
    const info: Record<string, string> = {};
    for (const p of allProperties(spec, "additionalInfo")) {
      const k = argString(p.args[0]);
      const a = p.args[1];
      if (k === undefined || a === undefined) continue;
      info[k] =
        a.type === "string"
          ? a.value
          : a.type === "int" || a.type === "float" || a.type === "bool"
            ? String(a.value)
            : "";
    }
    if (Object.keys(info).length > 0) out.additional_info = info;
    return out;
  },
  secrets: ["password"],
  config: (all) => section(all),
  build(event, o, c) {
    const td = dataInfo(event);
    const render = (t: Template | undefined): string => t?.execute(td) ?? "";
    const source = o.source !== "" ? o.source : c.source;
    let messageKey = render(o.messageKey);
    if (messageKey === "") messageKey = event.state.id;
    let additionalInfo = "";
    if (o.additionalInfo.length > 0) {
      additionalInfo = goJson(new Map(o.additionalInfo.map(([k, t]) => [k, t.execute(td)])));
    }
    const record: Record<string, string | undefined> = {
      source: cutBytes(source, 100),
      node: cutBytes(render(o.node), 100) || undefined,
      type: cutBytes(render(o.type), 100) || undefined,
      resource: cutBytes(render(o.resource), 100) || undefined,
      metric_name: cutBytes(render(o.metricName), 100) || undefined,
      message_key: cutBytes(messageKey, 1024) || undefined,
      severity: severity(event.state.level),
      description: cutBytes(event.state.message, 4000) || undefined,
      additional_info: additionalInfo || undefined,
    };
    const headers: Record<string, string> = { ...JSON_HEADERS };
    const user = o.username !== "" ? o.username : c.username;
    const password = o.password !== "" ? o.password : c.password;
    if (user !== "" && password !== "") headers.Authorization = basicAuthHeader(user, password);
    return {
      url: o.url !== "" ? o.url : c.url,
      headers,
      body: goJson({ records: [record] }),
    };
  },
  staticUrl: (o, c) => (o.url !== "" ? o.url : c.url),
  responseError: (status, body) => jsonErrorMessage("ServiceNow", "error", status, body),
  serviceTest: {
    name: "servicenow",
    options: () => ({
      alert_id: "id",
      source: "Kapacitor",
      level: "CRITICAL",
      message: "test servicenow alert",
    }),
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("servicenow", raw);
      return {
        handlerOptions: { source: o.string("source") },
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
