/**
 * `telegram`: Kapacitor's Telegram handler (`services/telegram`). One POST per event to
 * `<url><token>/sendMessage` (the token joined onto the URL's path, as Kapacitor's
 * path.Join(u.Path+token, "sendMessage")), `Content-Type: application/json`, body = a Go map
 * (keys sorted) + "\n": `chat_id`, `text` (the message), and only when set: `parse_mode`
 * (Markdown or HTML, in any case, sent as written), `disable_web_page_preview: true`,
 * `disable_notification: true`. The handler's settings fall back to `[telegram]`'s. The token
 * is in the path: never shown.
 *
 * TICKscript: `.telegram().chatId('-123').parseMode('Markdown').disableWebPagePreview()
 * .disableNotification()`.
 */
import { posix } from "node:path";

import { TickdError } from "../core/errors.js";
import { goJsonLine } from "../core/go-json.js";
import type { TelegramConfig } from "../config/types.js";
import { httpKind, JSON_HEADERS, tickOptions } from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import { HandlerCodes } from "./types.js";
import { Level } from "../core/types.js";

export interface TelegramOptions {
  chatId: string;
  parseMode: string;
  disableWebPagePreview: boolean;
  disableNotification: boolean;
}

/** "", or Markdown or HTML in any case (Kapacitor lower-cases it to compare, and sends it as written). */
function validParseMode(mode: string): boolean {
  const m = mode.toLowerCase();
  return m === "" || m === "markdown" || m === "html";
}

/** `<url>` with the token appended to its path and `/sendMessage` joined on. */
export function telegramUrl(c: TelegramConfig): string {
  const u = new URL(c.url);
  u.pathname = posix.join(u.pathname + c.token, "sendMessage");
  return u.toString();
}

function telegramError(status: number, body: string): string {
  try {
    const r = JSON.parse(body) as { description?: unknown; error_code?: unknown };
    return `sendMessage error (${String(r.error_code ?? 0)}) description: ${String(r.description ?? "")}`;
  } catch (e) {
    return `failed to understand Telegram response (err: ${(e as Error).message}). code: ${status} content: ${body}`;
  }
}

const section = (all: { notifiers?: { telegram: TelegramConfig } }): TelegramConfig =>
  all.notifiers?.telegram ?? {
    enabled: false,
    url: "",
    token: "",
    chatId: "",
    parseMode: "",
    disableWebPagePreview: false,
    disableNotification: false,
    global: false,
    stateChangesOnly: false,
  };

export const telegram = httpKind<TelegramOptions, TelegramConfig>({
  kind: "telegram",
  section: "[telegram]",
  keys: ["chat-id", "parse-mode", "disable-web-page-preview", "disable-notification"],
  parse: (r) => {
    const parseMode = r.string("parse-mode") ?? "";
    if (!validParseMode(parseMode))
      throw r.error("parse-mode", `parseMode ${parseMode} is not valid, please use 'Markdown' or 'HTML'`);
    return {
      chatId: r.string("chat-id") ?? "",
      parseMode,
      disableWebPagePreview: r.bool("disable-web-page-preview") ?? false,
      disableNotification: r.bool("disable-notification") ?? false,
    };
  },
  fromTickscript: (spec) =>
    tickOptions(spec, {
      chatId: ["chat-id", "string"],
      parseMode: ["parse-mode", "string"],
      disableWebPagePreview: ["disable-web-page-preview", "bool"],
      disableNotification: ["disable-notification", "bool"],
    }),
  config: (all) => section(all),
  build(event, o, c) {
    const parseMode = o.parseMode !== "" ? o.parseMode : c.parseMode;
    if (!validParseMode(parseMode))
      throw new TickdError(
        HandlerCodes.OPTIONS,
        `parseMode ${parseMode} is not valid, please use 'Markdown' or 'HTML'`,
      );
    const body = new Map<string, unknown>([
      ["chat_id", o.chatId !== "" ? o.chatId : c.chatId],
      ["text", event.state.message],
    ]);
    if (parseMode !== "") body.set("parse_mode", parseMode);
    if (o.disableWebPagePreview || c.disableWebPagePreview) body.set("disable_web_page_preview", true);
    if (o.disableNotification || c.disableNotification) body.set("disable_notification", true);
    return { url: telegramUrl(c), headers: { ...JSON_HEADERS }, body: goJsonLine(body) };
  },
  urlSecrets: (_o, c) => [c.token],
  staticUrl: (_o, c) => telegramUrl(c),
  responseError: telegramError,
  serviceTest: {
    name: "telegram",
    options: (all) => {
      const c = section(all);
      return {
        "chat-id": c.chatId,
        "parse-mode": c.parseMode,
        message: "test telegram message",
        "disable-web-page-preview": c.disableWebPagePreview,
        "disable-notification": c.disableNotification,
      };
    },
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("telegram", raw);
      return {
        handlerOptions: {
          "chat-id": o.string("chat-id"),
          "parse-mode": o.string("parse-mode"),
          "disable-web-page-preview": o.bool("disable-web-page-preview"),
          "disable-notification": o.bool("disable-notification"),
        },
        event: testEvent({ id: "test", message: o.string("message"), level: Level.CRITICAL, timeMs: nowMs }),
      };
    },
  },
});
