/**
 * `GET /tickd/v1/cluster` (DESIGN §5, §11): members, partitions owned, restore progress and
 * lag of the cluster this instance belongs to (src/cluster/status-service.ts). One node (no
 * `[cluster] enabled`) answers `{"enabled": false}` with 200, so a client can always ask.
 * When the Kafka admin API does not answer, 503 with this instance's own figures and `error`.
 */
import type { ClusterStatusService } from "../../cluster/status-service.js";
import type { ExtraRoute } from "./types.js";

export interface ClusterRouteDeps {
  /** The status service in cluster mode (undefined: one node, or not started yet). */
  status(): ClusterStatusService | undefined;
  /** `[cluster] enabled`. */
  enabled: boolean;
}

export function createClusterRoutes(d: ClusterRouteDeps): ExtraRoute[] {
  return [
    {
      method: "GET",
      path: "/tickd/v1/cluster",
      handle: async (ctx) => {
        if (!d.enabled) return ctx.json(200, { enabled: false });
        const service = d.status();
        if (service === undefined) return ctx.error(503, "cluster mode is starting");
        const snap = await service.snapshot();
        ctx.json(snap.ok ? 200 : 503, snap.status);
      },
    },
  ];
}
