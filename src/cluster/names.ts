/**
 * The Kafka names of one tickd cluster (DESIGN §11), all derived from `[cluster] name`, so
 * every instance of the cluster finds the same topics and groups without being told.
 */

export interface ClusterNames {
  /** Points written through HTTP /write and InfluxDB subscriptions, keyed by series. */
  readonly pointsTopic: string;
  /** Compacted changelog of task state, co-partitioned with the input, keyed by task/node/group. */
  readonly stateTopic: string;
  /** Notifications produced by the engine, keyed by alert id, read by the dispatchers. */
  readonly notificationsTopic: string;
  /** Compacted topic of tasks, handlers, silences, acks and connectors, read whole by every instance. */
  readonly configTopic: string;
  /** Consumer group of the input (points topic and `[[kafka-input]]` topics). */
  readonly inputGroup: string;
  /** Consumer group of the notification dispatchers. */
  readonly dispatchGroup: string;
  /** Prefix of the transactional ids; one per input partition (`<prefix><topic>-<partition>`). */
  readonly transactionalIdPrefix: string;
}

export function clusterNames(name: string): ClusterNames {
  const base = `tickd-${name}`;
  return {
    pointsTopic: `${base}-points`,
    stateTopic: `${base}-state`,
    notificationsTopic: `${base}-notifications`,
    configTopic: `${base}-config`,
    inputGroup: base,
    dispatchGroup: `${base}-dispatch`,
    transactionalIdPrefix: `${base}-tx-`,
  };
}
