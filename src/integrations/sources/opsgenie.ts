/**
 * `opsgenie`: Opsgenie's outgoing webhook (an integration's "Send alert updates"): `action`
 * Create → firing, Acknowledge → acknowledged, Close → resolved; other actions (AddNote,
 * Assign, …) are answered 200 with nothing collected. Event id = `alert.alias`, else
 * `alert.alertId`; level from `alert.priority` (P1, P2 → CRITICAL, P3 → WARNING, P4, P5 →
 * INFO); `alert.tags` become tags. Opsgenie does not sign: protect the route with `[http]` auth.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import {
  alert,
  at,
  firstText,
  levelOr,
  parseTagList,
  requireId,
  requireObject,
  text,
  unknownValue,
} from "./common.js";
import type { InboundSource } from "./types.js";

const ACTIONS: ReadonlyMap<string, IncomingStatus> = new Map([
  ["create", "trigger"],
  ["acknowledge", "ack"],
  ["close", "ok"],
]);

export const opsgenie: InboundSource = {
  name: "opsgenie",
  map(body, ctx) {
    const b = requireObject("Opsgenie webhook", body);
    const action = text(b.action);
    if (action === undefined) throw unknownValue("action", b.action, "Create, Acknowledge or Close");
    const status = ACTIONS.get(action.toLowerCase());
    if (status === undefined) return { alerts: [], note: `action ${action} is not an alert state change` };
    const id = requireId("Opsgenie webhook", b, "alert.alias", "alert.alertId");
    const tags = parseTagList(at(b, "alert.tags"));
    const entity = firstText(b, "alert.entity");
    if (entity !== undefined) tags.entity = entity;
    return {
      alerts: [
        alert("opsgenie", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? levelOr(at(b, "alert.priority"), Level.CRITICAL) : undefined,
          message: firstText(b, "alert.message"),
          details: firstText(b, "alert.description") ?? "",
          tags,
        }),
      ],
    };
  },
};
