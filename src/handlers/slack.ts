/**
 * `slack`: Kapacitor's Slack handler (`services/slack`). One POST per event to the workspace's
 * `url` with `Content-Type: application/json` (and `Authorization: Bearer <token>` for a Slack
 * app's token), body = a Go map (keys sorted) + "\n":
 * `{"as_user":false,"attachments":[{"fallback":msg,"color":c,"text":msg,"mrkdwn_in":["text"]}],
 * "channel":…,"icon_emoji":…,"text":"","username":…}`; color danger (CRITICAL), warning
 * (WARNING), good (otherwise). Channel, username and icon emoji fall back to the section's.
 *
 * TICKscript: `.slack().workspace('w').channel('#c').username('u').iconEmoji(':e:')`.
 */
import { goJsonLine } from "../core/go-json.js";
import { Level } from "../core/types.js";
import type { SlackConfig } from "../config/types.js";
import {
  httpKind,
  JSON_HEADERS,
  jsonErrorMessage,
  tickOptions,
  urlPathSecret,
  workspaceConfig,
} from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";

export interface SlackOptions {
  workspace: string;
  channel: string;
  username: string;
  iconEmoji: string;
}

function slackColor(level: Level): string {
  if (level === Level.CRITICAL) return "danger";
  if (level === Level.WARNING) return "warning";
  return "good";
}

/** The request body for `message` at `level`. */
export function slackBody(o: SlackOptions, c: SlackConfig, message: string, level: Level): string {
  const body = new Map<string, unknown>([
    ["as_user", false],
    ["channel", o.channel !== "" ? o.channel : c.channel],
    ["text", ""],
    ["attachments", [{ fallback: message, color: slackColor(level), text: message, mrkdwn_in: ["text"] }]],
    ["username", o.username !== "" ? o.username : c.username],
    ["icon_emoji", o.iconEmoji !== "" ? o.iconEmoji : c.iconEmoji],
  ]);
  return goJsonLine(body);
}

const sections = (all: { notifiers?: { slack: readonly SlackConfig[] } }): readonly SlackConfig[] =>
  all.notifiers?.slack ?? [];

export const slack = httpKind<SlackOptions, SlackConfig>({
  kind: "slack",
  section: "[[slack]]",
  keys: ["workspace", "channel", "username", "icon-emoji"],
  parse: (r) => ({
    workspace: r.string("workspace") ?? "",
    channel: r.string("channel") ?? "",
    username: r.string("username") ?? "",
    iconEmoji: r.string("icon-emoji") ?? "",
  }),
  fromTickscript: (spec) =>
    tickOptions(spec, {
      workspace: ["workspace", "string"],
      channel: ["channel", "string"],
      username: ["username", "string"],
      iconEmoji: ["icon-emoji", "string"],
    }),
  config: (all, o) => workspaceConfig("slack", sections(all), o.workspace),
  build(event, o, c) {
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (c.token !== "") headers.Authorization = `Bearer ${c.token}`;
    return { url: c.url, headers, body: slackBody(o, c, event.state.message, event.state.level) };
  },
  urlSecrets: (_o, c) => [urlPathSecret(c.url)],
  staticUrl: (_o, c) => c.url,
  responseError: (status, body) => jsonErrorMessage("Slack", "error", status, body),
  serviceTest: {
    name: "slack",
    options(all) {
      let c: SlackConfig | undefined;
      try {
        c = workspaceConfig("slack", sections(all), "");
      } catch {
        c = undefined;
      }
      return {
        workspace: c?.workspace ?? "",
        channel: c?.channel ?? "",
        message: "test slack message",
        level: "CRITICAL",
        username: "",
        "icon-emoji": "",
      };
    },
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("slack", raw);
      return {
        handlerOptions: {
          workspace: o.string("workspace"),
          channel: o.string("channel"),
          username: o.string("username"),
          "icon-emoji": o.string("icon-emoji"),
        },
        event: testEvent({
          id: "test",
          message: o.string("message"),
          level: o.level("level"),
          timeMs: nowMs,
        }),
      };
    },
  },
});
