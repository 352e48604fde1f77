/**
 * Cluster mode end to end with a tickd instance killed (issue 16, DESIGN §11), on the 3-node
 * Kafka cluster: three spawned instances share 6 input partitions and the dispatch of the
 * notifications; 200 series go through CRITICAL → OK cycles over /write, every notification
 * is posted to a real receiver that answers slowly (requests are in flight at any moment). In
 * the middle of the second incident the instance that owns input partitions AND dispatches
 * notification partitions is killed with -9 while requests are in flight: its open input
 * transaction is replayed by the new owners, its unanswered deliveries are sent again.
 *
 * A receiver deduping on X-Tickd-Event-Id must see exactly one of each transition (the
 * replay makes the same event ids), with the recoveries' previousLevel and duration right.
 * Prints the raw duplicates and the time from the kill to deliveries resuming beside the
 * same figures for the incident before (no kill).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  balanced,
  checkIncidents,
  dispatchPartitions,
  dumpOnFinish,
  hostNames,
  inputPartitions,
  runIncident,
  startMembers,
  S,
  waitForTransitions,
} from "../support/cluster-incidents.js";
import { useDaemons, type TickdProcess } from "../support/daemon.js";
import { clusterBrokers, ensureWholeCluster } from "../support/kafka-cluster.js";
import { clusterName } from "../support/cluster-run.js";

const PARTITIONS = 6;
const HOSTS = 200;
const CYCLES = 3;

const daemons = useDaemons();
// A suite before this one may have left a broker down.
beforeAll(() => ensureWholeCluster(), 300_000);

describe("cluster mode: a tickd instance killed end to end", () => {
  it("kill -9 of an input owner and dispatcher mid-incident: a receiver deduping on X-Tickd-Event-Id sees each transition once", async () => {
    const brokers = clusterBrokers();
    const name = clusterName("fi");
    // Slow answers: the victim has deliveries in flight when it dies.
    const rx = await daemons.receiver({ fallback: { delayMs: 500 } });
    // The kill lands inside an open input transaction the new owner must replay.
    const members = await startMembers(daemons, {
      name,
      brokers,
      partitions: PARTITIONS,
      rxUrl: rx.url,
      commitInterval: "1s",
    });
    dumpOnFinish(members, rx);
    await balanced(members, PARTITIONS);
    let live = [...members];
    const hosts = hostNames(HOSTS);
    const base = Math.floor(Date.now() / 1000) * S;
    const baseline = await runIncident({ live: () => live, rx, hosts, base, cycle: 0 });

    let victimText = "";
    let inFlight = 0;
    const killed = await runIncident({
      live: () => live,
      rx,
      hosts,
      base,
      cycle: 1,
      atMoment: async () => {
        // The member with the most of both kinds of partitions.
        const both = (m: TickdProcess): number =>
          Math.min(inputPartitions(m).length, dispatchPartitions(m).length);
        const victim = [...members].sort((a, b) => both(b) - both(a))[0]!;
        expect(both(victim), "the victim owns input partitions and dispatches some").toBeGreaterThan(0);
        // Wait (bounded) for requests in flight: the CRITICALs are being delivered.
        const deadline = Date.now() + 30_000;
        while (rx.requests.filter((r) => r.answeredAt === undefined).length < 10) {
          if (Date.now() > deadline)
            throw new Error("no deliveries in flight within 30 s of the CRITICAL write");
          await new Promise((r) => setTimeout(r, 20));
        }
        inFlight = rx.requests.filter((r) => r.answeredAt === undefined).length;
        victimText =
          `m${members.indexOf(victim) + 1} (input partitions ${inputPartitions(victim).join(",")}, ` +
          `dispatch partitions ${dispatchPartitions(victim).join(",")})`;
        await victim.stop("SIGKILL");
        live = members.filter((m) => m !== victim);
      },
    });
    for (let c = 2; c < CYCLES; c++) await runIncident({ live: () => live, rx, hosts, base, cycle: c });

    const got = await waitForTransitions(rx, HOSTS * CYCLES * 2, 60_000);
    const { duplicates, transitions } = checkIncidents(got, hosts, CYCLES);
    console.log(
      `cluster instance kill -9 of ${victimText} with ${inFlight} requests in flight: ${got.length} deliveries, ` +
        `${duplicates} raw duplicates (same X-Tickd-Event-Id), deduped ${transitions} = one of each of the ` +
        `${HOSTS * CYCLES * 2} transitions; kill → first delivery ${killed.firstMs} ms, → every transition ` +
        `of the incident ${killed.allMs} ms; same steps without a kill: ${baseline.firstMs} ms, ${baseline.allMs} ms`,
    );
    expect(transitions).toBe(HOSTS * CYCLES * 2);
    // The survivors hold every partition between them again, none left restoring.
    await balanced(live, PARTITIONS, 60_000);
  }, 600_000);
});
