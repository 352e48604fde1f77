/**
 * On-call history through the real daemon (DESIGN §12): every state change and every
 * delivery attempt of an alert, `GET /tickd/v1/history` filters and order, `tickctl history`,
 * kept across kill -9, and `[alert] history-retention` bounding what is returned and kept.
 */
import { describe, expect, it } from "vitest";
import { runBuilt } from "../support/cli.js";
import { type TickdProcess, cpuScript, useDaemons } from "../support/daemon.js";

const { tickd, receiver, running } = useDaemons();

const FAST_RETRIES = `
[delivery]
  max-attempts = 0
  backoff-initial = "20ms"
  backoff-max = "100ms"
`;

interface Entry {
  id: number;
  time: string;
  type: string;
  topic: string;
  alert_id: string;
  task: string;
  level?: string;
  previous_level?: string;
  status?: string;
  attempt?: number;
  http_status?: number;
  handler?: string;
}

function write(t: TickdProcess, body: string): Promise<Response> {
  return fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body });
}

async function history(t: TickdProcess, query = ""): Promise<Entry[]> {
  const res = await fetch(`${t.url}/tickd/v1/history${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { history: Entry[] }).history;
}

/** Polls until `pred` holds for the history (bounded). */
async function historyWhere(t: TickdProcess, pred: (h: Entry[]) => boolean, query = ""): Promise<Entry[]> {
  let h: Entry[] = [];
  for (let i = 0; i < 100; i++) {
    h = await history(t, query);
    if (pred(h)) return h;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`history never matched; last:\n${JSON.stringify(h, null, 2)}`);
}

describe("on-call history in the daemon", () => {
  it("records each state change and each delivery attempt, newest first, with filters", async () => {
    const hook = await receiver({ statuses: [500, 500, 200] });
    const t = await tickd({ extraConfig: FAST_RETRIES, tasks: { "cpu.tick": cpuScript(`${hook.url}/a`) } });
    expect((await write(t, "cpu,host=a usage_idle=5 1\ncpu,host=b usage_idle=50 1\n")).status).toBe(204);
    await hook.waitFor(3, 10_000);
    const h = await historyWhere(t, (x) => x.some((e) => e.status === "delivered"), "?id=cpu/a");
    // Newest first: delivered (attempt 3), retrying 2, retrying 1, queued, then the state change.
    expect(h.map((e) => [e.type, e.status ?? e.level, e.attempt ?? null])).toEqual([
      ["delivery", "delivered", 3],
      ["delivery", "retrying", 2],
      ["delivery", "retrying", 1],
      ["delivery", "queued", 0],
      ["state", "CRITICAL", null],
    ]);
    expect(h[0]).toMatchObject({ topic: "main:cpu:alert2", task: "cpu", http_status: 200 });
    expect(h[1]).toMatchObject({ http_status: 500 });
    expect(h[4]).toMatchObject({ previous_level: "OK", task: "cpu" });
    expect(h.map((e) => e.id)).toEqual([...h.map((e) => e.id)].sort((a, b) => b - a));

    // host=b never changed state: nothing recorded for it.
    expect(await history(t, "?id=cpu/b")).toEqual([]);
    expect((await history(t, "?type=state&task=cpu")).map((e) => e.alert_id)).toEqual(["cpu/a"]);
    expect(await history(t, "?task=other")).toEqual([]);
    expect(await history(t, "?limit=2")).toHaveLength(2);
    expect(await history(t, "?until=2000-01-01T00:00:00Z")).toEqual([]);
    expect(await history(t, "?since=1h")).toHaveLength(5);
    const bad = await fetch(`${t.url}/tickd/v1/history?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^since: expected an RFC 3339 time/);

    // Recovery is a state change too.
    await write(t, "cpu,host=a usage_idle=50 2\n");
    await historyWhere(t, (x) => x[0]?.type === "state" && x[0].level === "OK", "?type=state&id=cpu/a");

    const cli = runBuilt("tickctl", ["history", "--id", "cpu/a", "--type", "state", "--url", t.url]);
    expect(cli.stderr).toBe("");
    expect(cli.status).toBe(0);
    const lines = cli.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^Time\s+Type\s+Topic\s+Alert\s+What$/);
    expect(lines[1]).toMatch(/state\s+main:cpu:alert2\s+cpu\/a\s+CRITICAL → OK/);
    expect(lines[2]).toMatch(/state\s+main:cpu:alert2\s+cpu\/a\s+OK → CRITICAL/);
  });

  it("notes acks, snoozes and each notification a silence held back", async () => {
    const hook = await receiver();
    const script = cpuScript(`${hook.url}/a`).replace("        .stateChangesOnly()\n", "");
    const t = await tickd({ tasks: { "cpu.tick": script } });
    await write(t, "cpu,host=d usage_idle=5 1\n");
    await hook.waitFor(1, 10_000);
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(`${t.url}${path}`, { method: "POST", body: JSON.stringify(body) });
    const topic = encodeURIComponent("main:cpu:alert2");
    expect((await post(`/tickd/v1/alerts/${topic}/cpu/d/ack`, { by: "ann", comment: "on it" })).status).toBe(
      200,
    );
    expect((await post(`/tickd/v1/alerts/${topic}/cpu/d/snooze`, { by: "ann", for: "1h" })).status).toBe(200);
    // A refused action leaves no note.
    expect((await post(`/tickd/v1/alerts/${topic}/cpu/nope/ack`, { by: "ann" })).status).toBe(404);
    await write(t, "cpu,host=d usage_idle=4 2\n");
    const h = await historyWhere(t, (x) => x[0]?.status === "held", "?type=note");
    expect(h.map((e) => [e.alert_id, e.status, e.handler, (e as { message?: string }).message])).toEqual([
      ["cpu/d", "held", undefined, "notification held back by a silence (handler tick:post0)"],
      ["cpu/d", "snooze", "ann", "for 1h"],
      ["cpu/d", "ack", "ann", "on it"],
    ]);
    expect(h[0]).toMatchObject({ topic: "main:cpu:alert2", task: "cpu" });
  });

  it("survives kill -9, and history-retention drops what is older", async () => {
    const hook = await receiver();
    const first = await tickd({ tasks: { "cpu.tick": cpuScript(`${hook.url}/a`) } });
    await write(first, "cpu,host=c usage_idle=5 1\n");
    await historyWhere(first, (x) => x.some((e) => e.status === "delivered"));
    await first.stop("SIGKILL");
    running.splice(running.indexOf(first), 1);
    const second = await tickd({ dir: first.dir });
    expect((await history(second)).map((e) => e.status ?? e.level)).toEqual([
      "delivered",
      "queued",
      "CRITICAL",
    ]);
    await second.stop("SIGKILL");
    running.splice(running.indexOf(second), 1);
    await new Promise((r) => setTimeout(r, 1100));
    const third = await tickd({ dir: first.dir, extraConfig: `[alert]\n  history-retention = "1s"\n` });
    expect(await history(third)).toEqual([]);
  });
});
