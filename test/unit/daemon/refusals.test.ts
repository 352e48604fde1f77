/**
 * Issue 11 item 3: a handler that cannot send (service disabled, URL outside `[webhook]
 * allowed-hosts`) is refused when it is defined or loaded, and when one still meets an alert
 * (restored from the store after the config changed) the refusal is journaled as a `failed`
 * delivery with its reason and counted in /metrics — never only a log line.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { TickdConfig } from "../../../src/config/index.js";
import { startDaemonIn } from "../../support/in-process-daemon.js";
import { startReceiver, type Receiver } from "../../support/receiver.js";

const TICK = (handlers: string): string => `dbrp "telegraf"."autogen"
stream |from().measurement('cpu') |alert().crit(lambda: "usage_idle" < 10.0).topic('ops')${handlers}`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function receiver(): Promise<Receiver> {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  return rx;
}

/** Only example.com may be posted to; [victorops] enabled or not. */
const strict =
  (victorops: boolean, voUrl: string) =>
  (c: TickdConfig): TickdConfig => ({
    ...c,
    victorops: { ...c.victorops, enabled: victorops, apiKey: "k3y", routingKey: "rk", url: voUrl },
    webhook: { ...c.webhook, allowedHosts: victorops ? ["*"] : ["example.com"] },
  });

async function start(
  files: Parameters<typeof startDaemonIn>[0],
  config: (c: TickdConfig) => TickdConfig,
  dir?: string,
) {
  const { daemon, dir: d } = await startDaemonIn(files, { config, ...(dir !== undefined ? { dir } : {}) });
  if (dir === undefined) cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${daemon.port}`;
  return { daemon, dir: d, url };
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

describe("define/load time", () => {
  it("refuses a victorops handler while [victorops] is disabled and a post URL outside allowed-hosts", async () => {
    const rx = await receiver();
    const { daemon, url } = await start(
      {
        handlers: {
          "bad.yaml": `topic: ops\nid: blocked\nkind: post\noptions:\n  url: ${rx.url}/hook\n`,
          "good.yaml": "topic: ops\nid: fine\nkind: post\noptions:\n  url: https://example.com/hook\n",
        },
      },
      strict(false, rx.url),
    );
    cleanups.push(() => daemon.stop());

    const vo = await fetch(
      `${url}/kapacitor/v1/alerts/topics/ops/handlers`,
      json("POST", { id: "vo", kind: "victorops" }),
    );
    expect(vo.status).toBe(400);
    expect(((await vo.json()) as { error: string }).error).toMatch(/victorops.*service is not enabled/);

    const post = await fetch(
      `${url}/kapacitor/v1/alerts/topics/ops/handlers`,
      json("POST", { id: "hook", kind: "post", options: { url: `${rx.url}/x` } }),
    );
    expect(post.status).toBe(400);
    expect(((await post.json()) as { error: string }).error).toMatch(/not in \[webhook\] allowed-hosts/);

    // The handler file naming a refused host is reported, the other one loads.
    const report = await daemon.reload();
    expect(report.handlers.loaded).toEqual(["ops/fine"]);
    expect(report.handlers.errors.join("\n")).toMatch(/bad\.yaml:\d+: .*not in \[webhook\] allowed-hosts/);

    for (const [handlers, why] of [
      [".victorOps()", /\.victorOps\(\) at line 2 char \d+: .*service is not enabled/],
      [`.post('${rx.url}/x')`, /\.post\(\) at line 2 char \d+: .*not in \[webhook\] allowed-hosts/],
    ] as const) {
      const res = await fetch(`${url}/kapacitor/v1/tasks`, json("POST", { id: "t", script: TICK(handlers) }));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(why);
    }
    // A templated URL can only be checked per event: it is accepted.
    const templated = await fetch(
      `${url}/kapacitor/v1/tasks`,
      json("POST", { id: "t", script: TICK(`.post('https://{{ index .Tags "host" }}.example.com/x')`) }),
    );
    expect(templated.status).toBe(200);
    expect(rx.requests).toEqual([]);
  });
});

describe("send time", () => {
  it("journals a handler that can no longer send as failed with the reason, and counts it", async () => {
    const rx = await receiver();
    // First run: everything allowed; the handlers are defined through the API and stored.
    const first = await start({}, strict(true, rx.url));
    for (const body of [
      { id: "vo", kind: "victorops" },
      { id: "hook", kind: "post", options: { url: `${rx.url}/hook` } },
    ]) {
      const res = await fetch(`${first.url}/kapacitor/v1/alerts/topics/ops/handlers`, json("POST", body));
      expect(res.status).toBe(200);
    }
    const task = await fetch(
      `${first.url}/kapacitor/v1/tasks`,
      json("POST", { id: "cpu", script: TICK(""), status: "enabled" }),
    );
    expect(task.status).toBe(200);
    await first.daemon.stop();

    // Restart with [victorops] disabled and only example.com allowed: both handlers are restored.
    const { daemon, url } = await start({}, strict(false, rx.url), first.dir);
    cleanups.push(() => daemon.stop());
    const w = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: "cpu,host=a usage_idle=5 1\n",
    });
    expect(w.status).toBe(204);
    await daemon.topics.drain();

    const list = (await (await fetch(`${url}/tickd/v1/deliveries?status=failed`)).json()) as {
      deliveries: {
        handler: string;
        topic: string;
        alert_id: string;
        status: string;
        attempts: number;
        last_error: string;
      }[];
    };
    const byHandler = Object.fromEntries(list.deliveries.map((d) => [d.handler, d]));
    expect(Object.keys(byHandler).sort()).toEqual(["hook", "vo"]);
    expect(byHandler.vo).toMatchObject({ topic: "ops", alert_id: "cpu:nil", status: "failed", attempts: 0 });
    expect(byHandler.vo!.last_error).toBe("E_HANDLER_DISABLED: service is not enabled");
    expect(byHandler.hook!.last_error).toMatch(/^E_HANDLER_REFUSED: refused to send to .*allowed-hosts/);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('tickd_deliveries_total{topic="ops",handler="vo",outcome="failed"} 1');
    expect(metrics).toContain('tickd_deliveries_total{topic="ops",handler="hook",outcome="failed"} 1');
    expect(rx.requests).toEqual([]);
  });

  it("a handler whose [[escalation]] target is gone after a restart records each event as failed instead of vanishing", async () => {
    const rx = await receiver();
    const withTarget = (c: TickdConfig): TickdConfig => ({
      ...c,
      escalation: [
        { name: "pager", url: `${rx.url}/esc`, authKey: "s3cret", scheme: "hmac-sha256", events: [] },
      ],
    });
    const first = await start({}, withTarget);
    const h = await fetch(
      `${first.url}/kapacitor/v1/alerts/topics/ops/handlers`,
      json("POST", { id: "esc", kind: "escalation", options: { name: "pager" } }),
    );
    expect(h.status).toBe(200);
    const task = await fetch(
      `${first.url}/kapacitor/v1/tasks`,
      json("POST", { id: "cpu", script: TICK(".escalation('pager')"), status: "enabled" }),
    );
    expect(task.status).toBe(200);
    await first.daemon.stop();

    // The [[escalation]] section was removed from the config.
    const { daemon, url } = await start({}, (c) => ({ ...c, escalation: [] }), first.dir);
    cleanups.push(() => daemon.stop());
    // The stored handler is still listed: it can be fixed or deleted.
    expect((await fetch(`${url}/kapacitor/v1/alerts/topics/ops/handlers/esc`)).status).toBe(200);
    await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: "cpu,host=a usage_idle=5 1\n",
    });
    await daemon.topics.drain();
    const list = (await (await fetch(`${url}/tickd/v1/deliveries?status=failed`)).json()) as {
      deliveries: { handler: string; last_error: string }[];
    };
    expect(list.deliveries.map((d) => d.handler).sort()).toEqual(["esc", "tick:escalation0"]);
    for (const d of list.deliveries)
      expect(d.last_error).toMatch(/^E_HANDLER_OPTIONS: .*no \[\[escalation\]\] named "pager"/);
    expect(rx.requests).toEqual([]);
  });
});
