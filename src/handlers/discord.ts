/**
 * `discord`: Kapacitor's Discord handler (`services/discord`). One POST per event to the
 * workspace's webhook URL, `Content-Type: application/json`, body = a Go map (keys sorted) +
 * "\n": `avatar_url` and `username` when set, `embeds: [{"color":<int>,"title":<embed title>,
 * "description":<message>,"timestamp":<RFC3339 time or "">}]`; color 0xF95F53 (CRITICAL),
 * 0xF48D38 (WARNING), 0x7A65F2 (otherwise). Unset handler options fall back to the section's.
 *
 * TICKscript: `.discord().workspace('w').username('u').avatarURL('https://…')
 * .embedTitle('t').timestamp()`.
 */
import { formatRFC3339Nano, splitNs } from "../core/go-format.js";
import { goJsonLine } from "../core/go-json.js";
import { Level } from "../core/types.js";
import type { DiscordConfig } from "../config/types.js";
import {
  httpKind,
  JSON_HEADERS,
  jsonErrorMessage,
  tickOptions,
  urlPathSecret,
  workspaceConfig,
} from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";

export interface DiscordOptions {
  workspace: string;
  timestamp: boolean;
  username: string;
  avatarUrl: string;
  embedTitle: string;
}

function discordColor(level: Level): number {
  if (level === Level.CRITICAL) return 0xf95f53;
  if (level === Level.WARNING) return 0xf48d38;
  return 0x7a65f2;
}

/** Go's time.RFC3339 (whole seconds) in UTC. */
function rfc3339(ns: bigint): string {
  return formatRFC3339Nano(BigInt(splitNs(ns)[0]) * 1_000_000_000n);
}

const sections = (all: { notifiers?: { discord: readonly DiscordConfig[] } }): readonly DiscordConfig[] =>
  all.notifiers?.discord ?? [];

const or = (a: string, b: string): string => (a !== "" ? a : b);

export const discord = httpKind<DiscordOptions, DiscordConfig>({
  kind: "discord",
  section: "[[discord]]",
  keys: ["workspace", "timestamp", "username", "avatar-url", "embed-title"],
  parse: (r) => ({
    workspace: r.string("workspace") ?? "",
    timestamp: r.bool("timestamp") ?? false,
    username: r.string("username") ?? "",
    avatarUrl: r.string("avatar-url") ?? "",
    embedTitle: r.string("embed-title") ?? "",
  }),
  fromTickscript: (spec) =>
    tickOptions(spec, {
      workspace: ["workspace", "string"],
      timestamp: ["timestamp", "bool"],
      username: ["username", "string"],
      avatarURL: ["avatar-url", "string"],
      embedTitle: ["embed-title", "string"],
    }),
  config: (all, o) => workspaceConfig("discord", sections(all), o.workspace),
  build(event, o, c) {
    const username = or(o.username, c.username);
    const avatar = or(o.avatarUrl, c.avatarUrl);
    const body = new Map<string, unknown>();
    if (username !== "") body.set("username", username);
    if (avatar !== "") body.set("avatar_url", avatar);
    body.set("embeds", [
      {
        color: discordColor(event.state.level),
        title: or(o.embedTitle, c.embedTitle),
        description: event.state.message,
        timestamp: o.timestamp || c.timestamp ? rfc3339(event.state.time) : "",
      },
    ]);
    return { url: c.url, headers: { ...JSON_HEADERS }, body: goJsonLine(body) };
  },
  urlSecrets: (_o, c) => [urlPathSecret(c.url)],
  staticUrl: (_o, c) => c.url,
  responseError: (status, body) => jsonErrorMessage("Discord", "error", status, body),
  serviceTest: {
    name: "discord",
    options(all) {
      let workspace = "";
      try {
        workspace = workspaceConfig("discord", sections(all), "").workspace;
      } catch {
        // no [[discord]]: the test reports it when run
      }
      return {
        workspace,
        message: "test discord message",
        level: "INFO",
        username: "Kapacitor",
        "avatar-url":
          "https://influxdata.github.io/branding/img/downloads/influxdata-logo--symbol--pool-alpha.png",
        "embed-title": "Kapacitor Alert",
        "time-val": "1970-01-01T00:00:01Z",
      };
    },
    prepare(raw) {
      const o = new TestOptions("discord", raw);
      const ms = Date.parse(o.string("time-val"));
      return {
        handlerOptions: {
          workspace: o.string("workspace"),
          timestamp: true,
          username: o.string("username"),
          "avatar-url": o.string("avatar-url"),
          "embed-title": o.string("embed-title"),
        },
        event: testEvent({
          id: "test",
          message: o.string("message"),
          level: o.level("level"),
          timeMs: Number.isNaN(ms) ? 0 : ms,
        }),
      };
    },
  },
});
