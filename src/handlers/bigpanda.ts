/**
 * `bigpanda`: Kapacitor's BigPanda handler (`services/bigpanda`). One POST per event to
 * `[bigpanda] url` with `Content-Type: application/json` and `Authorization: Bearer <token>`;
 * body = Go's json.Marshal of a map (keys sorted, no trailing newline): `app_key` (the
 * handler's, else the section's), `check` (the alert id), `description` (the message),
 * `details` (the details, HTML-unescaped, unless they are Kapacitor's default JSON blob),
 * `status` (ok for OK and INFO, warning, critical), `task` ("<task>:<measurement>"),
 * `timestamp` (Unix seconds), `primary_property`, `secondary_property` and `host` when given,
 * then the event's tags and fields as string attributes (`[bigpanda] auto-attributes`:
 * "tags,fields" by default) and the handler's `attributes` (templates). Kapacitor waits for
 * 201 Created; tickd takes any 2xx as sent.
 *
 * TICKscript: `.bigPanda().appKey('k').primaryProperty('host').secondaryProperty('check')
 * .host('{{ index .Tags "host" }}').attribute('link', 'https://…/{{ .ID }}')`.
 */
import { coerceError } from "../core/errors.js";
import { formatGoValue } from "../core/go-format.js";
import { goJson } from "../core/go-json.js";
import { compileTemplate, type Template } from "../core/template.js";
import { Level } from "../core/types.js";
import type { BigPandaConfig } from "../config/types.js";
import { allProperties } from "../pipeline/task-graph.js";
import { httpKind, JSON_HEADERS, jsonErrorMessage, tickOptions } from "./http-kind.js";
import { argString, type OptionReader } from "./options.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import { eventTemplateData } from "./template-data.js";
import { splitNs } from "../core/go-format.js";

export interface BigPandaOptions {
  appKey: string;
  primaryProperty: string;
  secondaryProperty: string;
  host: Template | undefined;
  attributes: [string, Template][];
}

function template(r: OptionReader, key: string, source: string): Template {
  try {
    return compileTemplate(source, { name: key });
  } catch (e) {
    throw r.error(key, coerceError(e).message);
  }
}

function status(level: Level): string {
  if (level === Level.WARNING) return "warning";
  if (level === Level.CRITICAL) return "critical";
  return "ok";
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Go's html.UnescapeString for the entities html/template writes (and numeric ones). */
export function htmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (all, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? all;
  });
}

/** A field value as a BigPanda attribute: strings as they are, lists and maps as JSON, else Go's %v. */
function attributeText(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v) || (v !== null && typeof v === "object")) return goJson(v);
  return formatGoValue(v);
}

const section = (all: { notifiers?: { bigpanda?: BigPandaConfig } }): BigPandaConfig =>
  all.notifiers?.bigpanda ?? {
    enabled: false,
    global: false,
    appKey: "",
    token: "",
    stateChangesOnly: false,
    insecureSkipVerify: false,
    url: "",
    autoAttributes: "",
  };

export const bigpanda = httpKind<BigPandaOptions, BigPandaConfig>({
  kind: "bigpanda",
  section: "[bigpanda]",
  keys: ["app-key", "primary-property", "secondary-property", "host", "attributes"],
  parse(r) {
    const host = r.string("host") ?? "";
    return {
      appKey: r.string("app-key") ?? "",
      primaryProperty: r.string("primary-property") ?? "",
      secondaryProperty: r.string("secondary-property") ?? "",
      host: host !== "" ? template(r, "host", host) : undefined,
      attributes: Object.entries(r.stringMap("attributes") ?? {}).map(([k, v]) => [
        k,
        template(r, `attributes.${k}`, v),
      ]),
    };
  },
  fromTickscript(spec) {
    const out = tickOptions(spec, {
      appKey: ["app-key", "string"],
      primaryProperty: ["primary-property", "string"],
      secondaryProperty: ["secondary-property", "string"],
      host: ["host", "string"],
    });
    const attributes: Record<string, string> = {};
    for (const p of allProperties(spec, "attribute")) {
      const k = argString(p.args[0]);
      const v = argString(p.args[1]);
      if (k !== undefined && v !== undefined) attributes[k] = v;
    }
    if (Object.keys(attributes).length > 0) out.attributes = attributes;
    return out;
  },
  config: (all) => section(all),
  build(event, o, c) {
    const body = new Map<string, unknown>();
    if (event.state.message !== "") body.set("description", event.state.message);
    if (event.state.details !== "") {
      // Kapacitor's default details are the whole event as JSON: not a description.
      const details = htmlUnescape(event.state.details);
      if (!details.startsWith("{")) body.set("details", details);
    }
    if (event.state.id !== "") body.set("check", event.state.id);
    body.set("task", `${event.data.taskName}:${event.data.name}`);
    body.set("timestamp", BigInt(splitNs(event.state.time)[0]));
    body.set("status", status(event.state.level));
    body.set("app_key", o.appKey !== "" ? o.appKey : c.appKey);
    if (o.primaryProperty !== "") body.set("primary_property", o.primaryProperty);
    if (o.secondaryProperty !== "") body.set("secondary_property", o.secondaryProperty);
    const auto = new Set(c.autoAttributes.split(",").map((s) => s.trim()));
    if (auto.has("tags")) for (const [k, v] of Object.entries(event.data.tags)) body.set(k, v);
    if (auto.has("fields"))
      for (const [k, v] of Object.entries(event.data.fields)) body.set(k, attributeText(v));
    const td = eventTemplateData(event);
    if (o.host !== undefined) body.set("host", o.host.execute(td));
    for (const [k, t] of o.attributes) body.set(k, t.execute(td));
    return {
      url: c.url,
      headers: { Authorization: `Bearer ${c.token}`, ...JSON_HEADERS },
      body: goJson(body),
    };
  },
  staticUrl: (_o, c) => c.url,
  responseError: (status, body) => jsonErrorMessage("BigPanda", "error", status, body),
  serviceTest: {
    name: "bigpanda",
    options: () => ({
      app_key: "my-app-key-123456",
      message: "test bigpanda message",
      level: "CRITICAL",
      event_data: { Name: "testBigPanda", TaskName: "", Group: "", Tags: {}, Fields: {}, Result: {} },
      timestamp: "1970-01-01T00:00:01Z",
    }),
    prepare(raw) {
      const o = new TestOptions("bigpanda", raw);
      const data = (raw.event_data ?? {}) as Record<string, unknown>;
      const ms = Date.parse(o.string("timestamp"));
      return {
        handlerOptions: { "app-key": o.string("app_key") },
        event: testEvent({
          id: "",
          message: o.string("message"),
          level: o.level("level"),
          timeMs: Number.isNaN(ms) ? 0 : ms,
          name: typeof data.Name === "string" ? data.Name : "",
          taskName: typeof data.TaskName === "string" ? data.TaskName : "",
          tags: (data.Tags as Record<string, string> | undefined) ?? {},
        }),
      };
    },
  },
});
