/**
 * A state file written by a version with float64 times (b5bb2b6, schema v10; made by running
 * that build: test/fixtures/upgrade/README.md) opens in this version: the schema migrates, the
 * on-call lists answer (their stored events hold times as JSON numbers), the alert state of a
 * CRITICAL host carries over (no second page for it), and its recovery is sent once.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../support/cli.js";
import { useDaemons } from "../support/daemon.js";

const { tickd, receiver } = useDaemons();

const HOT_TICK = `dbrp "telegraf"."autogen"
stream
    |from()
        .measurement('temp')
        .groupBy('host')
    |alert()
        .id('hot:{{ index .Tags "host" }}')
        .message('{{ .ID }} is {{ .Level }}')
        .crit(lambda: "v" > 90)
        .stateChangesOnly()
        .topic('hot')
`;

async function write(url: string, body: string): Promise<void> {
  const res = await fetch(`${url}/write?db=telegraf&rp=autogen`, { method: "POST", body });
  expect(res.status).toBe(204);
}

describe("upgrade from a float64-time version", () => {
  it("opens its state file: on-call lists answer, alert state carries over, the recovery is sent once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tickd-upgrade-"));
    mkdirSync(join(dir, "data"));
    copyFileSync(`${REPO}test/fixtures/upgrade/tickd-float-time.db`, join(dir, "data", "tickd.db"));
    const rx = await receiver();
    const t = await tickd({
      dir,
      tasks: { "hot.tick": HOT_TICK },
      handlers: {
        "hot.yaml": JSON.stringify({
          topic: "hot",
          id: "hot-post",
          kind: "post",
          options: { url: `${rx.url}/hook` },
        }),
      },
    });
    // The old version had host a CRITICAL (v=95 at 1700000000123456789) and a silence.
    const am = await fetch(`${t.url}/api/v2/alerts`);
    expect(am.status).toBe(200);
    const alerts = (await am.json()) as { labels: Record<string, string>; startsAt: string }[];
    expect(alerts.map((a) => a.labels["alertname"])).toEqual(["hot:a"]);
    expect(alerts[0]!.startsAt).toMatch(/^2023-11-14T22:13:20\.123/);
    expect((await fetch(`${t.url}/tickd/v1/alerts`)).status).toBe(200);
    const silences = (await (await fetch(`${t.url}/api/v2/silences`)).json()) as { createdBy: string }[];
    expect(silences.map((s) => s.createdBy)).toEqual(["me"]);
    // Still CRITICAL: no page. Then OK: one recovery.
    await write(t.url, "temp,host=a v=96 1700000001000000000");
    await write(t.url, "temp,host=a v=10 1700000002000000000");
    await rx.waitFor(1, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.requests.map((r) => (JSON.parse(r.body) as { level: string }).level)).toEqual(["OK"]);
    const hist = await fetch(`${t.url}/tickd/v1/history?alert=hot:a`);
    expect(hist.status).toBe(200);
  });
});
