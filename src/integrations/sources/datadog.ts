/**
 * `datadog`: Datadog's webhook integration. Datadog has no fixed body: the webhook's payload
 * is a template of `$VARIABLES`. Two shapes are understood:
 * - the recommended template (README): `alert_cycle_key`, `aggreg_key`, `alert_id`,
 *   `alert_transition`, `alert_type`, `alert_priority`, `title`, `body`, `tags`, `hostname`…
 *   Event id = `alert_cycle_key`, else `aggreg_key`, else `alert_id`.
 * - Datadog's default payload (`body`, `title`, `event_type`, `date`, `id`, `org`…). Its `id`
 *   is the id of one notification (a new one for the recovery), so it cannot pair a recovery
 *   with its alert; the event id is the title without its `[Triggered]`-style status prefix:
 *   the monitor name and the group it fired for, the same in every notification of that
 *   alert. A default body whose title has no status prefix is refused (400).
 * Status from `alert_transition`, else the title's prefix: Triggered/Re-Triggered/Renotify →
 * firing, Warn/Re-Warn → WARNING, No Data → WARNING, Recovered → resolved. Level from
 * `alert_type` (error, warning, info, success), else `alert_priority` (P1…P5), else the
 * transition. Datadog does not sign its webhooks: protect the route with `[http]` auth.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import {
  alert,
  firstText,
  IntegrationError,
  parseTagList,
  requireObject,
  text,
  unknownValue,
} from "./common.js";
import type { InboundSource } from "./types.js";

const TRANSITIONS: ReadonlyMap<string, { status: IncomingStatus; level: Level | undefined }> = new Map([
  ["triggered", { status: "trigger", level: Level.CRITICAL }],
  ["re-triggered", { status: "trigger", level: Level.CRITICAL }],
  ["renotify", { status: "trigger", level: undefined }],
  ["warn", { status: "trigger", level: Level.WARNING }],
  ["re-warn", { status: "trigger", level: Level.WARNING }],
  ["warning", { status: "trigger", level: Level.WARNING }],
  ["no data", { status: "trigger", level: Level.WARNING }],
  ["re-no data", { status: "trigger", level: Level.WARNING }],
  ["recovered", { status: "ok", level: Level.OK }],
  ["recovery", { status: "ok", level: Level.OK }],
]);

const ALERT_TYPES: ReadonlyMap<string, Level> = new Map([
  ["error", Level.CRITICAL],
  ["warning", Level.WARNING],
  ["info", Level.INFO],
  ["success", Level.OK],
]);

const PRIORITIES: ReadonlyMap<string, Level> = new Map([
  ["p1", Level.CRITICAL],
  ["p2", Level.CRITICAL],
  ["p3", Level.WARNING],
  ["p4", Level.INFO],
  ["p5", Level.INFO],
]);

/** `[Triggered on {host:a}] CPU high` → transition "Triggered", rest "CPU high on {host:a}"-ish key. */
const TITLE_PREFIX = /^\s*\[(P\d\]\s*\[)?([A-Za-z -]+?)(\s+on\s+(\{[^\]]*\}))?\]\s*(.*)$/s;

function fromTitle(title: string): { transition: string; key: string } | undefined {
  const m = TITLE_PREFIX.exec(title);
  if (m === null || !TRANSITIONS.has((m[2] ?? "").toLowerCase())) return undefined;
  const rest = (m[5] ?? "").trim();
  return { transition: m[2]!, key: m[4] !== undefined ? `${rest} ${m[4]}` : rest };
}

export const datadog: InboundSource = {
  name: "datadog",
  map(body, ctx) {
    const b = requireObject("Datadog webhook", body);
    const title = text(b.title) ?? "";
    const parsed = fromTitle(title);
    let id = firstText(b, "alert_cycle_key", "aggreg_key", "alert_id");
    if (id === undefined) {
      if (parsed === undefined || parsed.key === "") {
        throw new IntegrationError(
          400,
          'missing event id: a Datadog body needs "alert_cycle_key", "aggreg_key" or "alert_id" (see the recommended template in the README), or a default payload whose title starts with its status like "[Triggered]"',
        );
      }
      id = `title:${parsed.key}`;
    }
    const transitionWord = firstText(b, "alert_transition") ?? parsed?.transition;
    const transition =
      transitionWord === undefined ? undefined : TRANSITIONS.get(transitionWord.toLowerCase());
    if (transitionWord !== undefined && transition === undefined) {
      throw unknownValue(
        "alert_transition",
        transitionWord,
        "Triggered, Re-Triggered, Warn, No Data, Recovered or Renotify",
      );
    }
    const type = firstText(b, "alert_type");
    const priority = firstText(b, "alert_priority");
    let level = (type === undefined ? undefined : ALERT_TYPES.get(type.toLowerCase())) ?? transition?.level;
    if (level === undefined && priority !== undefined) level = PRIORITIES.get(priority.toLowerCase());
    let status: IncomingStatus = transition?.status ?? "trigger";
    if (level === Level.OK) status = "ok";
    const tags = parseTagList(b.tags);
    const host = firstText(b, "hostname");
    if (host !== undefined) tags.host = host;
    const scope = firstText(b, "alert_scope");
    if (scope !== undefined) tags.scope = scope;
    return {
      alerts: [
        alert("datadog", ctx.nowNs, {
          id,
          status,
          level: status === "ok" ? Level.OK : level,
          message: title !== "" ? title : undefined,
          details: firstText(b, "body", "text") ?? "",
          tags,
          name: firstText(b, "alert_title", "monitor_name") ?? parsed?.key,
        }),
      ],
    };
  },
};
