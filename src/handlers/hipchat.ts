/**
 * `hipchat`: Kapacitor's HipChat handler (`services/hipchat`). One POST per event to
 * `<url>/<room>/notification?auth_token=<token>`, `Content-Type: application/json`, body = a
 * Go map (keys sorted) + "\n": `{"color":"red"|"yellow"|"green","from":"kapacitor",
 * "message":<message>,"notify":true}`. Room and token fall back to `[hipchat]`'s; the token
 * (in the query) is a secret. HipChat itself is gone; this keeps old scripts working against
 * a compatible endpoint.
 *
 * TICKscript: `.hipChat().room('ops').token('t')`.
 */
import { posix } from "node:path";

import { goJsonLine } from "../core/go-json.js";
import { Level } from "../core/types.js";
import type { HipChatConfig } from "../config/types.js";
import { httpKind, JSON_HEADERS, jsonErrorMessage, tickOptions } from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";

export interface HipChatOptions {
  room: string;
  token: string;
}

function hipChatColor(level: Level): string {
  if (level === Level.WARNING) return "yellow";
  if (level === Level.CRITICAL) return "red";
  return "green";
}

const section = (all: { notifiers?: { hipchat?: HipChatConfig } }): HipChatConfig =>
  all.notifiers?.hipchat ?? {
    enabled: false,
    url: "",
    room: "",
    token: "",
    global: false,
    stateChangesOnly: false,
  };

function hipChatUrl(o: HipChatOptions, c: HipChatConfig): string {
  const u = new URL(c.url);
  u.pathname = posix.join(u.pathname, o.room !== "" ? o.room : c.room, "notification");
  u.search = new URLSearchParams({ auth_token: o.token !== "" ? o.token : c.token }).toString();
  return u.toString();
}

export const hipchat = httpKind<HipChatOptions, HipChatConfig>({
  kind: "hipchat",
  section: "[hipchat]",
  keys: ["room", "token"],
  parse: (r) => ({ room: r.string("room") ?? "", token: r.string("token") ?? "" }),
  fromTickscript: (spec) => tickOptions(spec, { room: ["room", "string"], token: ["token", "string"] }),
  secrets: ["token"],
  config: (all) => section(all),
  build: (event, o, c) => ({
    url: hipChatUrl(o, c),
    headers: { ...JSON_HEADERS },
    body: goJsonLine(
      new Map<string, unknown>([
        ["from", "kapacitor"],
        ["color", hipChatColor(event.state.level)],
        ["message", event.state.message],
        ["notify", true],
      ]),
    ),
  }),
  urlSecrets: (o, c) => [o.token !== "" ? o.token : c.token],
  staticUrl: (o, c) => hipChatUrl(o, c),
  responseError: (status, body) => jsonErrorMessage("HipChat", "error", status, body),
  serviceTest: {
    name: "hipchat",
    options: (all) => ({ room: section(all).room, message: "test hipchat message", level: "CRITICAL" }),
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("hipchat", raw);
      return {
        handlerOptions: { room: o.string("room") },
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
