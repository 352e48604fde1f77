/**
 * The real `amtool` (Debian's prometheus-alertmanager) against a spawned tickd, unchanged:
 * alert add/query, silence add/query/expire, and what a silence does to tickd's handlers.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { requireBinary } from "../support/services.js";

let tickd: TickdProcess;
let hook: Receiver;
let amtoolBin = "";

async function amtool(...args: string[]): Promise<string> {
  const r = await promisify(execFile)(amtoolBin, [`--alertmanager.url=${tickd.url}`, ...args], {
    timeout: 30_000,
  });
  return r.stdout;
}

async function amtoolJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await amtool(...args, "-o", "json")) as T;
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string; silencedBy: string[] };
  fingerprint: string;
}
interface AmSilence {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  createdBy: string;
  comment: string;
}

/** The post handler's notifications, as `host LEVEL` in journal order. */
async function sent(): Promise<string[]> {
  const res = await fetch(`${tickd.url}/tickd/v1/deliveries?handler=hook&limit=1000`);
  const rows = ((await res.json()) as { deliveries: { body: string; alert_id: string }[] }).deliveries;
  return rows.reverse().map((r) => r.alert_id.replace(/^DiskFull\{host="(\w+)".*$/, "$1"));
}

beforeAll(async () => {
  amtoolBin = requireBinary("amtool", "prometheus-alertmanager");
  hook = await startReceiver();
  tickd = await startTickd({
    tasks: {
      "exact.tick": `dbrp "telegraf"."autogen"
stream |from().measurement('cpu') |alert().id('Exact').crit(lambda: "v" > 90.0).topic('engine')`,
    },
    handlers: {
      "hook.yaml": JSON.stringify({
        topic: "prometheus",
        id: "hook",
        kind: "post",
        options: { url: `${hook.url}/hook` },
      }),
    },
  });
  await tickd.waitForLog((l) => typeof l["msg"] === "string" && l["msg"].startsWith("listening"));
});

afterAll(async () => {
  await tickd?.stop("SIGTERM");
  if (tickd !== undefined) rmSync(tickd.dir, { recursive: true, force: true });
  await hook?.close();
});

describe("amtool against tickd's /api/v2", () => {
  it("adds and queries alerts, silences one, and expires the silence", async () => {
    await amtool(
      "alert",
      "add",
      "DiskFull",
      "host=a",
      "severity=critical",
      "--annotation=summary=disk a full",
    );
    await amtool(
      "alert",
      "add",
      "DiskFull",
      "host=b",
      "severity=warning",
      "--annotation=summary=disk b full",
    );
    expect(await sent()).toEqual(["a", "b"]);

    const alerts = await amtoolJson<AmAlert[]>("alert", "query");
    expect(
      alerts.map((a) => [a.labels.host, a.labels.severity, a.annotations.summary, a.status.state]).sort(),
    ).toEqual([
      ["a", "critical", "disk a full", "active"],
      ["b", "warning", "disk b full", "active"],
    ]);
    expect(alerts[0]!.labels).toMatchObject({ alertname: "DiskFull", topic: "prometheus" });
    expect((await amtoolJson<AmAlert[]>("alert", "query", "host=b")).map((a) => a.labels.host)).toEqual([
      "b",
    ]);
    expect(
      (await amtoolJson<AmAlert[]>("alert", "query", 'severity=~"crit.*"')).map((a) => a.labels.host),
    ).toEqual(["a"]);
    // The human table works too.
    expect(await amtool("alert", "query")).toMatch(/DiskFull .*disk a full/);

    const id = (
      await amtool(
        "silence",
        "add",
        "alertname=DiskFull",
        'host=~"a|c"',
        "--comment=replacing disk",
        "--author=sre",
        "--duration=1h",
      )
    ).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const silences = await amtoolJson<AmSilence[]>("silence", "query");
    expect(silences).toEqual([
      expect.objectContaining({
        id,
        status: { state: "active" },
        createdBy: "sre",
        comment: "replacing disk",
        matchers: expect.arrayContaining([
          { name: "alertname", value: "DiskFull", isRegex: false, isEqual: true },
          { name: "host", value: "a|c", isRegex: true, isEqual: true },
        ]) as unknown,
      }),
    ]);
    expect(await amtool("silence", "query", "-q")).toBe(`${id}\n`);
    expect(await amtool("silence", "query", "-q", "host=b")).toBe("");

    // Silenced alerts leave the default query and show with --silenced.
    expect((await amtoolJson<AmAlert[]>("alert", "query")).map((a) => a.labels.host)).toEqual(["b"]);
    const silenced = await amtoolJson<AmAlert[]>("alert", "query", "--silenced");
    expect(silenced.map((a) => [a.labels.host, a.status.state, a.status.silencedBy])).toEqual([
      ["a", "suppressed", [id]],
    ]);

    // A repeat of a while silenced is not sent; b's is.
    await amtool(
      "alert",
      "add",
      "DiskFull",
      "host=a",
      "severity=critical",
      "--annotation=summary=disk a full",
    );
    await amtool(
      "alert",
      "add",
      "DiskFull",
      "host=b",
      "severity=warning",
      "--annotation=summary=disk b full",
    );
    expect(await sent()).toEqual(["a", "b", "b"]);

    await amtool("silence", "expire", id);
    expect(await amtool("silence", "query", "-q")).toBe("");
    expect(
      (await amtoolJson<AmSilence[]>("silence", "query", "--expired")).map((s) => [s.id, s.status.state]),
    ).toEqual([[id, "expired"]]);
    // The level the silence held back goes out once.
    await vi.waitFor(async () => expect(await sent()).toEqual(["a", "b", "b", "a"]), {
      timeout: 10_000,
      interval: 100,
    });
    expect((await amtoolJson<AmAlert[]>("alert", "query")).map((a) => a.labels.host).sort()).toEqual([
      "a",
      "b",
    ]);

    // Extending a silence keeps its id (amtool silence update reads it, then posts it back).
    const id2 = (await amtool("silence", "add", "host=b", "--comment=b", "--duration=1h")).trim();
    await amtool("silence", "update", id2, "--duration=2h");
    const after = await amtoolJson<(AmSilence & { endsAt: string; startsAt: string })[]>("silence", "query");
    expect(after.map((s) => s.id)).toEqual([id2]);
    expect(Date.parse(after[0]!.endsAt) - Date.parse(after[0]!.startsAt)).toBeGreaterThan(90 * 60_000);

    const status = JSON.parse(await amtool("config", "show", "-o", "json")) as Record<string, unknown>;
    expect(status).toBeTypeOf("object");
  });

  it("reads an engine alert's exact ns times (issue 12)", async () => {
    // …123999999 ns: as float64 ms (what tickd printed before) it became ….124Z.
    const w = await fetch(`${tickd.url}/write?db=telegraf&rp=autogen`, {
      method: "POST",
      body: "cpu,host=x v=95 1700000000123999999\n",
    });
    expect(w.status).toBe(204);
    let raw: unknown = [];
    for (let i = 0; i < 50 && (raw as unknown[]).length === 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      raw = await (await fetch(`${tickd.url}/api/v2/alerts?filter=alertname%3DExact`)).json();
    }
    expect(raw).toMatchObject([{ startsAt: "2023-11-14T22:13:20.123999999Z" }]);
    // amtool reads RFC3339Nano and prints Alertmanager's RFC3339Millis: the ms cut, not rounded.
    const alerts = await amtoolJson<(AmAlert & { startsAt: string; updatedAt: string })[]>(
      "alert",
      "query",
      "alertname=Exact",
    );
    expect(alerts.map((a) => [a.labels.topic, a.startsAt, a.updatedAt])).toEqual([
      ["engine", "2023-11-14T22:13:20.123Z", "2023-11-14T22:13:20.123Z"],
    ]);
  });
});
