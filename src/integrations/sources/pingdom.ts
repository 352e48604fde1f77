/**
 * `pingdom`: Pingdom's webhook integration (uptime and transaction checks). Event id =
 * `check_id`; `current_state` DOWN / FAILING → firing, UP / SUCCESS → resolved;
 * `importance_level` HIGH → CRITICAL, LOW → WARNING; message = `check_name` +
 * `description`; `tags` become tags.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, firstText, parseTagList, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const STATES: ReadonlyMap<string, IncomingStatus> = new Map([
  ["down", "trigger"],
  ["failing", "trigger"],
  ["up", "ok"],
  ["success", "ok"],
]);

export const pingdom: InboundSource = {
  name: "pingdom",
  map(body, ctx) {
    const b = requireObject("Pingdom webhook", body);
    const id = requireId("Pingdom webhook", b, "check_id");
    const s = firstText(b, "current_state");
    const status = s === undefined ? undefined : STATES.get(s.toLowerCase());
    if (status === undefined) throw unknownValue("current_state", s, "DOWN, UP, FAILING or SUCCESS");
    const importance = firstText(b, "importance_level")?.toUpperCase();
    const tags = parseTagList(b.tags);
    const type = firstText(b, "check_type");
    if (type !== undefined) tags.check_type = type;
    const name = firstText(b, "check_name");
    const desc = firstText(b, "description");
    return {
      alerts: [
        alert("pingdom", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? (importance === "LOW" ? Level.WARNING : Level.CRITICAL) : undefined,
          message: name !== undefined && desc !== undefined ? `${name}: ${desc}` : (name ?? desc),
          details: firstText(b, "long_description") ?? "",
          tags,
          name,
        }),
      ],
    };
  },
};
