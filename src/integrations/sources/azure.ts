/**
 * `azure`: Azure Monitor action groups with the common alert schema
 * (`schemaId: "azureMonitorCommonAlertSchema"`). Event id = `data.essentials.alertId`;
 * `monitorCondition` Fired → firing, Resolved → resolved; `severity` Sev0/Sev1 → CRITICAL,
 * Sev2 → WARNING, Sev3/Sev4 → INFO; message = `alertRule`, details = `description`. Azure
 * does not sign (a secure webhook uses Entra ID): protect the route with `[http]` auth.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, at, firstText, IntegrationError, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const SEVERITIES: ReadonlyMap<string, Level> = new Map([
  ["sev0", Level.CRITICAL],
  ["sev1", Level.CRITICAL],
  ["sev2", Level.WARNING],
  ["sev3", Level.INFO],
  ["sev4", Level.INFO],
]);

const CONDITIONS: ReadonlyMap<string, IncomingStatus> = new Map([
  ["fired", "trigger"],
  ["resolved", "ok"],
]);

export const azure: InboundSource = {
  name: "azure",
  map(body, ctx) {
    const b = requireObject("Azure Monitor", body);
    if (at(b, "data.essentials") === undefined) {
      throw new IntegrationError(
        400,
        'expected the common alert schema ("data.essentials"): enable "Use common alert schema" on the action group',
      );
    }
    const id = requireId("Azure Monitor alert", b, "data.essentials.alertId");
    const cond = firstText(b, "data.essentials.monitorCondition");
    const status = cond === undefined ? undefined : CONDITIONS.get(cond.toLowerCase());
    if (status === undefined) throw unknownValue("monitorCondition", cond, "Fired or Resolved");
    const sev = firstText(b, "data.essentials.severity");
    const level = sev === undefined ? Level.CRITICAL : SEVERITIES.get(sev.toLowerCase());
    if (level === undefined) throw unknownValue("severity", sev, "Sev0 … Sev4");
    const tags: Record<string, string> = {};
    for (const [k, path] of [
      ["signal_type", "data.essentials.signalType"],
      ["monitoring_service", "data.essentials.monitoringService"],
    ] as const) {
      const v = firstText(b, path);
      if (v !== undefined) tags[k] = v;
    }
    const targets = at(b, "data.essentials.configurationItems");
    if (Array.isArray(targets) && targets.length > 0) tags.targets = targets.map(String).join(",");
    const rule = firstText(b, "data.essentials.alertRule");
    return {
      alerts: [
        alert("azure", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? level : undefined,
          message: rule,
          details: firstText(b, "data.essentials.description") ?? "",
          tags,
          name: rule,
        }),
      ],
    };
  },
};
