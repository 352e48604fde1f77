/**
 * `splunk-oncall`: the Splunk On-Call (VictorOps) REST integration body. `message_type`
 * CRITICAL / WARNING / INFO fire at that level, ACKNOWLEDGEMENT acknowledges, RECOVERY (and
 * OK) resolves. Event id = `entity_id` (required); message = `entity_display_name`, else
 * `state_message`; details = `state_message`; `monitoring_tool` and `host_name` become tags.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, firstText, requireId, requireObject, text, timeNs, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const TYPES: ReadonlyMap<string, { status: IncomingStatus; level?: Level }> = new Map([
  ["CRITICAL", { status: "trigger", level: Level.CRITICAL }],
  ["WARNING", { status: "trigger", level: Level.WARNING }],
  ["INFO", { status: "trigger", level: Level.INFO }],
  ["ACKNOWLEDGEMENT", { status: "ack" }],
  ["RECOVERY", { status: "ok" }],
  ["OK", { status: "ok" }],
]);

export const splunkOncall: InboundSource = {
  name: "splunk-oncall",
  map(body, ctx) {
    const b = requireObject("Splunk On-Call REST", body);
    const mt = text(b.message_type);
    const t = mt === undefined ? undefined : TYPES.get(mt.toUpperCase());
    if (t === undefined) {
      throw unknownValue(
        "message_type",
        b.message_type,
        "CRITICAL, WARNING, INFO, ACKNOWLEDGEMENT or RECOVERY",
      );
    }
    const id = requireId("Splunk On-Call REST", b, "entity_id");
    const tags: Record<string, string> = {};
    for (const k of ["monitoring_tool", "host_name"]) {
      const v = firstText(b, k);
      if (v !== undefined) tags[k] = v;
    }
    return {
      alerts: [
        alert("splunk-oncall", ctx.nowNs, {
          id,
          status: t.status,
          level: t.level,
          message: firstText(b, "entity_display_name", "state_message"),
          details: firstText(b, "state_message") ?? "",
          tags,
          startedAt: timeNs(b.state_start_time),
        }),
      ],
    };
  },
};
