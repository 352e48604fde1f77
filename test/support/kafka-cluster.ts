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

/** kill -9 broker `n` (1-3); returns once the process is gone. */
export function killBroker(n: number): void {
  services("kill-broker", String(n));
}

/** Stops broker `n` with SIGTERM (a controlled shutdown: it hands its leaderships over first). */
export function stopBroker(n: number): void {
  services("stop-broker", String(n));
}

/** Starts broker `n` again on the data it kept; returns once it answers and sees all three brokers. */
export function startBroker(n: number): void {
  services("start-broker", String(n));
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
  opts: { isr?: number; timeoutMs?: number } = {},
): Promise<void> {
  const isr = opts.isr ?? 3;
  await pollUntil(
    `leaders with ${isr} in-sync replicas for ${topics.join(", ")}`,
    opts.timeoutMs ?? 60_000,
    () =>
      withAdmin(async (admin) => {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
        for (const t of meta) {
          for (const p of t.partitions) {
            if (p.leader < 0 || p.isr.length < isr)
              return `${t.name}/${p.partitionId}: leader ${p.leader}, isr [${p.isr.join(",")}]`;
          }
        }
        return true;
      }),
  );
}
