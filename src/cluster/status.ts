/**
 * What `GET /tickd/v1/cluster`, `tickctl cluster`, `/metrics` and the console show of cluster
 * mode. Each cluster part reports its own piece through these interfaces; the status route
 * joins them with what the Kafka admin API says about the groups (members, assignments, lag).
 */

/** One input partition as this instance sees it. */
export interface LocalPartitionStatus {
  readonly topic: string;
  readonly partition: number;
  /** restoring: reading the state changelog; active: processing input. */
  readonly state: "restoring" | "active";
  /** Changelog records read so far, and the changelog's end offset at assignment (restore progress). */
  readonly restored: number;
  readonly restoreTotal: number;
  /** Last input offset committed in a transaction ("-1" before the first). */
  readonly committedOffset: string;
}

/** The input side (points, state changelog, transactions) of this instance. */
export interface InputStatusSource {
  partitions(): readonly LocalPartitionStatus[];
}

/** The dispatcher side of this instance. */
export interface DispatchStatusSource {
  /** Notifications read from the topic and not yet delivered or failed, per partition. */
  inFlight(): readonly { readonly partition: number; readonly pending: number }[];
}

/** The config side of this instance. */
export interface ConfigStatusSource {
  /** Records of the config topic applied locally, and whether the initial read reached the end. */
  progress(): { readonly applied: number; readonly caughtUp: boolean };
}
