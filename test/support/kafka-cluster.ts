/**
 * The 3-node Kafka cluster of cluster mode's tests (DESIGN §11), started by `bash
 * scripts/services.sh up-cluster` (`npm run test:integration` does it when a suite imports this
 * file). Brokers come from `KAFKA_CLUSTER_BROKERS`; a missing cluster fails the test naming the
 * command, never skips it.
 *
 * ```ts
 * const brokers = clusterBrokers();        // ["127.0.0.1:19192", "127.0.0.1:19292", "127.0.0.1:19392"]
 * killBroker(2);                           // kill -9 node 2, as a crash would
 * await waitForLeaders([topic], { isr: 2 }); // every partition led, at least 2 in sync
 * startBroker(2);                          // back on its kept data
 * await waitForBrokers(3);
 * ```
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { REPO } from "./cli.js";

const SERVICES = `${REPO}scripts/services.sh`;

/** `KAFKA_CLUSTER_BROKERS` split on commas; node n (1-3) is the n-th entry. */
export function clusterBrokers(): string[] {
  const value = process.env["KAFKA_CLUSTER_BROKERS"]?.trim();
  if (!value) {
    throw new Error(
      "the 3-node Kafka cluster is not running: start it with 'bash scripts/services.sh up-cluster' and " +
        "export KAFKA_CLUSTER_BROKERS (bash scripts/services.sh env prints it), or run npm run test:integration",
    );
  }
  return value
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b !== "");
}

function services(...args: string[]): string {
  try {
    return execFileSync("bash", [SERVICES, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `services.sh ${args.join(" ")} failed: ${err.stderr ?? ""}${err.stdout ?? ""}${err.message}`,
    );
  }
}

// ---- one broker down at a time ---------------------------------------------------------
// Suites run in parallel workers; two of them killing a broker each would leave one of three
// and stop every write (min.insync.replicas = 2). A kill takes the cluster's "turn" (a lock
// directory in the run's temp dir, owned by this worker) and startBroker gives it back; a turn
// whose owner process is gone is taken over.
const TURN_TOKEN = `${process.pid} ${randomUUID()}`;
const TURN_WAIT_MS = 240_000;
const turnDir = (): string => join(tmpdir(), "tickd-kafka-cluster-turn");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the turn if free (or already ours); returns the holder otherwise. */
function tryTurn(): true | string {
  const dir = turnDir();
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, "owner"), TURN_TOKEN);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  let owner: string;
  try {
    owner = readFileSync(join(dir, "owner"), "utf8");
  } catch {
    return "a suite taking it right now";
  }
  if (owner === TURN_TOKEN) return true;
  const pid = Number(owner.split(" ")[0]);
  if (!alive(pid)) {
    rmSync(dir, { recursive: true, force: true });
    return tryTurn();
  }
  return `pid ${pid}`;
}

function turnTimeout(holder: string): Error {
  return new Error(
    `another suite has kept a broker of the 3-node cluster down for over ${TURN_WAIT_MS} ms (${holder}, lock ${turnDir()})`,
  );
}

/** Waits (bounded) for the cluster's turn: no other suite has a broker down meanwhile. */
export async function takeBrokerTurn(): Promise<void> {
  const deadline = Date.now() + TURN_WAIT_MS;
  for (;;) {
    const r = tryTurn();
    if (r === true) return;
    if (Date.now() > deadline) throw turnTimeout(r);
    await new Promise((res) => setTimeout(res, 250));
  }
}

function takeBrokerTurnSync(): void {
  const deadline = Date.now() + TURN_WAIT_MS;
  const slot = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const r = tryTurn();
    if (r === true) return;
    if (Date.now() > deadline) throw turnTimeout(r);
    Atomics.wait(slot, 0, 0, 250);
  }
}

/** Gives the turn back (no-op unless this worker holds it). */
export function releaseBrokerTurn(): void {
  try {
    if (readFileSync(join(turnDir(), "owner"), "utf8") === TURN_TOKEN)
      rmSync(turnDir(), { recursive: true, force: true });
  } catch {
    // not held
  }
}

/** kill -9 broker `n` (1-3), once no other suite has a broker down; returns once the process is gone. */
export function killBroker(n: number): void {
  takeBrokerTurnSync();
  services("kill-broker", String(n));
}

/** Stops broker `n` with SIGTERM (a controlled shutdown: it hands its leaderships over first). */
export function stopBroker(n: number): void {
  services("stop-broker", String(n));
}

/**
 * Starts broker `n` again on the data it kept; returns once it answers and sees all three
 * brokers, and gives the turn back.
 */
export function startBroker(n: number): void {
  services("start-broker", String(n));
  releaseBrokerTurn();
}

/** A kafkajs client of the cluster, quiet (tests assert on what they need). */
export function clusterKafka(clientId = "tickd-test"): Kafka {
  return new Kafka({
    clientId,
    brokers: clusterBrokers(),
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 },
  });
}

async function withAdmin<T>(f: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = clusterKafka("tickd-test-admin").admin();
  await admin.connect();
  try {
    return await f(admin);
  } finally {
    await admin.disconnect();
  }
}

async function pollUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<string | true>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const r = await check();
      if (r === true) return;
      last = r;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`${what} not reached within ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until the cluster's metadata lists `count` brokers (3: all of them again). */
export async function waitForBrokers(count = 3, timeoutMs = 60_000): Promise<void> {
  await pollUntil(`${count} brokers`, timeoutMs, () =>
    withAdmin(async (admin) => {
      const { brokers } = await admin.describeCluster();
      return brokers.length === count ? true : `brokers: ${brokers.map((b) => b.nodeId).join(",")}`;
    }),
  );
}

/**
 * Waits until every partition of `topics` has a leader and at least `isr` in-sync replicas
 * (default 3: fully replicated again after a restart).
 */
export async function waitForLeaders(
  topics: readonly string[],
  opts: { isr?: number; timeoutMs?: number; without?: number } = {},
): Promise<void> {
  const isr = opts.isr ?? 3;
  const gone = opts.without;
  await pollUntil(
    `leaders with ${isr} in-sync replicas for ${topics.join(", ")}`,
    opts.timeoutMs ?? 60_000,
    () =>
      withAdmin(async (admin) => {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
        for (const t of meta) {
          for (const p of t.partitions) {
            if (
              p.leader < 0 ||
              p.isr.length < isr ||
              (gone !== undefined && (p.leader === gone || p.isr.includes(gone)))
            )
              return `${t.name}/${p.partitionId}: leader ${p.leader}, isr [${p.isr.join(",")}]`;
          }
        }
        return true;
      }),
  );
}

/** Kafka's own topics that exist now: group offsets and the transaction state log. */
export async function kafkaInternalTopics(): Promise<string[]> {
  return withAdmin(async (admin) =>
    (await admin.listTopics()).filter((t) => t === "__consumer_offsets" || t === "__transaction_state"),
  );
}

/**
 * Makes the cluster whole before a suite that kills a broker: waits for the turn, starts any
 * node that is down (a suite that died with one killed), waits for 3 brokers and for Kafka's
 * own topics (group offsets, transactions) to be fully in sync again — a broker killed while
 * a restarted one is still catching up would leave them under min.insync.replicas. Bounded.
 */
export async function ensureWholeCluster(): Promise<void> {
  clusterBrokers(); // not configured: say so now, not after a minute of polling
  await takeBrokerTurn();
  try {
    services("up-cluster");
    await waitForBrokers(3);
    const internal = await kafkaInternalTopics();
    if (internal.length > 0) await waitForLeaders(internal, { isr: 3, timeoutMs: 120_000 });
  } finally {
    releaseBrokerTurn();
  }
}

/** Java's String#hashCode, which Kafka hashes transactional and group ids with. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs(id.hashCode) % partitions: the coordinator partition of an id. */
function coordinatorPartition(id: string, partitions: number): number {
  const h = javaHash(id);
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

export interface BrokerRoles {
  /** `topic/partition` this broker leads. */
  leads: string[];
  /** Transactional ids whose coordinator it is. */
  transactions: string[];
  /** Consumer groups whose coordinator it is. */
  groups: string[];
}

/**
 * What each broker (by node id 1-3) does now for the given topics, transactional ids and
 * groups: partition leaderships, and the transaction and group coordinators — the leaders of
 * the `__transaction_state` / `__consumer_offsets` partitions the ids hash to, as Kafka
 * places them.
 */
export async function brokerRoles(q: {
  topics: readonly string[];
  transactionalIds: readonly string[];
  groups: readonly string[];
}): Promise<Map<number, BrokerRoles>> {
  return withAdmin(async (admin) => {
    const roles = new Map<number, BrokerRoles>();
    const of = (n: number): BrokerRoles => {
      let r = roles.get(n);
      if (r === undefined) roles.set(n, (r = { leads: [], transactions: [], groups: [] }));
      return r;
    };
    const { topics } = await admin.fetchTopicMetadata({
      topics: [...q.topics, "__transaction_state", "__consumer_offsets"],
    });
    const leaderOf = (topic: string, partition: number): number => {
      const t = topics.find((x) => x.name === topic);
      const p = t?.partitions.find((x) => x.partitionId === partition);
      if (t === undefined || p === undefined) throw new Error(`no metadata for ${topic}/${partition}`);
      return p.leader;
    };
    const count = (topic: string): number => topics.find((x) => x.name === topic)?.partitions.length ?? 0;
    for (const t of topics)
      if (q.topics.includes(t.name))
        for (const p of t.partitions) of(p.leader).leads.push(`${t.name}/${p.partitionId}`);
    for (const id of q.transactionalIds)
      of(
        leaderOf("__transaction_state", coordinatorPartition(id, count("__transaction_state"))),
      ).transactions.push(id);
    for (const g of q.groups)
      of(leaderOf("__consumer_offsets", coordinatorPartition(g, count("__consumer_offsets")))).groups.push(g);
    return roles;
  });
}
