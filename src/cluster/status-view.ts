/**
 * The document of `GET /tickd/v1/cluster` (DESIGN §5, §11), built from two halves:
 * - what the Kafka admin API says of the cluster's two consumer groups (members, their
 *   decoded assignments, committed offsets) and of the topics (end offsets): {@link AdminView};
 * - what this instance's own cluster parts report through src/cluster/status.ts (restore
 *   progress, in-flight notifications, config read): {@link LocalView}, each part optional.
 * Pure functions only, so the shapes and the lag arithmetic are unit-tested without Kafka.
 */
import type {
  ClusterStatusJson,
  DispatchPartitionJson,
  InputPartitionJson,
  MemberJson,
} from "./status-json.js";
import type { ConfigStatusSource, DispatchStatusSource, InputStatusSource } from "./status.js";

/** One member of a consumer group as describeGroups reports it, its assignment decoded. */
export interface GroupMemberView {
  /** Kafka's member id (`<client id>-<uuid>`), unique per group join. */
  readonly memberId: string;
  readonly clientId: string;
  /** The address the broker saw the member connect from (without kafkajs' leading "/"). */
  readonly host: string;
  /** Topic → partitions assigned to this member. */
  readonly assignment: Readonly<Record<string, readonly number[]>>;
}

export interface GroupView {
  readonly group: string;
  /** Kafka's group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
  readonly state: string;
  readonly members: readonly GroupMemberView[];
  /** Committed offsets per topic and partition ("-1" when none). */
  readonly committed: Readonly<Record<string, Readonly<Record<number, string>>>>;
}

/** Offsets of one partition of a topic (ListOffsets). */
export interface TopicOffsets {
  readonly partition: number;
  /** Log start offset. */
  readonly low: string;
  /** End offset (the last stable offset under read-committed isolation). */
  readonly high: string;
}

export interface AdminView {
  readonly input: GroupView;
  readonly dispatch: GroupView;
  /** Every topic either group reads, with its partitions' offsets; a missing topic is absent. */
  readonly topics: Readonly<Record<string, readonly TopicOffsets[]>>;
}

export interface LocalView {
  readonly input?: InputStatusSource;
  readonly dispatch?: DispatchStatusSource;
  readonly config?: ConfigStatusSource;
}

// ------------------------------------------------------------------------- the JSON document

export type {
  ClusterStatusJson,
  DispatchPartitionJson,
  InputPartitionJson,
  MemberJson,
} from "./status-json.js";

/** Everything `tickd-<name>-` names: the cluster's own topics and client ids. */
export interface ClusterIdentity {
  readonly name: string;
  readonly memberId: string;
  readonly inputGroup: string;
  readonly dispatchGroup: string;
  readonly pointsTopic: string;
  readonly notificationsTopic: string;
}

/**
 * tickd's member id from a Kafka client id: every cluster part builds its client with
 * `clusterKafka`, whose client id is `tickd-<name>-<member id>`. Any other client (a stray
 * consumer in the group) is shown under its client id as it is.
 */
export function memberOfClientId(name: string, clientId: string): string {
  const prefix = `tickd-${name}-`;
  return clientId.startsWith(prefix) && clientId.length > prefix.length
    ? clientId.slice(prefix.length)
    : clientId;
}

/**
 * Records a group still has to read: end − committed; with nothing committed yet, all that
 * is in the log (end − start). Offsets are int64 strings; never negative (a committed offset
 * can be past a truncated end for a moment).
 */
export function partitionLag(committed: string, end: string, low: string): number {
  const e = BigInt(end);
  const c = BigInt(committed);
  const from = c < 0n ? BigInt(low) : c;
  const lag = e - from;
  return lag > 0n ? Number(lag) : 0;
}

/** Partition → owner (member id) of one topic, from a group's decoded assignments. */
function owners(group: GroupView, topic: string, name: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of group.members) {
    for (const p of m.assignment[topic] ?? []) out.set(p, memberOfClientId(name, m.clientId));
  }
  return out;
}

function sorted(ns: Iterable<number>): number[] {
  return [...ns].sort((a, b) => a - b);
}

function members(id: ClusterIdentity, admin: AdminView): MemberJson[] {
  const byId = new Map<string, MemberJson>();
  const entry = (m: GroupMemberView): MemberJson => {
    const key = memberOfClientId(id.name, m.clientId);
    let e = byId.get(key);
    if (e === undefined) {
      e = { id: key, client_id: m.clientId, host: m.host, partitions: { input: [], dispatch: [] } };
      byId.set(key, e);
    }
    return e;
  };
  for (const m of admin.input.members) {
    const e = entry(m);
    for (const [topic, parts] of Object.entries(m.assignment)) {
      if (topic === id.pointsTopic) e.partitions.input.push(...parts);
      else
        (e.partitions.input_topics ??= {})[topic] = [...(e.partitions.input_topics?.[topic] ?? []), ...parts];
    }
  }
  for (const m of admin.dispatch.members)
    entry(m).partitions.dispatch.push(...(m.assignment[id.notificationsTopic] ?? []));
  for (const e of byId.values()) {
    e.partitions.input = sorted(e.partitions.input);
    e.partitions.dispatch = sorted(e.partitions.dispatch);
    for (const [t, ps] of Object.entries(e.partitions.input_topics ?? {}))
      e.partitions.input_topics![t] = sorted(ps);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The topics the input group reads: the points topic first, then any other it is assigned or has offsets in. */
function inputTopics(id: ClusterIdentity, admin: AdminView): string[] {
  const set = new Set<string>([id.pointsTopic]);
  for (const m of admin.input.members) for (const t of Object.keys(m.assignment)) set.add(t);
  for (const t of Object.keys(admin.input.committed)) set.add(t);
  return [...set].filter((t) => admin.topics[t] !== undefined);
}

function localInput(local: LocalView): Map<string, ReturnType<InputStatusSource["partitions"]>[number]> {
  const out = new Map<string, ReturnType<InputStatusSource["partitions"]>[number]>();
  for (const p of local.input?.partitions() ?? []) out.set(`${p.topic}\0${p.partition}`, p);
  return out;
}

function withLocalInput(
  row: InputPartitionJson,
  p: ReturnType<InputStatusSource["partitions"]>[number] | undefined,
): InputPartitionJson {
  if (p === undefined) return row;
  return { ...row, state: p.state, restored: p.restored, restore_total: p.restoreTotal };
}

function inFlightOf(local: LocalView): { total: number; byPartition: Map<number, number> } | undefined {
  if (local.dispatch === undefined) return undefined;
  const byPartition = new Map<number, number>();
  let total = 0;
  for (const p of local.dispatch.inFlight()) {
    byPartition.set(p.partition, (byPartition.get(p.partition) ?? 0) + p.pending);
    total += p.pending;
  }
  return { total, byPartition };
}

/** The full document from the admin figures and this instance's parts. */
export function buildClusterStatus(
  id: ClusterIdentity,
  admin: AdminView,
  local: LocalView,
  updated: Date,
): ClusterStatusJson {
  const mine = localInput(local);
  const input: InputPartitionJson[] = [];
  for (const topic of inputTopics(id, admin)) {
    const own = owners(admin.input, topic, id.name);
    for (const o of admin.topics[topic] ?? []) {
      const committed = admin.input.committed[topic]?.[o.partition] ?? "-1";
      input.push(
        withLocalInput(
          {
            topic,
            partition: o.partition,
            owner: own.get(o.partition) ?? null,
            committed_offset: committed,
            end_offset: o.high,
            lag: partitionLag(committed, o.high, o.low),
          },
          mine.get(`${topic}\0${o.partition}`),
        ),
      );
    }
  }
  const flight = inFlightOf(local);
  const dispatchOwners = owners(admin.dispatch, id.notificationsTopic, id.name);
  const dispatch: DispatchPartitionJson[] = (admin.topics[id.notificationsTopic] ?? []).map((o) => {
    const committed = admin.dispatch.committed[id.notificationsTopic]?.[o.partition] ?? "-1";
    const owner = dispatchOwners.get(o.partition) ?? null;
    const row: DispatchPartitionJson = {
      partition: o.partition,
      owner,
      committed_offset: committed,
      end_offset: o.high,
      lag: partitionLag(committed, o.high, o.low),
    };
    if (flight !== undefined && (owner === id.memberId || flight.byPartition.has(o.partition)))
      row.in_flight = flight.byPartition.get(o.partition) ?? 0;
    return row;
  });
  return {
    enabled: true,
    name: id.name,
    member_id: id.memberId,
    updated: updated.toISOString(),
    members: members(id, admin),
    input: { group: id.inputGroup, topic: id.pointsTopic, state: admin.input.state, partitions: input },
    dispatch: {
      group: id.dispatchGroup,
      topic: id.notificationsTopic,
      state: admin.dispatch.state,
      partitions: dispatch,
      ...(flight !== undefined ? { in_flight: flight.total } : {}),
    },
    ...configPart(local),
  };
}

/**
 * What this instance alone can say when the admin API does not answer: its own partitions
 * (no owners, offsets or lag), in-flight count and config progress, with the reason.
 */
export function localOnlyStatus(id: ClusterIdentity, local: LocalView, error: string): ClusterStatusJson {
  const flight = inFlightOf(local);
  return {
    enabled: true,
    name: id.name,
    member_id: id.memberId,
    error,
    ...(local.input !== undefined
      ? {
          input: {
            group: id.inputGroup,
            topic: id.pointsTopic,
            state: "Unknown",
            partitions: local.input.partitions().map((p) =>
              withLocalInput(
                {
                  topic: p.topic,
                  partition: p.partition,
                  owner: id.memberId,
                  committed_offset: p.committedOffset,
                },
                p,
              ),
            ),
          },
        }
      : {}),
    ...(flight !== undefined
      ? {
          dispatch: {
            group: id.dispatchGroup,
            topic: id.notificationsTopic,
            state: "Unknown",
            partitions: [],
            in_flight: flight.total,
          },
        }
      : {}),
    ...configPart(local),
  };
}

function configPart(local: LocalView): Pick<ClusterStatusJson, "config"> {
  if (local.config === undefined) return {};
  const p = local.config.progress();
  return { config: { applied: p.applied, caught_up: p.caughtUp } };
}
