/**
 * The sensu kind against a real TCP listener standing in for the Sensu client socket: the
 * bytes of each check result (Go's json.Encoder over a map: sorted keys, "\n"), answered "ok";
 * a TICKscript `.sensu().source().handlers().metadata()` chain and a `kind: sensu` handler file,
 * CRITICAL and OK; a non-"ok" answer is an error; the service test; refusal while disabled.
 */
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { TickdConfig } from "../../../src/config/index.js";
import { startDaemonIn } from "../../support/in-process-daemon.js";

interface SensuSocket {
  port: number;
  payloads: string[];
  waitFor(n: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Reads each connection to its first "\n", answers `answer` and closes. */
async function sensuSocket(answer = "ok"): Promise<SensuSocket> {
  const payloads: string[] = [];
  const server: Server = createServer((sock) => {
    let buf = "";
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      buf += d;
      if (buf.includes("\n")) {
        payloads.push(buf);
        sock.end(answer);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    payloads,
    async waitFor(n) {
      for (let i = 0; i < 200 && payloads.length < n; i++) await new Promise((r) => setTimeout(r, 50));
      if (payloads.length < n) throw new Error(`expected ${n} check results, got ${payloads.length}`);
      return payloads;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const TICK = `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu')
  |alert()
    .id('cpu.{{ index .Tags "host" }}')
    .message('{{ .ID }} is {{ .Level }}')
    .crit(lambda: "usage_idle" < 10.0)
    .topic('ops')
    .sensu()
      .source('{{ index .Tags "host" }}')
      .handlers('pager', 'slack')
      .metadata('team', 'sre')
      .metadata('weight', 3)
`;

const HANDLER = "topic: ops\nid: to-sensu\nkind: sensu\noptions: {}\n";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const sensuOn =
  (port: number, enabled = true) =>
  (c: TickdConfig): TickdConfig => ({
    ...c,
    sensu: { enabled, addr: `127.0.0.1:${port}`, source: "Kapacitor", handlers: ["default-handler"] },
  });

async function start(files: Parameters<typeof startDaemonIn>[0], config: (c: TickdConfig) => TickdConfig) {
  const { daemon, dir } = await startDaemonIn(files, { config });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => daemon.stop());
  return `http://127.0.0.1:${daemon.port}`;
}

async function write(url: string, line: string): Promise<void> {
  const w = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body: line });
  expect(w.status).toBe(204);
}

describe("sensu handler", () => {
  it("writes Kapacitor's check result bytes for CRITICAL and OK, from a chain and a handler file", async () => {
    const sock = await sensuSocket();
    cleanups.push(() => sock.close());
    const url = await start(
      { tasks: { "cpu.tick": TICK }, handlers: { "sensu.yaml": HANDLER } },
      sensuOn(sock.port),
    );
    await write(url, "cpu,host=serverA usage_idle=5 1700000000");
    await sock.waitFor(2);
    await write(url, "cpu,host=serverA usage_idle=50 1700000010");
    const got = await sock.waitFor(4);

    const chain = (status: number, out: string) =>
      `{"handlers":["pager","slack"],"name":"cpu.serverA","output":"${out}","source":"serverA","status":${status},"team":"sre","weight":3}\n`;
    const file = (status: number, out: string) =>
      `{"handlers":["default-handler"],"name":"cpu.serverA","output":"${out}","source":"Kapacitor","status":${status}}\n`;
    expect([...got].sort()).toEqual(
      [
        chain(2, "cpu.serverA is CRITICAL"),
        file(2, "cpu.serverA is CRITICAL"),
        chain(0, "cpu.serverA is OK"),
        file(0, "cpu.serverA is OK"),
      ].sort(),
    );
  });

  it("runs the sensu service test and reports a socket that does not answer ok", async () => {
    const good = await sensuSocket();
    cleanups.push(() => good.close());
    const url = await start({}, sensuOn(good.port));
    const list = (await (await fetch(`${url}/kapacitor/v1/service-tests/sensu`)).json()) as {
      options: Record<string, unknown>;
    };
    expect(list.options).toEqual({
      name: "testName",
      source: "Kapacitor",
      output: "testOutput",
      handlers: [],
      metadata: {},
      level: "CRITICAL",
    });
    const ok = await fetch(`${url}/kapacitor/v1/service-tests/sensu`, { method: "POST", body: "{}" });
    expect(await ok.json()).toEqual({ success: true, message: "" });
    expect(good.payloads).toEqual([
      '{"handlers":["default-handler"],"name":"testName","output":"testOutput","source":"Kapacitor","status":2}\n',
    ]);

    const bad = await sensuSocket("no such check");
    cleanups.push(() => bad.close());
    const url2 = await start({}, sensuOn(bad.port));
    const res = await fetch(`${url2}/kapacitor/v1/service-tests/sensu`, { method: "POST", body: "{}" });
    expect(await res.json()).toEqual({ success: false, message: "sensu socket error: no such check" });
  });

  it("refuses .sensu() at define time while [sensu] is disabled", async () => {
    const url = await start({}, sensuOn(1, false));
    const task = await fetch(`${url}/kapacitor/v1/tasks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "cpu", script: TICK, status: "enabled" }),
    });
    expect(task.status).toBe(400);
    expect(((await task.json()) as { error: string }).error).toMatch(
      /\.sensu\(\) at line 9 char 5: sensu handler: service is not enabled/,
    );
  });
});
