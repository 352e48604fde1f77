/**
 * `uptimerobot`: UptimeRobot's webhook alert contact with "POST value (JSON)" of its
 * `*variables*` (README). Event id = `monitorID`; `alertType` 1 (down) → CRITICAL, 2 (up) →
 * resolved, 3 (SSL expiry) → WARNING under id `<monitorID>:ssl` (a separate alert);
 * message = `monitorFriendlyName` + `alertDetails`.
 */
import { Level } from "../../core/types.js";
import { alert, firstText, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

export const uptimerobot: InboundSource = {
  name: "uptimerobot",
  map(body, ctx) {
    const b = requireObject("UptimeRobot webhook", body);
    const monitor = requireId("UptimeRobot webhook", b, "monitorID", "monitorId");
    const type = firstText(b, "alertType");
    const name = firstText(b, "monitorFriendlyName");
    const detail = firstText(b, "alertDetails", "alertTypeFriendlyName");
    const tags: Record<string, string> = {};
    const url = firstText(b, "monitorURL");
    if (url !== undefined) tags.url = url;
    const message = name !== undefined && detail !== undefined ? `${name}: ${detail}` : (name ?? detail);
    switch (type) {
      case "1":
        return {
          alerts: [
            alert("uptimerobot", ctx.nowNs, {
              id: monitor,
              status: "trigger",
              level: Level.CRITICAL,
              message,
              tags,
              name,
            }),
          ],
        };
      case "2":
        return {
          alerts: [alert("uptimerobot", ctx.nowNs, { id: monitor, status: "ok", message, tags, name })],
        };
      case "3":
        return {
          alerts: [
            alert("uptimerobot", ctx.nowNs, {
              id: `${monitor}:ssl`,
              status: "trigger",
              level: Level.WARNING,
              message,
              tags,
              name,
            }),
          ],
        };
      default:
        throw unknownValue("alertType", b.alertType, "1 (down), 2 (up) or 3 (SSL expiry)");
    }
  },
};
