/**
 * Cluster status for `GET /tickd/v1/cluster`, `tickctl cluster`, the console and `/metrics`
 * (DESIGN §11): reads the two consumer groups and their topics through the Kafka admin API and
 * joins what this instance's cluster parts report (src/cluster/status.ts) — see status-view.ts
 * for the document itself.
 *
 * States: created → started (a refresh every `refreshMs`, so `/metrics`, which is rendered
 * synchronously, always has figures at most that old) → stopped (admin disconnected, no more
 * refreshes). A refresh runs at most once at a time: callers arriving meanwhile share it, and
 * one younger than `maxAgeMs` is reused. A refresh that fails (brokers down, timeout) is
 * logged once per distinct error, counted in `tickd_cluster_status_errors_total`, and the
 * route answers 503 with this instance's own figures and the reason.
 *
 * The other cluster parts hand in their status sources with {@link ClusterStatusService.attach}
 * when they start; a part not running in this build is simply left out of the document.
 */
import kafkajs from "kafkajs";
import type { Admin, Kafka } from "kafkajs";

import { coerceError } from "../core/errors.js";
import { escapeLabel } from "../delivery/index.js";
import type { EngineLogger } from "../engine/context.js";
import { clusterNames } from "./names.js";
import {
  buildClusterStatus,
  localOnlyStatus,
  type AdminView,
  type ClusterIdentity,
  type ClusterStatusJson,
  type GroupView,
  type LocalView,
  type TopicOffsets,
} from "./status-view.js";

export interface ClusterStatusOptions {
  readonly name: string;
  readonly memberId: string;
  readonly kafka: Kafka;
  readonly logger: EngineLogger;
  /** Background refresh period for `/metrics`; default 5 s. */
  readonly refreshMs?: number;
  /** A snapshot younger than this is reused by the route; default 1 s. */
  readonly maxAgeMs?: number;
  /** One refresh gives up after this long; default 5 s. */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

export interface ClusterSnapshot {
  readonly status: ClusterStatusJson;
  /** False when the admin API did not answer (`status.error` says why). */
  readonly ok: boolean;
}

/**
 * Decodes a member's assignment (the consumer protocol's MemberAssignment bytes); an empty
 * buffer (a member between join and sync) is no assignment.
 */
export function decodeAssignment(buf: Buffer | null | undefined): Record<string, number[]> {
  if (buf === null || buf === undefined || buf.length === 0) return {};
  const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(buf);
  return decoded === null ? {} : { ...decoded.assignment };
}

export class ClusterStatusService {
  private readonly id: ClusterIdentity;
  private local: LocalView = {};
  private admin: Admin | undefined;
  private connected: Promise<void> | undefined;
  private inFlight: Promise<ClusterSnapshot> | undefined;
  private last: { at: number; snap: ClusterSnapshot } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastError = "";
  /** Refreshes that failed, for `/metrics`. */
  errors = 0;

  constructor(private readonly o: ClusterStatusOptions) {
    const n = clusterNames(o.name);
    this.id = {
      name: o.name,
      memberId: o.memberId,
      inputGroup: n.inputGroup,
      dispatchGroup: n.dispatchGroup,
      pointsTopic: n.pointsTopic,
      notificationsTopic: n.notificationsTopic,
    };
  }

  /** A cluster part reports here (input, dispatcher, config); a later call replaces that part. */
  attach(parts: LocalView): void {
    this.local = { ...this.local, ...parts };
  }

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    const tick = (): void => {
      this.snapshot(0).catch(() => undefined);
    };
    tick();
    this.timer = setInterval(tick, this.o.refreshMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
    const admin = this.admin;
    this.admin = undefined;
    this.connected = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  /** The document now (or no older than `maxAgeMs`). Never throws: a failure is in `ok`/`error`. */
  snapshot(maxAgeMs = this.o.maxAgeMs ?? 1000): Promise<ClusterSnapshot> {
    const now = Date.now();
    if (this.last !== undefined && now - this.last.at < maxAgeMs) return Promise.resolve(this.last.snap);
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** The last snapshot taken (the background refresh keeps it fresh); undefined before the first. */
  latest(): ClusterSnapshot | undefined {
    return this.last?.snap;
  }

  private async refresh(): Promise<ClusterSnapshot> {
    let snap: ClusterSnapshot;
    try {
      const admin = await this.withTimeout(this.readAdmin());
      snap = { ok: true, status: buildClusterStatus(this.id, admin, this.local, this.now()) };
      if (this.lastError !== "")
        this.o.logger.log("info", "cluster status: the Kafka admin API answers again");
      this.lastError = "";
    } catch (e) {
      const message = `Kafka admin API: ${coerceError(e).message}`;
      this.errors++;
      if (message !== this.lastError)
        this.o.logger.log("warn", "cluster status: could not read the groups from Kafka", { error: message });
      this.lastError = message;
      // A broken connection is rebuilt on the next refresh.
      const admin = this.admin;
      this.admin = undefined;
      this.connected = undefined;
      void admin?.disconnect().catch(() => undefined);
      snap = { ok: false, status: localOnlyStatus(this.id, this.local, message) };
    }
    this.last = { at: Date.now(), snap };
    return snap;
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    const ms = this.o.timeoutMs ?? 5000;
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(t));
  }

  private async client(): Promise<Admin> {
    if (this.stopped) throw new Error("stopped");
    if (this.admin === undefined) {
      // Few retries: a status page should say "not reachable" quickly, not wait on backoff.
      this.admin = this.o.kafka.admin({ retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 } });
      this.connected = this.admin.connect();
    }
    await this.connected;
    return this.admin;
  }

  private async readAdmin(): Promise<AdminView> {
    const admin = await this.client();
    const { groups } = await admin.describeGroups([this.id.inputGroup, this.id.dispatchGroup]);
    const described = (group: string): Omit<GroupView, "committed"> => {
      const g = groups.find((x) => x.groupId === group);
      return {
        group,
        state: g?.state ?? "Dead",
        members: (g?.members ?? []).map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          host: m.clientHost.replace(/^\//, ""),
          assignment: g?.protocolType === "consumer" ? decodeAssignment(m.memberAssignment) : {},
        })),
      };
    };
    const input = described(this.id.inputGroup);
    const dispatch = described(this.id.dispatchGroup);
    const existing = new Set(await admin.listTopics());
    const inputTopics = new Set([this.id.pointsTopic]);
    for (const m of input.members) for (const t of Object.keys(m.assignment)) inputTopics.add(t);
    const want = (ts: Iterable<string>): string[] => [...ts].filter((t) => existing.has(t));
    const [inputCommitted, dispatchCommitted] = await Promise.all([
      committed(admin, this.id.inputGroup, want(inputTopics)),
      committed(admin, this.id.dispatchGroup, want([this.id.notificationsTopic])),
    ]);
    const topics: Record<string, TopicOffsets[]> = {};
    for (const t of want([...inputTopics, ...Object.keys(inputCommitted), this.id.notificationsTopic])) {
      topics[t] = (await admin.fetchTopicOffsets(t))
        .map((p) => ({ partition: p.partition, low: p.low, high: p.high }))
        .sort((a, b) => a.partition - b.partition);
    }
    return {
      input: { ...input, committed: inputCommitted },
      dispatch: { ...dispatch, committed: dispatchCommitted },
      topics,
    };
  }

  /** Prometheus text of the last snapshot (see {@link renderClusterMetrics}). */
  renderMetrics(): string {
    return renderClusterMetrics(this.last?.snap.status, this.errors);
  }
}

/**
 * `tickd_cluster_*` in Prometheus text: members, partitions this instance owns per group, lag
 * per group and partition, restore progress of the partitions it holds, failed admin reads.
 * Only the error counter before the first snapshot.
 */
export function renderClusterMetrics(s: ClusterStatusJson | undefined, errors: number): string {
  const out: string[] = [];
  const fam = (name: string, type: string, help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  fam(
    "tickd_cluster_status_errors_total",
    "counter",
    "Reads of the cluster's groups through the Kafka admin API that failed (see the warn log).",
  );
  out.push(`tickd_cluster_status_errors_total ${errors}`);
  if (s !== undefined) {
    const { input, dispatch } = s;
    if (s.members !== undefined) {
      fam(
        "tickd_cluster_members",
        "gauge",
        "tickd instances (and other clients) in the cluster's consumer groups.",
      );
      out.push(`tickd_cluster_members ${s.members.length}`);
    }
    fam("tickd_cluster_partitions_owned", "gauge", "Partitions this instance holds, per consumer group.");
    const owned = (rows: readonly { owner: string | null }[] | undefined): number =>
      (rows ?? []).filter((r) => r.owner === s.member_id).length;
    for (const g of [input, dispatch])
      if (g !== undefined)
        out.push(`tickd_cluster_partitions_owned{group="${escapeLabel(g.group)}"} ${owned(g.partitions)}`);
    fam(
      "tickd_cluster_lag",
      "gauge",
      "Records a consumer group has yet to read (end offset - committed offset).",
    );
    for (const p of input?.partitions ?? [])
      if (p.lag !== undefined)
        out.push(
          `tickd_cluster_lag{group="${escapeLabel(input!.group)}",topic="${escapeLabel(p.topic)}",partition="${p.partition}"} ${p.lag}`,
        );
    for (const p of dispatch?.partitions ?? [])
      out.push(
        `tickd_cluster_lag{group="${escapeLabel(dispatch!.group)}",topic="${escapeLabel(dispatch!.topic)}",partition="${p.partition}"} ${p.lag}`,
      );
    fam(
      "tickd_cluster_restore_remaining",
      "gauge",
      "State changelog records still to read before this instance processes the partition (0: active).",
    );
    for (const p of input?.partitions ?? [])
      if (p.restored !== undefined && p.restore_total !== undefined)
        out.push(
          `tickd_cluster_restore_remaining{topic="${escapeLabel(p.topic)}",partition="${p.partition}"} ${Math.max(0, p.restore_total - p.restored)}`,
        );
  }
  return out.join("\n") + "\n";
}

/** A group's committed offsets per topic and partition ("-1": none). */
async function committed(
  admin: Admin,
  groupId: string,
  topics: string[],
): Promise<Record<string, Record<number, string>>> {
  if (topics.length === 0) return {};
  const out: Record<string, Record<number, string>> = {};
  for (const t of await admin.fetchOffsets({ groupId, topics })) {
    const parts: Record<number, string> = {};
    for (const p of t.partitions) parts[p.partition] = p.offset;
    out[t.topic] = parts;
  }
  return out;
}
