/**
 * `talk`: Kapacitor's Talk (jianliao) handler (`services/talk`). One POST per event to
 * `[talk] url`, `Content-Type: application/json`, body = a Go map (keys sorted) + "\n":
 * `{"authorName":<[talk] author_name>,"text":<message>,"title":<alert id>}`.
 *
 * TICKscript: `.talk()` (no properties).
 */
import { goJsonLine } from "../core/go-json.js";
import { Level } from "../core/types.js";
import type { TalkConfig } from "../config/types.js";
import { httpKind, JSON_HEADERS, jsonErrorMessage, urlPathSecret } from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";

const section = (all: { notifiers?: { talk?: TalkConfig } }): TalkConfig =>
  all.notifiers?.talk ?? { enabled: false, url: "", author_name: "" };

export const talk = httpKind<Record<string, never>, TalkConfig>({
  kind: "talk",
  section: "[talk]",
  keys: [],
  parse: () => ({}),
  fromTickscript: () => ({}),
  config: (all) => section(all),
  build: (event, _o, c) => ({
    url: c.url,
    headers: { ...JSON_HEADERS },
    body: goJsonLine(
      new Map([
        ["title", event.state.id],
        ["text", event.state.message],
        ["authorName", c.author_name],
      ]),
    ),
  }),
  urlSecrets: (_o, c) => [urlPathSecret(c.url)],
  staticUrl: (_o, c) => c.url,
  responseError: (status, body) => jsonErrorMessage("Talk", "error", status, body),
  serviceTest: {
    name: "talk",
    options: () => ({ title: "testTitle", text: "test talk text" }),
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("talk", raw);
      return {
        handlerOptions: {},
        event: testEvent({
          id: o.string("title"),
          message: o.string("text"),
          level: Level.CRITICAL,
          timeMs: nowMs,
        }),
      };
    },
  },
});
