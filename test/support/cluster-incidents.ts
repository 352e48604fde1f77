/**
 * Incidents for cluster mode's end-to-end failover suites (issue 16, DESIGN §11): tickd
 * instances on one Kafka cluster, series driven through CRITICAL → OK cycles over `/write`,
 * every notification posted to a real receiver, and the checks of what the receiver got.
 *
 * ```ts
 * const members = [await tickd({ extraConfig: clusterSection({ name, brokers, member: "m1" }), tasks: incidentTasks(rx.url) }), …];
 * await balanced(members, 6);
 * await writeLevel(members, hosts, t, "CRITICAL");
 * const got = await waitForTransitions(rx, hosts.length * cycles * 2, 120_000);
 * const { duplicates } = checkIncidents(got, hosts, cycles);   // throws on a lost or re-identified transition
 * ```
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import type { TickdProcess } from "./daemon.js";
import type { Receiver, RecordedRequest } from "./receiver.js";

export const S = 1_000_000_000;
/** Data time from a cycle's CRITICAL to its OK: every recovery's `duration`. */
export const INCIDENT_NS = 10 * S;

export function hostNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `h${String(i).padStart(3, "0")}`);
}

/** One stream task: CRITICAL on usage_idle < 10 per host, every change posted to `<url>/alert`. */
export function incidentTasks(url: string): Record<string, string> {
  return {
    "cpu.tick": `dbrp "telegraf"."autogen"
stream
  |from()
    .measurement('cpu')
    .groupBy('host')
  |alert()
    .id('cpu:{{ index .Tags "host" }}')
    .crit(lambda: "usage_idle" < 10)
    .post('${url}/alert')
`,
  };
}

export function clusterSection(o: {
  name: string;
  brokers: readonly string[];
  member: string;
  partitions: number;
  replicationFactor?: number;
  commitInterval?: string;
}): string {
  return [
    "[cluster]",
    "  enabled = true",
    `  name = ${JSON.stringify(o.name)}`,
    `  brokers = ${JSON.stringify(o.brokers)}`,
    `  partitions = ${o.partitions}`,
    `  replication-factor = ${o.replicationFactor ?? 1}`,
    `  member-id = ${JSON.stringify(o.member)}`,
    `  commit-interval = ${JSON.stringify(o.commitInterval ?? "200ms")}`,
  ].join("\n");
}

async function metric(p: TickdProcess, name: string): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** Waits (bounded) until the instances own all input partitions between them, each some, all restored. */
export async function balanced(live: TickdProcess[], partitions: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const counts = await Promise.all(
      live.map(async (p) => [
        await metric(p, 'tickd_cluster_partitions_owned{state="active"}'),
        await metric(p, 'tickd_cluster_partitions_owned{state="restoring"}'),
      ]),
    );
    const active = counts.reduce((a, [x]) => a + x!, 0);
    const dispatching = live.every((p) => dispatchPartitions(p).length > 0);
    if (active === partitions && counts.every(([a, r]) => a! > 0 && r === 0) && dispatching) return;
    last = `active/restoring per instance ${JSON.stringify(counts)}, dispatch ${live.map((p) => dispatchPartitions(p).join(",")).join(" | ")}`;
    if (Date.now() > deadline)
      throw new Error(`the instances did not share the partitions within ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The input partitions (of the points topic) an instance owns now, from its last assignment log. */
export function inputPartitions(p: TickdProcess): number[] {
  const l = [...p.logs].reverse().find((x) => x["msg"] === "cluster: partitions assigned");
  const owned = (l?.["owned"] as string[] | undefined) ?? [];
  return owned.map((k) => Number(k.slice(k.lastIndexOf("/") + 1)));
}

/** The notification partitions an instance dispatches now, from its last assignment log. */
export function dispatchPartitions(p: TickdProcess): number[] {
  const l = [...p.logs].reverse().find((x) => x["msg"] === "cluster dispatcher: partitions assigned");
  return (l?.["partitions"] as number[] | undefined) ?? [];
}

/**
 * Every host at `level` at data time `t`, spread over the live instances. A write a
 * instance refuses while Kafka elects new leaders (503) is sent again, as a client would
 * (bounded): the points are the same, so a repeat makes no extra transition.
 */
export async function writeLevel(
  live: TickdProcess[],
  hosts: readonly string[],
  t: number,
  level: "CRITICAL" | "OK",
  timeoutMs = 60_000,
): Promise<{ retries: number }> {
  const chunk = Math.ceil(hosts.length / live.length);
  let retries = 0;
  await Promise.all(
    live.map(async (p, i) => {
      const body = hosts
        .slice(i * chunk, (i + 1) * chunk)
        .map((h) => `cpu,host=${h} usage_idle=${level === "CRITICAL" ? 5 : 50} ${BigInt(t).toString()}`)
        .join("\n");
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let why: string;
        try {
          const res = await fetch(`${p.url}/write?db=telegraf&rp=autogen&precision=n`, {
            method: "POST",
            body,
          });
          if (res.status === 204) return;
          why = `${res.status} ${await res.text()}`;
          if (res.status !== 503) throw new Error(`write to ${p.url}: ${why}`);
        } catch (e) {
          if ((e as Error).message.startsWith("write to ")) throw e;
          why = (e as Error).message;
        }
        if (Date.now() > deadline)
          throw new Error(`write to ${p.url} not taken within ${timeoutMs} ms: ${why}`);
        retries++;
        await new Promise((r) => setTimeout(r, 250));
      }
    }),
  );
  return { retries };
}

export interface Delivery {
  eventId: string;
  id: string;
  level: string;
  previousLevel: string;
  duration: number;
  time: string;
  receivedAt: number;
  remotePort: number;
  answered: boolean;
}

export function deliveries(rx: Receiver): Delivery[] {
  return rx.requests.filter((r) => r.path === "/alert").map(toDelivery);
}

function toDelivery(r: RecordedRequest): Delivery {
  const b = JSON.parse(r.body) as Record<string, unknown>;
  return {
    eventId: String(r.headers["x-tickd-event-id"] ?? ""),
    id: b["id"] as string,
    level: b["level"] as string,
    previousLevel: b["previousLevel"] as string,
    duration: b["duration"] as number,
    time: b["time"] as string,
    receivedAt: r.receivedAt,
    remotePort: r.remotePort,
    answered: r.answeredAt !== undefined,
  };
}

/** A transition: one alert id changing level at one data time. */
export const transitionOf = (d: Delivery): string => `${d.id} ${d.time} ${d.level}`;

/** Waits (bounded) until the receiver got `count` distinct transitions, answered; then 2 s more for repeats. */
export async function waitForTransitions(
  rx: Receiver,
  count: number,
  timeoutMs: number,
): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = new Set(
      deliveries(rx)
        .filter((d) => d.answered)
        .map(transitionOf),
    );
    if (got.size >= count) break;
    if (Date.now() > deadline)
      throw new Error(`the receiver got ${got.size} of ${count} transitions within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 2000));
  return deliveries(rx);
}

/**
 * Checks what a receiver got for `cycles` CRITICAL → OK cycles of every host: every
 * transition at least once, nothing else, a repeat always with its original's
 * `X-Tickd-Event-Id` (so a receiver deduping on it sees exactly one of each), and every
 * recovery with previousLevel CRITICAL and the incident's duration. Returns the raw duplicate
 * count (requests beyond the first of their event id).
 */
export function checkIncidents(
  got: readonly Delivery[],
  hosts: readonly string[],
  cycles: number,
): { duplicates: number; transitions: number } {
  const idsOf = new Map<string, Set<string>>();
  for (const d of got) {
    const k = transitionOf(d);
    let s = idsOf.get(k);
    if (s === undefined) idsOf.set(k, (s = new Set()));
    s.add(d.eventId);
  }
  const reIdentified = [...idsOf].filter(([, s]) => s.size !== 1 || [...s][0] === "");
  if (reIdentified.length > 0)
    throw new Error(
      `${reIdentified.length} transition(s) came with another X-Tickd-Event-Id than their first (or none): ` +
        reIdentified
          .slice(0, 5)
          .map(([k, s]) => `${k} [${[...s].join(", ")}]`)
          .join("; "),
    );
  // Deduped on the event id, as a receiver would.
  const firsts = new Map<string, Delivery>();
  for (const d of got) if (!firsts.has(d.eventId)) firsts.set(d.eventId, d);
  const byHost = new Map<string, Delivery[]>();
  for (const d of firsts.values()) {
    const list = byHost.get(d.id) ?? [];
    list.push(d);
    byHost.set(d.id, list);
  }
  const expected = Array.from({ length: cycles }, () => [
    "CRITICAL/OK/0",
    `OK/CRITICAL/${INCIDENT_NS}`,
  ]).flat();
  const wrong: string[] = [];
  for (const h of hosts) {
    const seen = (byHost.get(`cpu:${h}`) ?? [])
      .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
      .map((d) => `${d.level}/${d.previousLevel}/${d.duration}`);
    if (JSON.stringify(seen) !== JSON.stringify(expected)) wrong.push(`cpu:${h}: ${seen.join(" ")}`);
  }
  if (wrong.length > 0 || byHost.size !== hosts.length)
    throw new Error(
      `${wrong.length} series did not get exactly [${expected.join(" ")}] (deduped on X-Tickd-Event-Id), ` +
        `${byHost.size} alert ids for ${hosts.length} hosts: ${wrong.slice(0, 5).join("; ")}`,
    );
  return { duplicates: got.length - firsts.size, transitions: firsts.size };
}

/** Data time of cycle `c`'s CRITICAL (or, `ok`, its OK) point: cycles 20 s apart from `base`. */
export const cycleTime = (base: number, c: number, ok: boolean): number =>
  base + c * 2 * INCIDENT_NS + (ok ? INCIDENT_NS : 0);

/** The cycle a delivery belongs to, from its data time. */
export const cycleOf = (base: number, d: Delivery): number =>
  Math.floor((Date.parse(d.time) * 1e6 - base) / (2 * INCIDENT_NS));

export interface IncidentFigures {
  /** From the moment (after the CRITICAL write; the kill, if any) to the first delivery after it. */
  firstMs: number;
  /** From the moment to the last delivery of the cycle's transitions. */
  allMs: number;
  /** Writes answered 503 and sent again. */
  retries: number;
}

/**
 * One incident of every host: CRITICAL written, 300 ms later `atMoment` (a kill, say), then
 * OK written to the instances `live()` names then; waits (bounded) until the receiver has every
 * transition of cycles 0..cycle. The figures time the deliveries from that moment.
 */
export async function runIncident(o: {
  live: () => TickdProcess[];
  rx: Receiver;
  hosts: readonly string[];
  base: number;
  cycle: number;
  atMoment?: () => Promise<void>;
  timeoutMs?: number;
}): Promise<IncidentFigures> {
  const { rx, hosts, base, cycle } = o;
  await writeLevel(o.live(), hosts, cycleTime(base, cycle, false), "CRITICAL");
  await new Promise((r) => setTimeout(r, 300));
  await o.atMoment?.();
  const t0 = Date.now();
  const { retries } = await writeLevel(o.live(), hosts, cycleTime(base, cycle, true), "OK");
  await waitForTransitions(rx, hosts.length * (cycle + 1) * 2, o.timeoutMs ?? 180_000);
  const after = deliveries(rx).filter((d) => d.receivedAt >= t0);
  const ofCycle = deliveries(rx).filter((d) => cycleOf(base, d) === cycle);
  return {
    firstMs: after.length > 0 ? Math.min(...after.map((d) => d.receivedAt)) - t0 : NaN,
    allMs: Math.max(...ofCycle.map((d) => d.receivedAt)) - t0,
    retries,
  };
}

/** CLUSTER_DEBUG_DIR=<dir>: each member's log and the receiver's deliveries are written there when the test ends. */
export function dumpOnFinish(members: readonly TickdProcess[], rx: Receiver): void {
  const dir = process.env["CLUSTER_DEBUG_DIR"];
  if (dir === undefined) return;
  onTestFinished(() => {
    for (const [i, m] of members.entries())
      writeFileSync(join(dir, `m${i + 1}.log`), m.logs.map((l) => JSON.stringify(l)).join("\n"));
    writeFileSync(
      join(dir, "receiver.log"),
      deliveries(rx)
        .map((d) => JSON.stringify(d))
        .join("\n"),
    );
  });
}
