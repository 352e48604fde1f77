/**
 * `opsgenie2`: Kapacitor's OpsGenie v2 handler (`services/opsgenie2`). `Content-Type:
 * application/json`, `Authorization: GenieKey <api-key>`; body = a Go map (keys sorted) + "\n".
 * The alias is the alert id in URL-safe base64, so repeats and the recovery find the alert.
 * - WARNING/CRITICAL/INFO: POST `url` with `alias`, `description` (the data as JSON, or the
 *   details with `[opsgenie2] details = true`), `details` {Level, Monitoring Tool, the first
 *   series' tags, Kapacitor Task Name}, `entity` (alert id), `message`, `note` "", `priority`
 *   P1 (CRITICAL), P3 (WARNING), P5 (INFO), and `responders` (teams, then users) when any.
 * - OK: POST `url/<alias>/<notes|close>?identifierType=alias` with `{"note": <message>}`.
 *
 * TICKscript: `.opsGenie2().teams('a', 'b').recipients('u').recoveryAction('close')`.
 */
import { posix } from "node:path";

import { goJson, goJsonLine } from "../core/go-json.js";
import { Level, levelName } from "../core/types.js";
import type { OpsGenie2Config } from "../config/types.js";
import { seriesJson } from "../alert/alert-json.js";
import { httpKind, jsonErrorMessage, tickOptions } from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";

export interface OpsGenie2Options {
  teams: string[];
  recipients: string[];
  recoveryAction: string;
}

const PRIORITY: Partial<Record<Level, string>> = {
  [Level.INFO]: "P5",
  [Level.WARNING]: "P3",
  [Level.CRITICAL]: "P1",
};

/** Go's base64.URLEncoding (padded). */
export function opsGenieAlias(id: string): string {
  return Buffer.from(id, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

const section = (all: { notifiers?: { opsgenie2: OpsGenie2Config } }): OpsGenie2Config =>
  all.notifiers?.opsgenie2 ?? {
    enabled: false,
    apiKey: "",
    teams: [],
    recipients: [],
    url: "",
    recovery_action: "notes",
    details: false,
    global: false,
  };

export const opsgenie2 = httpKind<OpsGenie2Options, OpsGenie2Config>({
  kind: "opsgenie2",
  section: "[opsgenie2]",
  keys: ["teams-list", "recipients-list", "recovery-action"],
  parse: (r) => ({
    teams: r.stringOrList("teams-list") ?? [],
    recipients: r.stringOrList("recipients-list") ?? [],
    recoveryAction: r.string("recovery-action") ?? "",
  }),
  fromTickscript: (spec) =>
    tickOptions(spec, {
      teams: ["teams-list", "strings"],
      recipients: ["recipients-list", "strings"],
      recoveryAction: ["recovery-action", "string"],
    }),
  config: (all) => section(all),
  build(event, o, c) {
    const headers = { "Content-Type": "application/json", Authorization: `GenieKey ${c.apiKey}` };
    const alias = opsGenieAlias(event.state.id);
    if (event.state.level === Level.OK) {
      const valid = (a: string): boolean => a === "close" || a === "notes";
      const action = valid(o.recoveryAction)
        ? o.recoveryAction
        : valid(c.recovery_action)
          ? c.recovery_action
          : "notes";
      const u = new URL(c.url);
      u.pathname = posix.join(u.pathname, alias, action);
      u.search = "identifierType=alias";
      return { url: u.toString(), headers, body: goJsonLine(new Map([["note", event.state.message]])) };
    }
    const result = { series: event.data.series.map(seriesJson) };
    const details = new Map<string, string>([
      ["Monitoring Tool", "Kapacitor"],
      ["Level", levelName(event.state.level)],
    ]);
    const first = event.data.series[0];
    if (first !== undefined) {
      for (const [k, v] of Object.entries(first.tags)) details.set(k, v);
      details.set("Kapacitor Task Name", first.name);
    }
    const body = new Map<string, unknown>([
      ["entity", event.state.id],
      ["alias", alias],
      ["message", event.state.message],
      ["note", ""],
      ["priority", PRIORITY[event.state.level] ?? ""],
      ["description", c.details ? event.state.details : goJson(result)],
      ["details", details],
    ]);
    const teams = o.teams.length > 0 ? o.teams : c.teams;
    const recipients = o.recipients.length > 0 ? o.recipients : c.recipients;
    const responders = [
      ...teams.map(
        (t) =>
          new Map([
            ["name", t],
            ["type", "team"],
          ]),
      ),
      ...recipients.map(
        (u) =>
          new Map([
            ["username", u],
            ["type", "user"],
          ]),
      ),
    ];
    if (responders.length > 0) body.set("responders", responders);
    return { url: c.url, headers, body: goJsonLine(body) };
  },
  staticUrl: (_o, c) => c.url,
  responseError: (status, body) => `opsgenie error: ${jsonErrorMessage("OpsGenie", "message", status, body)}`,
  serviceTest: {
    name: "opsgenie2",
    options: (all) => {
      const c = section(all);
      return {
        teams: [...c.teams],
        recipients: [...c.recipients],
        "recovery-action": c.recovery_action,
        "message-type": "CRITICAL",
        message: "test opsgenie message",
        "entity-id": "testEntityID",
      };
    },
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("opsgenie2", raw);
      const type = o.string("message-type");
      return {
        handlerOptions: {
          "teams-list": o.strings("teams"),
          "recipients-list": o.strings("recipients"),
          "recovery-action": o.string("recovery-action"),
        },
        event: testEvent({
          id: o.string("entity-id"),
          message: o.string("message"),
          level: type.toUpperCase() === "RECOVERY" ? Level.OK : o.level("message-type"),
          timeMs: nowMs,
        }),
      };
    },
  },
});
