/** `webhook`: the generic format (see ../mapping.ts); signed with `[webhook] incoming-secret` by the routes. */
import { genericIncoming } from "../mapping.js";
import type { InboundSource } from "./types.js";

export const webhook: InboundSource = {
  name: "webhook",
  map(body, ctx) {
    const items = Array.isArray(body)
      ? body.map((b, i) => genericIncoming(b, i, ctx.nowNs))
      : [genericIncoming(body, -1, ctx.nowNs)];
    return { alerts: items };
  },
};
