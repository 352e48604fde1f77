/**
 * Exact int64 nanosecond times through the spawned daemon (DESIGN §9, issue 12 item 1): a point
 * written with `1700000000123456789` alerts with time `2023-11-14T22:13:20.123456789Z` in the
 * alert JSON `.post()` sends, in `{{ .Time }}`, in the httpOut rows and in the topic events API;
 * VictorOps' `timestamp` is Go's `Time.Unix()` of the exact time (…20.999999999 is second 20,
 * not 21); and a point without a timestamp (stamped by the wall clock in ms) prints with at most
 * 3 fraction digits.
 */
import { describe, expect, it } from "vitest";
import { useDaemons } from "../support/daemon.js";

const { tickd, receiver } = useDaemons();

function script(hook: string): string {
  return `dbrp "telegraf"."autogen"
var data = stream
    |from().measurement('cpu').groupBy('host')
data
    |httpOut('out')
data
    |alert()
        .id('cpu/{{ index .Tags "host" }}')
        .message('{{ .Time }}')
        .details('')
        .crit(lambda: "usage_idle" < 10.0)
        .post('${hook}')
        .victorOps()
`;
}

const voConfig = (url: string): string =>
  [
    "[victorops]",
    "  enabled = true",
    '  api-key = "k"',
    '  routing-key = "r"',
    `  url = "${url}/vo"`,
    "",
  ].join("\n");

type AlertBody = { id: string; message: string; time: string; data: { series: { values: unknown[][] }[] } };
type VoBody = { entity_id: string; timestamp: number; state_start_time: number };

describe("exact nanosecond times (spawned tickd)", () => {
  it("keeps every nanosecond digit in alert JSON, templates, httpOut, VictorOps and the topic API", async () => {
    const hook = await receiver();
    const vo = await receiver();
    const t = await tickd({
      tasks: { "cpu.tick": script(`${hook.url}/alert`) },
      extraConfig: [
        "[victorops]",
        "  enabled = true",
        '  api-key = "k"',
        '  routing-key = "r"',
        `  url = "${vo.url}/vo"`,
        "",
      ].join("\n"),
    });
    const write = (body: string) =>
      fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=ns`, { method: "POST", body });
    expect((await write("cpu,host=a usage_idle=5 1700000000123456789\n")).status).toBe(204);
    expect((await write("cpu,host=b usage_idle=5 1700000000999999999\n")).status).toBe(204);
    await hook.waitFor(2);
    await vo.waitFor(2);

    const alerts = hook.requests.map((r) => JSON.parse(r.body) as AlertBody);
    const a = alerts.find((x) => x.id === "cpu/a")!;
    expect(a.time).toBe("2023-11-14T22:13:20.123456789Z");
    expect(a.message).toBe("2023-11-14 22:13:20.123456789 +0000 UTC");
    expect(a.data.series[0]!.values[0]![0]).toBe("2023-11-14T22:13:20.123456789Z");
    const b = alerts.find((x) => x.id === "cpu/b")!;
    expect(b.time).toBe("2023-11-14T22:13:20.999999999Z");

    const pages = vo.requests.map((r) => JSON.parse(r.body) as VoBody);
    expect(pages.find((p) => p.entity_id === "cpu/a")!.timestamp).toBe(1700000000);
    expect(pages.find((p) => p.entity_id === "cpu/b")!.timestamp).toBe(1700000000);
    expect(pages.find((p) => p.entity_id === "cpu/b")!.state_start_time).toBe(1700000000);

    // httpOut keeps the latest row per group, groups in order of first appearance (a, b).
    const out = (await (await fetch(`${t.url}/kapacitor/v1/tasks/cpu/out`)).json()) as {
      series: { tags: Record<string, string>; values: unknown[][] }[];
    };
    expect(out.series.map((s) => [s.tags["host"], s.values[0]![0]])).toEqual([
      ["a", "2023-11-14T22:13:20.123456789Z"],
      ["b", "2023-11-14T22:13:20.999999999Z"],
    ]);

    const ev = (await (
      await fetch(`${t.url}/kapacitor/v1/alerts/topics/main:cpu:alert3/events/cpu%2Fa`)
    ).json()) as {
      state: { time: string };
    };
    expect(ev.state.time).toBe("2023-11-14T22:13:20.123456789Z");
  });

  it("prints a wall-clock (millisecond) time with at most 3 fraction digits", async () => {
    const hook = await receiver();
    const vo = await receiver();
    const t = await tickd({
      tasks: { "cpu.tick": script(`${hook.url}/alert`) },
      extraConfig: voConfig(vo.url),
    });
    // Only a ms count divisible by 4 times 1e6 is a float64: eight writes in distinct
    // milliseconds catch a float time with certainty but for a 4^-8 chance.
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${t.url}/write?db=telegraf&rp=autogen`, {
        method: "POST",
        body: `cpu,host=c${i} usage_idle=5\n`,
      });
      expect(res.status).toBe(204);
      await new Promise((r) => setTimeout(r, 3));
    }
    await hook.waitFor(8);
    for (const req of hook.requests) {
      const a = JSON.parse(req.body) as AlertBody;
      expect(a.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
      expect(a.data.series[0]!.values[0]![0]).toBe(a.time);
      expect(a.message).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,3})? \+0000 UTC$/);
    }
  });
});
