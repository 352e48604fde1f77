/**
 * `pushover`: Kapacitor's Pushover handler (`services/pushover`). One POST per event to
 * `[pushover] url` as a form (`Content-Type: application/x-www-form-urlencoded`, keys sorted as
 * Go's url.Values.Encode): `token`, `user` (the user key), `message`, `priority` (-2 OK, -1
 * INFO, 0 WARNING, 1 CRITICAL), and when set `device`, `title`, `url`, `url_title`, `sound`.
 * The token and user key are secrets.
 *
 * TICKscript: `.pushover().device('d').title('t').URL('https://…').URLTitle('t').sound('siren')`
 * (Kapacitor's spelling; `.uRL()` and `.uRLTitle()` name the same properties).
 */
import { Level } from "../core/types.js";
import type { PushoverConfig } from "../config/types.js";
import { httpKind, jsonErrorMessage, tickOptions } from "./http-kind.js";
import { TestOptions, testEvent } from "./service-test-event.js";

export interface PushoverOptions {
  device: string;
  title: string;
  url: string;
  urlTitle: string;
  sound: string;
}

const PRIORITY: Record<Level, number> = {
  [Level.OK]: -2,
  [Level.INFO]: -1,
  [Level.WARNING]: 0,
  [Level.CRITICAL]: 1,
};

/** Go's url.Values.Encode: keys sorted, values query-escaped (space as "+"). */
export function goFormEncode(values: Record<string, string>): string {
  const esc = (s: string): string =>
    encodeURIComponent(s)
      .replace(/%20/g, "+")
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.keys(values)
    .sort()
    .map((k) => `${esc(k)}=${esc(values[k] ?? "")}`)
    .join("&");
}

const section = (all: { notifiers?: { pushover?: PushoverConfig } }): PushoverConfig =>
  all.notifiers?.pushover ?? { enabled: false, token: "", userKey: "", url: "" };

export const pushover = httpKind<PushoverOptions, PushoverConfig>({
  kind: "pushover",
  section: "[pushover]",
  keys: ["device", "title", "url", "url-title", "sound"],
  parse: (r) => ({
    device: r.string("device") ?? "",
    title: r.string("title") ?? "",
    url: r.string("url") ?? "",
    urlTitle: r.string("url-title") ?? "",
    sound: r.string("sound") ?? "",
  }),
  fromTickscript: (spec) =>
    tickOptions(spec, {
      device: ["device", "string"],
      title: ["title", "string"],
      uRL: ["url", "string"],
      uRLTitle: ["url-title", "string"],
      sound: ["sound", "string"],
    }),
  config: (all) => section(all),
  build(event, o, c) {
    const v: Record<string, string> = {
      token: c.token,
      user: c.userKey,
      message: event.state.message,
      priority: String(PRIORITY[event.state.level]),
    };
    if (o.device !== "") v.device = o.device;
    if (o.title !== "") v.title = o.title;
    if (o.url !== "") v.url = o.url;
    if (o.urlTitle !== "") v.url_title = o.urlTitle;
    if (o.sound !== "") v.sound = o.sound;
    return {
      url: c.url,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: goFormEncode(v),
    };
  },
  staticUrl: (_o, c) => c.url,
  responseError: (status, body) => jsonErrorMessage("Pushover", "error", status, body),
  serviceTest: {
    name: "pushover",
    options: () => ({
      "user-key": "",
      message: "test pushover message",
      device: "",
      title: "",
      url: "",
      "url-title": "",
      sound: "",
      level: "CRITICAL",
    }),
    prepare(raw, _all, nowMs) {
      const o = new TestOptions("pushover", raw);
      return {
        handlerOptions: {
          device: o.string("device"),
          title: o.string("title"),
          url: o.string("url"),
          "url-title": o.string("url-title"),
          sound: o.string("sound"),
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
