/**
 * `opsgenie`: Kapacitor's OpsGenie v1 handler (`services/opsgenie`). One POST per event,
 * `Content-Type: application/json`, to `[opsgenie] url` + "/" (a recovery to `recovery_url`
 * + "/"); body = a Go map (keys sorted) + "\n": `alias` and `entity` (the alert id), `apiKey`,
 * `description` (the data as JSON), `details` {Level: the level or RECOVERY, Monitoring Tool:
 * Kapacitor}, `message`, `monitoring_tool` "kapacitor", `note` ("" or, on recovery, the
 * message), `recipients` and `teams` when any.
 *
 * TICKscript: `.opsGenie().teams('a').recipients('b')`.
 */
import { goJson, goJsonLine } from "../core/go-json.js";
import { Level, levelName } from "../core/types.js";
import type { OpsGenieConfig } from "../config/types.js";
import { seriesJson } from "../alert/alert-json.js";
import { httpKind, JSON_HEADERS, jsonErrorMessage, tickOptions } from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";

export interface OpsGenieOptions {
  teams: string[];
  recipients: string[];
}

const section = (all: { notifiers?: { opsgenie: OpsGenieConfig } }): OpsGenieConfig =>
  all.notifiers?.opsgenie ?? {
    enabled: false,
    apiKey: "",
    teams: [],
    recipients: [],
    url: "",
    recovery_url: "",
    global: false,
  };

export const opsgenie = httpKind<OpsGenieOptions, OpsGenieConfig>({
  kind: "opsgenie",
  section: "[opsgenie]",
  keys: ["teams-list", "recipients-list"],
  parse: (r) => ({
    teams: r.stringOrList("teams-list") ?? [],
    recipients: r.stringOrList("recipients-list") ?? [],
  }),
  fromTickscript: (spec) =>
    tickOptions(spec, { teams: ["teams-list", "strings"], recipients: ["recipients-list", "strings"] }),
  config: (all) => section(all),
  build(event, o, c) {
    const recovery = event.state.level === Level.OK;
    const messageType = recovery ? "RECOVERY" : levelName(event.state.level);
    const body = new Map<string, unknown>([
      ["apiKey", c.apiKey],
      ["entity", event.state.id],
      ["alias", event.state.id],
      ["message", event.state.message],
      ["note", recovery ? event.state.message : ""],
      ["monitoring_tool", "kapacitor"],
      [
        "details",
        new Map([
          ["Level", messageType],
          ["Monitoring Tool", "Kapacitor"],
        ]),
      ],
      ["description", goJson({ series: event.data.series.map(seriesJson) })],
    ]);
    const teams = o.teams.length > 0 ? o.teams : c.teams;
    if (teams.length > 0) body.set("teams", teams);
    const recipients = o.recipients.length > 0 ? o.recipients : c.recipients;
    if (recipients.length > 0) body.set("recipients", recipients);
    return {
      url: (recovery ? c.recovery_url : c.url) + "/",
      headers: { ...JSON_HEADERS },
      body: goJsonLine(body),
    };
  },
  staticUrl: (_o, c) => c.url + "/",
  responseError: (status, body) => jsonErrorMessage("OpsGenie", "message", status, body),
  serviceTest: {
    name: "opsgenie",
    options: (all) => {
      const c = section(all);
      return {
        teams: [...c.teams],
        recipients: [...c.recipients],
        "message-type": "CRITICAL",
        message: "test opsgenie message",
        "entity-id": "testEntityID",
      };
    },
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("opsgenie", raw);
      const type = o.string("message-type");
      return {
        handlerOptions: { "teams-list": o.strings("teams"), "recipients-list": o.strings("recipients") },
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
