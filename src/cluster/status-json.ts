/**
 * The JSON document of `GET /tickd/v1/cluster` (DESIGN §5, §11), built by status-view.ts.
 * Types only and no imports: the web console (ui/) shares them at build time, and `tickctl
 * cluster` reads them too.
 */

export interface MemberJson {
  /** tickd's member id (`[cluster] member-id`), read from the client id `tickd-<name>-<id>`. */
  id: string;
  client_id: string;
  host: string;
  partitions: {
    /** Partitions of the points topic (input.topic). */
    input: number[];
    /** Partitions of the notifications topic (dispatch.topic). */
    dispatch: number[];
    /** Partitions of other topics the input group reads (`[[kafka-input]]`), when there are any. */
    input_topics?: Record<string, number[]>;
  };
}

export interface InputPartitionJson {
  topic: string;
  partition: number;
  /** Member id of the owner; null while nobody holds it (a rebalance, no member). */
  owner: string | null;
  /** Only for partitions this instance holds, from its input part. */
  state?: "restoring" | "active";
  restored?: number;
  restore_total?: number;
  committed_offset: string;
  /** Absent when the admin API did not answer (only this instance's own figures). */
  end_offset?: string;
  lag?: number;
}

export interface DispatchPartitionJson {
  partition: number;
  owner: string | null;
  committed_offset: string;
  end_offset: string;
  lag: number;
  /** Notifications read and not yet delivered, on this instance (partitions it holds). */
  in_flight?: number;
}

export interface ClusterStatusJson {
  enabled: boolean;
  name?: string;
  member_id?: string;
  /** When the Kafka figures were read (RFC 3339). */
  updated?: string;
  /** Why the Kafka admin API gave no figures (then only this instance's own figures are shown). */
  error?: string;
  members?: MemberJson[];
  input?: { group: string; topic: string; state: string; partitions: InputPartitionJson[] };
  dispatch?: {
    group: string;
    topic: string;
    state: string;
    partitions: DispatchPartitionJson[];
    in_flight?: number;
  };
  config?: { applied: number; caught_up: boolean };
}
