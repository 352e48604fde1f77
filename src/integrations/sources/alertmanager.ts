/** `alertmanager` (alias `prometheus`): Alertmanager's webhook payload, version 4 (see ../mapping.ts). */
import { alertmanagerBodyItems } from "../mapping.js";
import type { InboundSource } from "./types.js";

export const alertmanager: InboundSource = {
  name: "alertmanager",
  aliases: ["prometheus"],
  map: (body, ctx) => ({ alerts: alertmanagerBodyItems(body, ctx.nowNs) }),
};
