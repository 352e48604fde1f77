/**
 * `teams`: Kapacitor's Microsoft Teams handler (`services/teams`). One POST per event to the
 * channel's webhook URL, `Content-Type: application/json`, body = a MessageCard from Go's
 * json.Marshal (no trailing newline): `{"@type":"MessageCard","@context":
 * "http://schema.org/extensions","title":"<LEVEL>: [<alert id>]","text":<message>,
 * "summary":<first 70 bytes of "title - message">+"...","themeColor":"CC4A31"|"FFA533"|"34CC25"}`.
 *
 * TICKscript: `.teams().channelURL('https://…')`.
 */
import { goJson } from "../core/go-json.js";
import { Level, levelName } from "../core/types.js";
import type { TeamsConfig } from "../config/types.js";
import { httpKind, JSON_HEADERS, jsonErrorMessage, tickOptions, urlPathSecret } from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";

export interface TeamsOptions {
  channelUrl: string;
}

const SUMMARY_CUTOFF = 70;

function themeColor(level: Level): string {
  if (level === Level.WARNING) return "FFA533";
  if (level === Level.CRITICAL) return "CC4A31";
  return "34CC25";
}

/** Kapacitor's card: the title names the alert id (else the topic), the summary is cut at 70 bytes. */
export function teamsCard(topic: string, id: string, message: string, level: Level): string {
  const name = levelName(level);
  let title: string;
  let summary: string;
  if (id === "" && topic === "") {
    title = name;
    summary = `${title}: ${message}`;
  } else {
    title = `${name}: [${id === "" ? topic : id}]`;
    summary = `${title} - ${message}`;
  }
  // Go slices bytes; a cut inside a character becomes U+FFFD when encoded, as here.
  const cut = Buffer.from(summary, "utf8").subarray(0, SUMMARY_CUTOFF).toString("utf8");
  return goJson({
    "@type": "MessageCard",
    "@context": "http://schema.org/extensions",
    title,
    text: message,
    summary: cut + "...",
    themeColor: themeColor(level),
  });
}

const section = (all: { notifiers?: { teams: TeamsConfig } }): TeamsConfig =>
  all.notifiers?.teams ?? { enabled: false, channelUrl: "", global: false, stateChangesOnly: false };

const channel = (o: TeamsOptions, c: TeamsConfig): string =>
  o.channelUrl !== "" ? o.channelUrl : c.channelUrl;

export const teams = httpKind<TeamsOptions, TeamsConfig>({
  kind: "teams",
  section: "[teams]",
  keys: ["channel-url"],
  parse: (r) => ({ channelUrl: r.string("channel-url") ?? "" }),
  fromTickscript: (spec) => tickOptions(spec, { channelURL: ["channel-url", "string"] }),
  secrets: ["channel-url"],
  config: (all) => section(all),
  build: (event, o, c) => ({
    url: channel(o, c),
    headers: { ...JSON_HEADERS },
    body: teamsCard(event.topic, event.state.id, event.state.message, event.state.level),
  }),
  urlSecrets: (o, c) => [urlPathSecret(channel(o, c))],
  staticUrl: (o, c) => channel(o, c),
  responseError: (status, body) => jsonErrorMessage("Teams", "error", status, body),
  serviceTest: {
    name: "teams",
    options: (all) => ({
      channel_url: section(all).channelUrl,
      alert_topic: "test kapacitor alert topic",
      alert_id: "foo/bar/bat",
      message: "test teams message",
      level: "CRITICAL",
    }),
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("teams", raw);
      return {
        handlerOptions: { "channel-url": o.string("channel_url") },
        event: testEvent({
          id: o.string("alert_id"),
          topic: o.string("alert_topic"),
          message: o.string("message"),
          level: o.level("level"),
          timeMs: nowMs,
        }),
      };
    },
  },
});
