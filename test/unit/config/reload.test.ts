import { describe, expect, it } from "vitest";

import { loadConfig, planReload } from "../../../src/config/index.js";
import { confFile } from "./helpers.js";

const load = (text: string) => loadConfig({ file: confFile(text), env: {} }).config;

describe("planReload", () => {
  it("applies handler sections, [webhook] and [delivery]; names restart-only keys without their values", () => {
    const running = load(`[http]\n  bind-address = "127.0.0.1:9092"\n  shared-secret = "old"\n`);
    const next = load(
      [
        'hostname = "other"',
        "[http]",
        '  bind-address = "0.0.0.0:9093"',
        '  shared-secret = "new-secret"',
        "[storage]",
        '  dir = "/elsewhere"',
        "[victorops]",
        "  enabled = true",
        '  api-key = "k"',
        "[[httppost]]",
        '  endpoint = "e"',
        '  url = "http://x.example/"',
        "[webhook]",
        '  timeout = "3s"',
        "[delivery]",
        "  max-attempts = 2",
        "  journal = false",
        "[[influxdb]]",
        '  urls = ["http://influx.example:8086"]',
        "",
      ].join("\n"),
    );
    const plan = planReload(running, next);
    expect(plan.applied).toEqual([
      "[victorops] enabled",
      "[victorops] api-key",
      "[[httppost]]",
      "[webhook] timeout",
      "[delivery] max-attempts",
    ]);
    expect(plan.needsRestart).toEqual([
      "hostname",
      "[http] bind-address",
      "[http] shared-secret",
      "[storage] dir",
      "[delivery] journal",
      "[[influxdb]]",
    ]);
    expect(JSON.stringify(plan)).not.toContain("new-secret");
    // The running values of restart-only keys stay; the live sections are the new ones.
    expect(plan.config.http).toBe(running.http);
    expect(plan.config.storage).toBe(running.storage);
    expect(plan.config.influxdb).toBe(running.influxdb);
    expect(plan.config.hostname).toBe(running.hostname);
    expect(plan.config.victorops).toMatchObject({ enabled: true, apiKey: "k" });
    expect(plan.config.httppost).toBe(next.httppost);
    expect(plan.config.webhook).toBe(next.webhook);
    expect(plan.config.delivery).toEqual({ ...next.delivery, journal: true });
  });

  it("an unchanged file changes nothing", () => {
    const text = `[victorops]\n  enabled = true\n  api-key = "k"\n`;
    const plan = planReload(load(text), load(text));
    expect(plan).toMatchObject({ applied: [], needsRestart: [] });
  });

  it("[victorops] global needs a restart exactly when what the tasks got (enabled and global) changes", () => {
    const vo = (enabled: boolean, global: boolean) =>
      load(`[victorops]\n  enabled = ${enabled}\n  api-key = "k"\n  global = ${global}\n`);
    expect(planReload(vo(false, true), vo(true, true)).needsRestart).toEqual(["[victorops] global"]);
    expect(planReload(vo(false, false), vo(false, true)).needsRestart).toEqual([]);
    expect(planReload(vo(true, false), vo(true, false)).needsRestart).toEqual([]);
    expect(planReload(vo(true, true), vo(true, false)).needsRestart).toEqual(["[victorops] global"]);
  });
});

describe("planReload of global notifier switches", () => {
  it("applies a notifier section at once but names its global / state-changes-only as needing a restart", () => {
    const running = load(`[teams]\n  enabled = true\n  channel-url = "https://t.example/a"\n`);
    const next = load(
      `[teams]\n  enabled = true\n  channel-url = "https://t.example/b"\n  global = true\n  state-changes-only = true\n`,
    );
    const plan = planReload(running, next);
    expect(plan.applied).toEqual(["[teams] channel-url"]);
    expect(plan.needsRestart).toEqual(["[teams] global", "[teams] state-changes-only"]);
    expect(plan.config.teams).toMatchObject({
      channelUrl: "https://t.example/b",
      global: false,
      stateChangesOnly: false,
    });
  });
});
