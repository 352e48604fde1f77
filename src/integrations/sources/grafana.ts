/**
 * `grafana`: Grafana unified alerting's webhook contact point. The body is Alertmanager's
 * (`alerts[]` with status, labels, annotations, fingerprint) under Grafana's `version: "1"`,
 * so alerts map as Alertmanager's: event id = `fingerprint`, level = `labels.severity`.
 * Signed when the contact point has an HMAC secret: `X-Grafana-Alerting-Signature` = hex
 * HMAC-SHA256 of the body, or of `<timestamp>:<body>` when a timestamp header is configured.
 */
import { alertmanagerItems } from "../mapping.js";
import { checkHmac, header, IntegrationError, requireObject } from "./common.js";
import type { InboundSource } from "./types.js";

export const grafana: InboundSource = {
  name: "grafana",
  verify(req, config) {
    const { secret, timestampHeader } = config.grafana;
    let data: Buffer | undefined;
    if (secret !== "" && timestampHeader !== "") {
      const ts = header(req, timestampHeader);
      if (ts === undefined)
        return { status: 400, message: `missing ${timestampHeader} (signed with a timestamp)` };
      data = Buffer.concat([Buffer.from(`${ts}:`, "utf8"), req.raw]);
    }
    return checkHmac(req, {
      secret,
      header: "X-Grafana-Alerting-Signature",
      encoding: "hex",
      ...(data !== undefined ? { data } : {}),
    });
  },
  map(body, ctx) {
    const b = requireObject("Grafana webhook", body);
    if (!Array.isArray(b.alerts)) throw new IntegrationError(400, 'missing "alerts": expected a list');
    const alerts = alertmanagerItems(b.alerts, ctx.nowNs, "grafana");
    for (const a of alerts) a.tags = { ...a.tags, source: a.tags.source ?? "grafana" };
    return { alerts };
  },
};
