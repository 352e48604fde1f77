/**
 * `better-uptime`: Better Stack (Better Uptime) incident webhooks, a JSON:API document.
 * Event id = `data.id` (the incident); `data.attributes.status` Started → firing,
 * Acknowledged → acknowledged, Resolved → resolved; message = `name` + `cause`.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, firstText, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const STATUSES: ReadonlyMap<string, IncomingStatus> = new Map([
  ["started", "trigger"],
  ["acknowledged", "ack"],
  ["resolved", "ok"],
]);

export const betterUptime: InboundSource = {
  name: "better-uptime",
  map(body, ctx) {
    const b = requireObject("Better Stack webhook", body);
    const id = requireId("Better Stack webhook", b, "data.id");
    const s = firstText(b, "data.attributes.status");
    const status = s === undefined ? undefined : STATUSES.get(s.toLowerCase());
    if (status === undefined)
      throw unknownValue("data.attributes.status", s, "Started, Acknowledged or Resolved");
    const name = firstText(b, "data.attributes.name");
    const cause = firstText(b, "data.attributes.cause");
    const tags: Record<string, string> = {};
    const url = firstText(b, "data.attributes.url");
    if (url !== undefined) tags.url = url;
    return {
      alerts: [
        alert("better-uptime", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? Level.CRITICAL : undefined,
          message: name !== undefined && cause !== undefined ? `${name}: ${cause}` : (name ?? cause),
          details: cause ?? "",
          tags,
          name,
        }),
      ],
    };
  },
};
