/**
 * `pagerduty`: Kapacitor's PagerDuty Events API v1 handler (`services/pagerduty`). One POST per
 * event to `[pagerduty] url`, `Content-Type: application/json`, body = a Go map of strings
 * (keys sorted) + "\n": `client` "kapacitor", `client_url` (tickd's URL), `description` (the
 * message), `details` (the event details as rendered: Kapacitor's default is HTML-escaped
 * JSON; omitted when empty), `event_type` "trigger" (WARNING, CRITICAL) or "resolve" (OK),
 * `incident_key` (the alert id), `service_key`. INFO is refused, as Kapacitor does.
 *
 * TICKscript: `.pagerDuty().serviceKey('k')`.
 */
import { TickdError } from "../core/errors.js";
import { goJsonLine } from "../core/go-json.js";
import { Level } from "../core/types.js";
import type { PagerDutyConfig } from "../config/types.js";
import { httpKind, JSON_HEADERS, jsonErrorMessage, tickOptions } from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import { HandlerCodes } from "./types.js";

export interface PagerDutyOptions {
  serviceKey: string;
}

const section = (all: { notifiers?: { pagerduty: PagerDutyConfig } }): PagerDutyConfig =>
  all.notifiers?.pagerduty ?? { enabled: false, serviceKey: "", url: "", global: false };

export const pagerduty = httpKind<PagerDutyOptions, PagerDutyConfig>({
  kind: "pagerduty",
  section: "[pagerduty]",
  keys: ["service-key"],
  parse: (r) => ({ serviceKey: r.string("service-key") ?? "" }),
  fromTickscript: (spec) => tickOptions(spec, { serviceKey: ["service-key", "string"] }),
  secrets: ["service-key"],
  config: (all) => section(all),
  build(event, o, c, ctx) {
    const level = event.state.level;
    if (level === Level.INFO) {
      throw new TickdError(
        HandlerCodes.SEND,
        "AlertLevel 'info' is currently ignored by the PagerDuty service",
      );
    }
    const body = new Map<string, string>([
      ["service_key", o.serviceKey !== "" ? o.serviceKey : c.serviceKey],
      ["event_type", level === Level.OK ? "resolve" : "trigger"],
      ["description", event.state.message],
      ["incident_key", event.state.id],
      ["client", "kapacitor"],
      ["client_url", ctx.config.externalUrl ?? ""],
    ]);
    if (event.state.details !== "") body.set("details", event.state.details);
    return { url: c.url, headers: { ...JSON_HEADERS }, body: goJsonLine(body) };
  },
  staticUrl: (_o, c) => c.url,
  responseError: (status, body) => jsonErrorMessage("PagerDuty", "message", status, body),
  serviceTest: {
    name: "pagerduty",
    options: () => ({
      "incident-key": "testIncidentKey",
      description: "test pagerduty message",
      level: "CRITICAL",
      details: "",
    }),
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("pagerduty", raw);
      return {
        handlerOptions: {},
        event: testEvent({
          id: o.string("incident-key"),
          message: o.string("description"),
          level: o.level("level"),
          details: o.string("details"),
          timeMs: nowMs,
        }),
      };
    },
  },
});
