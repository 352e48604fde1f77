/**
 * The cluster status document (src/cluster/status-view.ts, status-service.ts): decoded
 * assignments, member ids from client ids, lag arithmetic, the JSON shape with and without
 * this instance's parts, the admin-less fallback, and the tickd_cluster_* metrics.
 */
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { decodeAssignment, renderClusterMetrics } from "../../../src/cluster/status-service.js";
import {
  buildClusterStatus,
  localOnlyStatus,
  memberOfClientId,
  partitionLag,
  type AdminView,
  type ClusterIdentity,
  type LocalView,
} from "../../../src/cluster/status-view.js";
import { formatCluster, partitionList } from "../../../src/cli/client/cluster.js";

const encode = (assignment: Record<string, number[]>): Buffer =>
  kafkajs.AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: Buffer.alloc(0) });

const ID: ClusterIdentity = {
  name: "prod",
  memberId: "a:9092",
  inputGroup: "tickd-prod",
  dispatchGroup: "tickd-prod-dispatch",
  pointsTopic: "tickd-prod-points",
  notificationsTopic: "tickd-prod-notifications",
};

const offsets = (highs: string[]) => highs.map((high, partition) => ({ partition, low: "0", high }));

/** Two tickd members and one stray consumer, as describeGroups + fetchOffsets report them. */
const ADMIN: AdminView = {
  input: {
    group: "tickd-prod",
    state: "Stable",
    members: [
      {
        memberId: "tickd-prod-a:9092-1",
        clientId: "tickd-prod-a:9092",
        host: "10.0.0.1",
        assignment: decodeAssignment(encode({ "tickd-prod-points": [2, 0], metrics: [1] })),
      },
      {
        memberId: "tickd-prod-b:9092-1",
        clientId: "tickd-prod-b:9092",
        host: "10.0.0.2",
        assignment: decodeAssignment(encode({ "tickd-prod-points": [1, 3] })),
      },
    ],
    committed: { "tickd-prod-points": { 0: "10", 1: "-1", 2: "25", 3: "7" }, metrics: { 0: "5", 1: "-1" } },
  },
  dispatch: {
    group: "tickd-prod-dispatch",
    state: "Stable",
    members: [
      {
        memberId: "tickd-prod-b:9092-2",
        clientId: "tickd-prod-b:9092",
        host: "10.0.0.2",
        assignment: { "tickd-prod-notifications": [0, 1] },
      },
    ],
    committed: { "tickd-prod-notifications": { 0: "3", 1: "-1" } },
  },
  topics: {
    "tickd-prod-points": offsets(["12", "4", "25", "9"]),
    metrics: [
      { partition: 0, low: "0", high: "5" },
      { partition: 1, low: "2", high: "6" },
    ],
    "tickd-prod-notifications": offsets(["5", "2"]),
  },
};

const LOCAL: LocalView = {
  input: {
    partitions: () => [
      {
        topic: "tickd-prod-points",
        partition: 0,
        state: "active",
        restored: 40,
        restoreTotal: 40,
        committedOffset: "10",
      },
      {
        topic: "tickd-prod-points",
        partition: 2,
        state: "restoring",
        restored: 3,
        restoreTotal: 8,
        committedOffset: "25",
      },
    ],
  },
  dispatch: { inFlight: () => [{ partition: 1, pending: 2 }] },
  config: { progress: () => ({ applied: 17, caughtUp: true }) },
};

const WHEN = new Date("2026-12-05T20:00:00Z");

describe("assignments and lag", () => {
  it("decodes a member's assignment; an empty one (between join and sync) is none", () => {
    expect(decodeAssignment(encode({ t: [0, 2], u: [1] }))).toEqual({ t: [0, 2], u: [1] });
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({});
    expect(decodeAssignment(null)).toEqual({});
  });

  it("reads tickd's member id from the client id tickd-<name>-<id>; others stay as they are", () => {
    expect(memberOfClientId("prod", "tickd-prod-a:9092")).toBe("a:9092");
    expect(memberOfClientId("prod", "tickd-prod-")).toBe("tickd-prod-");
    expect(memberOfClientId("prod", "kafkajs")).toBe("kafkajs");
    expect(memberOfClientId("prod", "tickd-other-x")).toBe("tickd-other-x");
  });

  it("lag is end - committed, end - log start with nothing committed, never negative", () => {
    expect(partitionLag("4", "10", "0")).toBe(6);
    expect(partitionLag("-1", "10", "3")).toBe(7);
    expect(partitionLag("12", "10", "0")).toBe(0);
    expect(partitionLag("9007199254740990", "9007199254740999", "0")).toBe(9);
  });
});

describe("GET /tickd/v1/cluster document", () => {
  it("joins members over both groups, owners, offsets, lag and this instance's parts", () => {
    const s = buildClusterStatus(ID, ADMIN, LOCAL, WHEN);
    expect(s.members).toEqual([
      {
        id: "a:9092",
        client_id: "tickd-prod-a:9092",
        host: "10.0.0.1",
        partitions: { input: [0, 2], dispatch: [], input_topics: { metrics: [1] } },
      },
      {
        id: "b:9092",
        client_id: "tickd-prod-b:9092",
        host: "10.0.0.2",
        partitions: { input: [1, 3], dispatch: [0, 1] },
      },
    ]);
    expect(s).toMatchObject({
      enabled: true,
      name: "prod",
      member_id: "a:9092",
      updated: "2026-12-05T20:00:00.000Z",
    });
    expect(s.input!.partitions).toEqual([
      {
        topic: "tickd-prod-points",
        partition: 0,
        owner: "a:9092",
        state: "active",
        restored: 40,
        restore_total: 40,
        committed_offset: "10",
        end_offset: "12",
        lag: 2,
      },
      {
        topic: "tickd-prod-points",
        partition: 1,
        owner: "b:9092",
        committed_offset: "-1",
        end_offset: "4",
        lag: 4,
      },
      {
        topic: "tickd-prod-points",
        partition: 2,
        owner: "a:9092",
        state: "restoring",
        restored: 3,
        restore_total: 8,
        committed_offset: "25",
        end_offset: "25",
        lag: 0,
      },
      {
        topic: "tickd-prod-points",
        partition: 3,
        owner: "b:9092",
        committed_offset: "7",
        end_offset: "9",
        lag: 2,
      },
      { topic: "metrics", partition: 0, owner: null, committed_offset: "5", end_offset: "5", lag: 0 },
      { topic: "metrics", partition: 1, owner: "a:9092", committed_offset: "-1", end_offset: "6", lag: 4 },
    ]);
    expect(s.dispatch).toEqual({
      group: "tickd-prod-dispatch",
      topic: "tickd-prod-notifications",
      state: "Stable",
      in_flight: 2,
      partitions: [
        { partition: 0, owner: "b:9092", committed_offset: "3", end_offset: "5", lag: 2 },
        { partition: 1, owner: "b:9092", committed_offset: "-1", end_offset: "2", lag: 2, in_flight: 2 },
      ],
    });
    expect(s.config).toEqual({ applied: 17, caught_up: true });
  });

  it("leaves out the parts this build does not run, and topics that do not exist yet", () => {
    const s = buildClusterStatus(ID, { ...ADMIN, topics: { "tickd-prod-points": offsets(["1"]) } }, {}, WHEN);
    expect(s.config).toBeUndefined();
    expect(s.dispatch).toEqual({
      group: "tickd-prod-dispatch",
      topic: "tickd-prod-notifications",
      state: "Stable",
      partitions: [],
    });
    expect(s.input!.partitions).toEqual([
      {
        topic: "tickd-prod-points",
        partition: 0,
        owner: "a:9092",
        committed_offset: "10",
        end_offset: "1",
        lag: 0,
      },
    ]);
  });

  it("without the admin API: this instance's own partitions, in-flight count and config, and why", () => {
    const s = localOnlyStatus(ID, LOCAL, "Kafka admin API: Connection error: connect ECONNREFUSED");
    expect(s).toEqual({
      enabled: true,
      name: "prod",
      member_id: "a:9092",
      error: "Kafka admin API: Connection error: connect ECONNREFUSED",
      input: {
        group: "tickd-prod",
        topic: "tickd-prod-points",
        state: "Unknown",
        partitions: [
          {
            topic: "tickd-prod-points",
            partition: 0,
            owner: "a:9092",
            state: "active",
            restored: 40,
            restore_total: 40,
            committed_offset: "10",
          },
          {
            topic: "tickd-prod-points",
            partition: 2,
            owner: "a:9092",
            state: "restoring",
            restored: 3,
            restore_total: 8,
            committed_offset: "25",
          },
        ],
      },
      dispatch: {
        group: "tickd-prod-dispatch",
        topic: "tickd-prod-notifications",
        state: "Unknown",
        partitions: [],
        in_flight: 2,
      },
      config: { applied: 17, caught_up: true },
    });
    expect(localOnlyStatus(ID, {}, "x")).toEqual({
      enabled: true,
      name: "prod",
      member_id: "a:9092",
      error: "x",
    });
  });
});

describe("tickd_cluster_* metrics", () => {
  it("members, partitions owned per group, lag per partition, restore remaining of held partitions", () => {
    const text = renderClusterMetrics(buildClusterStatus(ID, ADMIN, LOCAL, WHEN), 3);
    const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(samples).toEqual([
      "tickd_cluster_status_errors_total 3",
      "tickd_cluster_members 2",
      'tickd_cluster_partitions_owned{group="tickd-prod"} 3',
      'tickd_cluster_partitions_owned{group="tickd-prod-dispatch"} 0',
      'tickd_cluster_lag{group="tickd-prod",topic="tickd-prod-points",partition="0"} 2',
      'tickd_cluster_lag{group="tickd-prod",topic="tickd-prod-points",partition="1"} 4',
      'tickd_cluster_lag{group="tickd-prod",topic="tickd-prod-points",partition="2"} 0',
      'tickd_cluster_lag{group="tickd-prod",topic="tickd-prod-points",partition="3"} 2',
      'tickd_cluster_lag{group="tickd-prod",topic="metrics",partition="0"} 0',
      'tickd_cluster_lag{group="tickd-prod",topic="metrics",partition="1"} 4',
      'tickd_cluster_lag{group="tickd-prod-dispatch",topic="tickd-prod-notifications",partition="0"} 2',
      'tickd_cluster_lag{group="tickd-prod-dispatch",topic="tickd-prod-notifications",partition="1"} 2',
      'tickd_cluster_restore_remaining{topic="tickd-prod-points",partition="0"} 0',
      'tickd_cluster_restore_remaining{topic="tickd-prod-points",partition="2"} 5',
    ]);
    expect(text).toContain("# TYPE tickd_cluster_lag gauge");
    expect(renderClusterMetrics(undefined, 0)).toBe(
      "# HELP tickd_cluster_status_errors_total Reads of the cluster's groups through the Kafka admin API that failed (see the warn log).\n" +
        "# TYPE tickd_cluster_status_errors_total counter\ntickd_cluster_status_errors_total 0\n",
    );
  });
});

describe("tickctl cluster's tables", () => {
  it("writes partition lists as ranges", () => {
    expect(partitionList([])).toBe("-");
    expect(partitionList([0, 1, 2, 3, 5, 7, 8])).toBe("0-3,5,7,8");
    expect(partitionList([4])).toBe("4");
  });

  it("prints members, input and dispatch partitions, config progress", () => {
    expect(formatCluster(buildClusterStatus(ID, ADMIN, LOCAL, WHEN))).toBe(
      `Cluster prod, this member: a:9092 (Kafka figures of 2026-12-05T20:00:00.000Z)

Members (2):
ID            Host     Input partitions Dispatch partitions Client ID
a:9092 (this) 10.0.0.1 0,2 metrics:1    -                   tickd-prod-a:9092
b:9092        10.0.0.2 1,3              0,1                 tickd-prod-b:9092

Input: group tickd-prod (Stable), topic tickd-prod-points
Topic             Partition Owner  State     Restored Committed End Lag
tickd-prod-points 0         a:9092 active    40/40    10        12  2
tickd-prod-points 1         b:9092                    -1        4   4
tickd-prod-points 2         a:9092 restoring 3/8      25        25  0
tickd-prod-points 3         b:9092                    7         9   2
metrics           0         -                         5         5   0
metrics           1         a:9092                    -1        6   4

Dispatch: group tickd-prod-dispatch (Stable), topic tickd-prod-notifications, in flight here: 2
Partition Owner  Committed End Lag
0         b:9092 3         5   2
1         b:9092 -1        2   2

Config topic: 17 records applied, caught up
`,
    );
    expect(formatCluster({ enabled: false })).toBe(
      "Cluster mode is off: this tickd runs as one node ([cluster] enabled = false).\n",
    );
  });
});
