/**
 * What the on-call layer does to an alert, written to the history as notes without touching
 * the on-call code: a decorator around the notification gate records each notification a
 * silence (or snooze) held back, and a wrapper around the ack/unack/snooze routes records each
 * successful action with who did it and why.
 */
import type { GateScope, NotificationGate } from "../alert/gate.js";
import { decodeSegment } from "../server/http/request-context.js";
import type { ExtraRoute } from "../server/http/types.js";
import type { HistoryService } from "./history.js";

/** The gate as it was, plus a `held` note per handler whose notification it held back. */
export function recordHeldNotifications(gate: NotificationGate, history: HistoryService): NotificationGate {
  return {
    begin(topic, event, previousLevel) {
      const scope = gate.begin(topic, event, previousLevel);
      if (scope === undefined) return undefined;
      const wrapped: GateScope = {
        admit(handlerId, kind) {
          const d = scope.admit(handlerId, kind);
          const held = d === undefined || (d.event as { suppressed?: boolean }).suppressed === true;
          if (held) {
            const what = `${event.state.level === 0 ? "recovery" : "notification"} held back by a silence`;
            history.note(topic, event.state.id, "held", `${what} (handler ${handlerId})`);
          }
          return d;
        },
        end: () => scope.end(),
      };
      return wrapped;
    },
  };
}

const ACTIONS = new Set(["ack", "unack", "snooze"]);

/**
 * The on-call routes as they were; after a `POST /tickd/v1/alerts/{topic}/{id}/{action}` that
 * answered 2xx, a note with the action, `by` and the comment (or the snooze's end).
 */
export function recordOnCallActions(routes: readonly ExtraRoute[], history: HistoryService): ExtraRoute[] {
  return routes.map((r) => ({
    ...r,
    async handle(ctx) {
      await r.handle(ctx);
      if (ctx.method !== "POST" || ctx.res.statusCode < 200 || ctx.res.statusCode > 299) return;
      const prefix = "/tickd/v1/alerts/";
      if (!ctx.path.startsWith(prefix)) return;
      const parts = ctx.path.slice(prefix.length).split("/");
      const action = parts[parts.length - 1] ?? "";
      if (parts.length < 3 || !ACTIONS.has(action)) return;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse((await ctx.readBody()).toString("utf8")) as Record<string, unknown>;
      } catch {
        // the route accepted an empty body
      }
      const text = (k: string): string => (typeof body[k] === "string" ? (body[k] as string) : "");
      const topic = decodeSegment(parts[0]!);
      const alertId = parts.slice(1, -1).map(decodeSegment).join("/");
      const span =
        text("until") !== "" ? `until ${text("until")}` : text("for") !== "" ? `for ${text("for")}` : "";
      const message = [action === "snooze" ? span : "", text("comment")].filter((s) => s !== "").join(": ");
      history.note(topic, alertId, action, message, text("by") || "tickd");
    },
  }));
}
