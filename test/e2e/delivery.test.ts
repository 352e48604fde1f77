/**
 * Delivery guarantees through the real daemon (DESIGN §8): retries after 503s, the journal
 * surviving kill -9, the deliveries API and /metrics, and the `X-Tickd-Event-Id` every attempt
 * of one notification carries (the same across retries and a kill -9).
 */
import { describe, expect, it } from "vitest";
import { type TickdProcess, cpuScript, useDaemons } from "../support/daemon.js";
import type { Receiver } from "../support/receiver.js";

const { tickd, receiver: startRecv, running } = useDaemons();

const FAST_RETRIES = `
[delivery]
  max-attempts = 0
  backoff-initial = "20ms"
  backoff-max = "100ms"
  concurrency = 1
`;

const receiver = (statuses: number[] = []): Promise<Receiver> => startRecv({ statuses });

function write(t: TickdProcess, body: string): Promise<Response> {
  return fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body });
}

interface Delivery {
  event_id: string;
  alert_id: string;
  status: string;
  attempts: number;
}

async function deliveries(t: TickdProcess): Promise<Delivery[]> {
  const res = await fetch(`${t.url}/tickd/v1/deliveries`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { deliveries: Delivery[] }).deliveries;
}

describe("delivery guarantees in the daemon", () => {
  it("503 three times then 200: one successful delivery, visible in the API and /metrics", async () => {
    const hook = await receiver([503, 503, 503, 200]);
    const t = await tickd({
      extraConfig: FAST_RETRIES,
      tasks: { "cpu.tick": cpuScript(`${hook.url}/alert`) },
    });
    expect((await write(t, "cpu,host=a usage_idle=5 1\n")).status).toBe(204);
    const reqs = await hook.waitFor(4, 10_000);
    expect(new Set(reqs.map((r) => (JSON.parse(r.body) as { id: string }).id))).toEqual(new Set(["cpu/a"]));
    await new Promise((r) => setTimeout(r, 200));
    expect(hook.requests).toHaveLength(4);
    const [d] = await deliveries(t);
    expect(d).toMatchObject({ alert_id: "cpu/a", status: "delivered", attempts: 4 });
    // Every attempt carried the notification's id, the one the API shows.
    expect(d!.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(reqs.map((r) => r.headers["x-tickd-event-id"])).toEqual(Array(4).fill(d!.event_id));
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/tickd_deliveries_total\{[^}]*outcome="delivered"\} 1/);
    // The daemon sends over its wire thread (src/delivery/wire-thread.ts), which never died here.
    expect(metrics).toMatch(/^tickd_delivery_wire_thread_deaths_total 0$/m);
  });

  it("a notification journaled while the endpoint is down survives kill -9 and is delivered after restart", async () => {
    const hook = await receiver();
    hook.setFallback({ status: 503 });
    const first = await tickd({
      extraConfig: FAST_RETRIES,
      tasks: { "cpu.tick": cpuScript(`${hook.url}/alert`) },
    });
    await write(first, "cpu,host=b usage_idle=5 1\n");
    await hook.waitFor(2, 10_000);
    expect((await deliveries(first))[0]).toMatchObject({ alert_id: "cpu/b", status: "retrying" });
    await first.stop("SIGKILL");
    running.splice(running.indexOf(first), 1);

    hook.setFallback({ status: 200 });
    const before = hook.requests.length;
    const second = await tickd({ dir: first.dir, extraConfig: FAST_RETRIES });
    await hook.waitFor(before + 1, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    const rows = await deliveries(second);
    const row = rows.find((d) => d.alert_id === "cpu/b");
    expect(row).toMatchObject({ status: "delivered" });
    // The replay after the kill sent the id the attempts before it carried.
    expect(row!.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(hook.requests.map((r) => r.headers["x-tickd-event-id"]))).toEqual(
      new Set([row!.event_id]),
    );
    expect(hook.requests.length).toBeGreaterThan(before);
  });
});
