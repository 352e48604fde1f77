/**
 * Regression: a Logz.io-style body (`"entity_display_name":"{{alert_description}}"`, …) gave
 * invalid JSON as soon as a message held a quote, a newline or a backslash. The shipped example
 * handler file, as it is (only its URL pointed at a local receiver), must give a body that
 * JSON.parse reads, for CRITICAL and OK, from a TICKscript and from an incoming webhook.
 */
import { readFileSync, rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { REPO } from "../../support/cli.js";
import { startDaemonIn } from "../../support/in-process-daemon.js";
import { startReceiver } from "../../support/receiver.js";

const EXAMPLE = `${REPO}handlers/examples/victorops_json_cpu.yaml`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface VictorOpsBody {
  message_type: string;
  entity_id: string;
  entity_display_name: string;
  state_message: string;
  event_samples: string;
  monitoring_tool: string;
}

// A triple-quoted TICKscript string takes no escapes: the backslashes and the newline are real.
const TASK = `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .id('cpu:{{ index .Tags "host" }}')
        .message('''{{ .ID }} is "{{ .Level }}" on C:\\temp\\new
second line''')
        .crit(lambda: "usage" > 90.0)
        .topic('cpu')
`;

async function setup() {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const example = readFileSync(EXAMPLE, "utf8");
  expect(example).toMatch(/^ {2}url: https:\/\/alert\.victorops\.com\/.*$/m);
  const handler = example.replace(/^ {2}url: .*$/m, `  url: ${rx.url}/victorops`);
  const { daemon, dir } = await startDaemonIn({
    tasks: { "cpu.tick": TASK },
    handlers: { "victorops_json_cpu.yaml": handler },
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => daemon.stop());
  return { rx, url: `http://127.0.0.1:${daemon.port}` };
}

describe("the shipped JSON body example (handlers/examples/victorops_json_cpu.yaml)", () => {
  it("sends valid JSON with Content-Type application/json for a TICKscript's CRITICAL and OK", async () => {
    const { rx, url } = await setup();
    const w = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: "cpu,host=web1 usage=95 1700000000\ncpu,host=web1 usage=50 1700000010\n",
    });
    expect(w.status).toBe(204);
    const reqs = await rx.waitFor(2);
    for (const r of reqs) expect(r.headers["content-type"]).toBe("application/json");
    const [crit, ok] = reqs.map((r) => JSON.parse(r.body) as VictorOpsBody);
    expect(crit).toEqual({
      message_type: "CRITICAL",
      entity_id: "cpu:web1",
      entity_display_name: 'cpu:web1 is "CRITICAL" on C:\\temp\\new\nsecond line',
      // No .details(): Kapacitor's default details (the escaped JSON blob) are not shown.
      state_message: 'cpu:web1 is "CRITICAL" on C:\\temp\\new\nsecond line',
      event_samples: '[{"host":"web1","time":"2023-11-14T22:13:20Z","usage":95}]',
      monitoring_tool: "tickd",
    });
    expect(JSON.parse(crit!.event_samples)).toEqual([
      { host: "web1", time: "2023-11-14T22:13:20Z", usage: 95 },
    ]);
    expect(ok).toMatchObject({
      message_type: "RECOVERY",
      entity_id: "cpu:web1",
      entity_display_name: 'cpu:web1 is "OK" on C:\\temp\\new\nsecond line',
    });
  });

  it("sends valid JSON for incoming alerts whose message and details hold quotes, newlines and backslashes", async () => {
    const { rx, url } = await setup();
    const message = 'disk "full" on \\\\fs1\\share\nsee runbook';
    const details = 'line 1\n\tline 2 with "quotes" and a \\ backslash';
    for (const status of ["triggered", "resolved"]) {
      const res = await fetch(`${url}/tickd/v1/integrations/webhook?topic=cpu`, {
        method: "POST",
        body: JSON.stringify({ id: "disk:fs1", status, severity: "critical", message, description: details }),
      });
      expect(res.status).toBe(200);
    }
    const reqs = await rx.waitFor(2);
    const bodies = reqs.map((r) => JSON.parse(r.body) as VictorOpsBody);
    expect(bodies.map((b) => b.message_type)).toEqual(["CRITICAL", "RECOVERY"]);
    for (const b of bodies) {
      expect(b.entity_id).toBe("disk:fs1");
      expect(b.entity_display_name).toBe(message);
      expect(b.event_samples).toBe("[]");
    }
    expect(bodies[0]!.state_message).toBe(details);
  });
});
