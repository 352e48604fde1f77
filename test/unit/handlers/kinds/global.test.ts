/**
 * Kapacitor's `global = true` and `state-changes-only = true` notifier keys: a global service
 * is added to every alert node that has no handler of its kind; with state-changes-only too,
 * those alert nodes send level changes only (Kapacitor sets stateChangesOnly on the node).
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { TickdConfig } from "../../../../src/config/index.js";
import { startDaemonIn } from "../../../support/in-process-daemon.js";
import { startReceiver, type Receiver } from "../../../support/receiver.js";
import { section } from "./harness.js";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** An alert with no handler of its own (`.slack()` when `withSlack`). */
const SCRIPT = (chain = "") => `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |alert()
    .id('cpu/{{ index .Tags "host" }}')
    .crit(lambda: "usage" > 90.0)${chain}
`;

/** CRITICAL, CRITICAL again, OK: three events, two of them level changes. */
async function run(
  config: (c: TickdConfig, url: string) => TickdConfig,
  chain = "",
): Promise<{ rx: Receiver; url: string }> {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const { daemon, dir } = await startDaemonIn(
    { tasks: { "cpu.tick": SCRIPT(chain) } },
    { config: (c) => config(c, rx.url) },
  );
  cleanups.push(async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${daemon.port}`;
  for (const [i, usage] of [95, 96, 5].entries()) {
    const res = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: `cpu,host=a usage=${usage} ${i + 1}\n`,
    });
    expect(res.status).toBe(204);
  }
  await daemon.topics.drain();
  return { rx, url };
}

const slack = (over: { global?: boolean; stateChangesOnly?: boolean }) => (c: TickdConfig, url: string) => ({
  ...c,
  slack: [
    {
      enabled: true,
      default: false,
      workspace: "",
      url: `${url}/slack`,
      token: "",
      channel: "#ops",
      username: "kapacitor",
      iconEmoji: "",
      global: false,
      stateChangesOnly: false,
      sslCa: "",
      insecureSkipVerify: false,
      ...over,
    },
  ],
});

describe("global notifiers", () => {
  it("[[slack]] global = true: every alert goes to Slack, each event", async () => {
    const { rx } = await run(slack({ global: true }));
    const got = await rx.waitFor(3);
    expect(got.map((r) => r.path)).toEqual(["/slack", "/slack", "/slack"]);
    expect(
      got.map((r) => (JSON.parse(r.body) as { attachments: { color: string }[] }).attachments[0]!.color),
    ).toEqual(["danger", "danger", "good"]);
  });

  it("a script that names the kind itself gets no second handler", async () => {
    const { rx } = await run(slack({ global: true }), "\n    .slack().channel('#own')");
    const got = await rx.waitFor(3);
    expect(got.map((r) => (JSON.parse(r.body) as { channel: string }).channel)).toEqual([
      "#own",
      "#own",
      "#own",
    ]);
  });

  it("[teams] global + state-changes-only: only level changes are sent", async () => {
    const { rx } = await run((c, url) =>
      section(c, "teams", {
        enabled: true,
        channelUrl: `${url}/teams`,
        global: true,
        stateChangesOnly: true,
      }),
    );
    const got = await rx.waitFor(2);
    expect(got.map((r) => (JSON.parse(r.body) as { title: string }).title)).toEqual([
      "CRITICAL: [cpu/a]",
      "OK: [cpu/a]",
    ]);
    expect(rx.requests).toHaveLength(2);
  });

  it("state-changes-only without global changes nothing, and a disabled global service is not added", async () => {
    const { rx } = await run((c, url) => {
      const t = section(c, "teams", { enabled: true, channelUrl: `${url}/teams`, stateChangesOnly: true });
      return section(t, "pagerduty2", { enabled: false, url: `${url}/pd`, global: true });
    });
    expect(rx.requests).toEqual([]);
  });

  it("[pagerduty2], [bigpanda], [servicenow], [zenoss] global = true", async () => {
    const { rx } = await run((c, url) => {
      let o = section(c, "pagerduty2", { enabled: true, url: `${url}/pd`, routingKey: "rk", global: true });
      o = section(o, "bigpanda", { enabled: true, url: `${url}/bp`, appKey: "a", token: "t", global: true });
      o = section(o, "servicenow", { enabled: true, url: `${url}/sn`, global: true });
      return section(o, "zenoss", { enabled: true, url: `${url}/zen`, global: true });
    });
    const got = await rx.waitFor(12);
    const paths = got.map((r) => r.path);
    for (const p of ["/pd", "/bp", "/sn", "/zen"]) expect(paths.filter((x) => x === p)).toHaveLength(3);
  });
});
