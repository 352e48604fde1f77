/**
 * `uptime-kuma`: Uptime Kuma's webhook notification (JSON). Event id = `monitor.id` (else
 * `heartbeat.monitorID`); `heartbeat.status` 0 (down) → CRITICAL, 1 (up) → resolved,
 * 2 (pending: failing, not yet down) → WARNING, 3 (maintenance) → INFO, so a monitor in
 * maintenance stays visible without paging. The "Test" button's message (no monitor, no
 * heartbeat) is answered 200 with nothing collected.
 */
import { Level } from "../../core/types.js";
import { alert, at, firstText, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

export const uptimeKuma: InboundSource = {
  name: "uptime-kuma",
  map(body, ctx) {
    const b = requireObject("Uptime Kuma webhook", body);
    const none = (v: unknown): boolean => v === null || v === undefined;
    if (none(b.monitor) && none(b.heartbeat) && typeof b.msg === "string") {
      return { alerts: [], note: "a test notification (no monitor, no heartbeat)" };
    }
    const id = requireId("Uptime Kuma webhook", b, "monitor.id", "heartbeat.monitorID");
    const st = at(b, "heartbeat.status");
    const name = firstText(b, "monitor.name");
    const msg = firstText(b, "heartbeat.msg");
    const message =
      name !== undefined && msg !== undefined ? `${name}: ${msg}` : (firstText(b, "msg") ?? name);
    const tags: Record<string, string> = {};
    for (const [k, path] of [
      ["monitor_type", "monitor.type"],
      ["url", "monitor.url"],
      ["hostname", "monitor.hostname"],
    ] as const) {
      const v = firstText(b, path);
      if (v !== undefined && v !== "null") tags[k] = v;
    }
    const common = { id, message, details: firstText(b, "msg") ?? "", tags, name };
    switch (typeof st === "string" ? Number(st) : st) {
      case 0:
        return {
          alerts: [alert("uptime-kuma", ctx.nowNs, { ...common, status: "trigger", level: Level.CRITICAL })],
        };
      case 1:
        return { alerts: [alert("uptime-kuma", ctx.nowNs, { ...common, status: "ok" })] };
      case 2:
        return {
          alerts: [alert("uptime-kuma", ctx.nowNs, { ...common, status: "trigger", level: Level.WARNING })],
        };
      case 3:
        return {
          alerts: [alert("uptime-kuma", ctx.nowNs, { ...common, status: "trigger", level: Level.INFO })],
        };
      default:
        throw unknownValue("heartbeat.status", st, "0 (down), 1 (up), 2 (pending) or 3 (maintenance)");
    }
  },
};
