/**
 * `pagerduty2`: Kapacitor's PagerDuty Events API v2 handler (`services/pagerduty2`). One POST
 * per event to `[pagerduty2] url` with `Content-Type: application/json` and `Accept:
 * application/vnd.pagerduty+json;version=2`; body (Go struct order) + "\n":
 * - CRITICAL/WARNING/INFO: `{"routing_key","event_action":"trigger","dedup_key":<alert id>,
 *   "payload":{"summary":<message>,"source":<tag host, else "unknown">,"severity":"critical"|
 *   "warning"|"info","timestamp":<time, 9 fraction digits>,"class":<task>,"component":"",
 *   "group":"","custom_details":{"result":<data>}},"images":null,"links":<links or null>,
 *   "client":"kapacitor","client_url":<tickd's URL>}`
 * - OK: `{"routing_key","dedup_key","event_action":"resolve"}`.
 * The alert id as dedup_key makes a repeat (a retry, a replay) idempotent at PagerDuty.
 * A link's href and text are templates over the event's template data, rendered per event; a
 * link without text gets its rendered href as text (Kapacitor's handler does both).
 *
 * TICKscript: `.pagerDuty2().routingKey('k').link('https://…/{{ .TaskName }}', 'text')`;
 * `.serviceKey('k')` is Kapacitor's older name for `.routingKey('k')` (the last one wins).
 */
import { coerceError } from "../core/errors.js";
import { splitNs } from "../core/go-format.js";
import { compileTemplate, type Template } from "../core/template.js";
import { goJsonLine } from "../core/go-json.js";
import { Level } from "../core/types.js";
import type { PagerDuty2Config } from "../config/types.js";
import { seriesJson } from "../alert/alert-json.js";
import { allProperties, type HandlerSpec } from "../pipeline/task-graph.js";
import { httpKind, jsonErrorMessage } from "./http-kind.js";
import { argString, type OptionReader } from "./options.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import { eventTemplateData } from "./template-data.js";
import { formatRFC3339Nano } from "../core/go-format.js";

export interface PagerDuty2Link {
  href: string;
  text: string;
}

/** A link as templates; no text template: the rendered href is the text. */
interface LinkTemplate {
  href: Template;
  text: Template | undefined;
}

export interface PagerDuty2Options {
  routingKey: string;
  links: LinkTemplate[];
}

function template(r: OptionReader, key: string, source: string): Template {
  try {
    return compileTemplate(source, { name: key });
  } catch (e) {
    throw r.error(key, coerceError(e).message);
  }
}

/** `.routingKey()` and its older name `.serviceKey()` set one field: the last call counts. */
function routingKeyOf(spec: HandlerSpec): Record<string, unknown> {
  const last = spec.properties.filter((p) => p.name === "routingKey" || p.name === "serviceKey").at(-1);
  const key = last !== undefined ? argString(last.args[0]) : undefined;
  return key !== undefined ? { "routing-key": key } : {};
}

/** Go's "2006-01-02T15:04:05.000000000Z07:00" in UTC: always nine fraction digits. */
export function pagerDutyTimestamp(ns: bigint): string {
  const [secs, nanos] = splitNs(ns);
  const base = formatRFC3339Nano(BigInt(secs) * 1_000_000_000n).slice(0, -1);
  return `${base}.${String(nanos).padStart(9, "0")}Z`;
}

const SEVERITY: Partial<Record<Level, string>> = {
  [Level.CRITICAL]: "critical",
  [Level.WARNING]: "warning",
  [Level.INFO]: "info",
};

const section = (all: { notifiers?: { pagerduty2: PagerDuty2Config } }): PagerDuty2Config =>
  all.notifiers?.pagerduty2 ?? { enabled: false, routingKey: "", url: "", global: false };

export const pagerduty2 = httpKind<PagerDuty2Options, PagerDuty2Config>({
  kind: "pagerduty2",
  section: "[pagerduty2]",
  keys: ["routing-key", "links"],
  parse(r) {
    const raw = r.value("links");
    const links: LinkTemplate[] = [];
    if (raw !== undefined) {
      if (!Array.isArray(raw)) throw r.error("links", "expected a list of {href, text}");
      raw.forEach((l: unknown, i) => {
        const o = l as Record<string, unknown> | null;
        if (o === null || typeof o !== "object" || typeof o.href !== "string")
          throw r.error(`links[${i}]`, "expected {href, text}");
        const text = typeof o.text === "string" && o.text !== "" ? o.text : undefined;
        links.push({
          href: template(r, `links[${i}].href`, o.href),
          text: text !== undefined ? template(r, `links[${i}].text`, text) : undefined,
        });
      });
    }
    return { routingKey: r.string("routing-key") ?? "", links };
  },
  fromTickscript(spec) {
    const out = routingKeyOf(spec);
    const links = allProperties(spec, "link").map((p) => ({
      href: argString(p.args[0]) ?? "",
      text: argString(p.args[1]) ?? "",
    }));
    if (links.length > 0) out.links = links;
    return out;
  },
  secrets: ["routing-key"],
  config: (all) => section(all),
  build(event, o, c, ctx) {
    const routingKey = o.routingKey !== "" ? o.routingKey : c.routingKey;
    const headers = {
      "Content-Type": "application/json",
      Accept: "application/vnd.pagerduty+json;version=2",
    };
    const severity = SEVERITY[event.state.level];
    if (severity === undefined) {
      return {
        url: c.url,
        headers,
        body: goJsonLine({ routing_key: routingKey, dedup_key: event.state.id, event_action: "resolve" }),
      };
    }
    const td = o.links.length > 0 ? eventTemplateData(event) : undefined;
    const links: PagerDuty2Link[] = o.links.map((l) => {
      const href = l.href.execute(td);
      return { href, text: l.text !== undefined ? l.text.execute(td) : href };
    });
    const host = event.data.tags.host;
    const body = {
      routing_key: routingKey,
      event_action: "trigger",
      dedup_key: event.state.id,
      payload: {
        summary: event.state.message,
        source: host !== undefined ? host : "unknown",
        severity,
        timestamp: pagerDutyTimestamp(event.state.time),
        class: event.data.taskName,
        component: "",
        group: "",
        custom_details: new Map([["result", { series: event.data.series.map(seriesJson) }]]),
      },
      images: null,
      links: links.length > 0 ? links : null,
      client: "kapacitor",
      client_url: ctx.config.externalUrl ?? "",
    };
    return { url: c.url, headers, body: goJsonLine(body) };
  },
  staticUrl: (_o, c) => c.url,
  responseError: (status, body) => jsonErrorMessage("PagerDuty2", "message", status, body),
  serviceTest: {
    name: "pagerduty2",
    options: () => ({
      "incident-key": "testIncidentKey",
      description: "test pagerduty2 message",
      level: "CRITICAL",
      timestamp: "2014-11-12T11:45:26.371Z",
    }),
    prepare(raw) {
      const o = new TestOptions("pagerduty2", raw);
      const ms = Date.parse(o.string("timestamp"));
      return {
        handlerOptions: {},
        event: testEvent({
          id: o.string("incident-key"),
          message: o.string("description"),
          level: o.level("level"),
          timeMs: Number.isNaN(ms) ? 0 : ms,
          name: "testPagerDuty2",
        }),
      };
    },
  },
});
