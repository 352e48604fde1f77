/** This instance's id among the cluster's members (`[cluster] member-id`, DESIGN §11). */
import type { ClusterConfig } from "../config/types.js";

/** The configured id, else `<hostname>:<http port>` (the port the API really listens on). */
export function clusterMemberId(
  cfg: Pick<ClusterConfig, "memberId">,
  hostname: string,
  port: number,
): string {
  return cfg.memberId !== "" ? cfg.memberId : `${hostname}:${port}`;
}
