/** Config overrides (src/config/overrides.ts): the pure part of /kapacitor/v1/config. */
import { describe, expect, it } from "vitest";
import { loadConfig, redactConfig } from "../../../src/config/index.js";
import {
  applyOverrides,
  OverrideError,
  renderSection,
  sectionSpec,
  updateOverrides,
} from "../../../src/config/overrides.js";
import { confFile } from "./helpers.js";

const err = (f: () => unknown): OverrideError => {
  try {
    f();
  } catch (e) {
    if (e instanceof OverrideError) return e;
    throw e;
  }
  throw new Error("expected an OverrideError");
};

describe("updateOverrides", () => {
  it("sets and deletes options of a table section, dropping it when nothing is left", () => {
    let o = updateOverrides({}, "victorops", "", { set: { enabled: true, "routing-key": "a" } }, [""]);
    expect(o).toEqual({ victorops: { enabled: true, "routing-key": "a" } });
    o = updateOverrides(o, "victorops", "", { delete: ["enabled", "routing-key"] }, [""]);
    expect(o).toEqual({});
  });

  it("keeps a secret sent back as GET shows it (true or <redacted>)", () => {
    const o = updateOverrides({}, "victorops", "", { set: { "api-key": true, url: "http://x" } }, [""]);
    expect(o).toEqual({ victorops: { url: "http://x" } });
  });

  it("adds, changes and removes elements of a list section by their key", () => {
    let o = updateOverrides({}, "httppost", undefined, { add: { endpoint: "ops", url: "http://h" } }, [
      "file",
    ]);
    o = updateOverrides(o, "httppost", "file", { set: { url: "http://f" } }, ["file", "ops"]);
    expect(o).toEqual({
      httppost: { added: { ops: { endpoint: "ops", url: "http://h" } }, set: { file: { url: "http://f" } } },
    });
    o = updateOverrides(o, "httppost", undefined, { remove: ["ops"] }, ["file", "ops"]);
    expect(o).toEqual({ httppost: { added: {}, set: { file: { url: "http://f" } } } });
  });

  it("refuses with Kapacitor's statuses", () => {
    expect(err(() => updateOverrides({}, "http", "", { set: {} }, [""])).status).toBe(403);
    expect(err(() => updateOverrides({}, "smtpx", "", { set: {} }, [""])).status).toBe(404);
    expect(err(() => updateOverrides({}, "victorops", "", { set: { colour: 1 } }, [""])).status).toBe(400);
    expect(err(() => updateOverrides({}, "victorops", "", { frob: 1 }, [""])).message).toContain(
      "unknown action",
    );
    expect(err(() => updateOverrides({}, "httppost", "nope", { set: {} }, ["a"])).status).toBe(404);
    expect(
      err(() => updateOverrides({}, "httppost", undefined, { add: { endpoint: "a" } }, ["a"])).message,
    ).toContain("already has");
    expect(
      err(() => updateOverrides({}, "httppost", "a", { set: { endpoint: "b" } }, ["a"])).message,
    ).toContain("cannot change");
  });
});

describe("applyOverrides and renderSection", () => {
  it("merges overrides over the raw config and reports the paths it set", () => {
    const raw: Record<string, unknown> = {
      victorops: { enabled: false, url: "http://file" },
      httppost: [{ endpoint: "file", url: "http://f" }],
    };
    const paths = applyOverrides(raw, {
      victorops: { enabled: true },
      httppost: { set: { file: { url: "http://g" } }, added: { ops: { endpoint: "ops", url: "http://h" } } },
    });
    expect(raw).toEqual({
      victorops: { enabled: true, url: "http://file" },
      httppost: [
        { endpoint: "file", url: "http://g" },
        { endpoint: "ops", url: "http://h" },
      ],
    });
    expect([...paths].sort()).toEqual([
      "httppost.0.url",
      "httppost.1.endpoint",
      "httppost.1.url",
      "victorops.enabled",
    ]);
  });

  it("renders durations as Go durations and secrets as booleans", () => {
    const { config } = loadConfig({
      env: {},
      overrides: { webhook: { "incoming-secret": "s3cret", timeout: "90s" } },
    });
    const view = renderSection(config, sectionSpec("webhook"));
    expect(view.elements[0]?.options).toMatchObject({ timeout: "1m30s", "incoming-secret": true });
    expect(view.elements[0]?.redacted).toEqual(["incoming-secret"]);
    expect(JSON.stringify(view)).not.toContain("s3cret");
  });
});

describe("webhook URLs that are credentials", () => {
  // Kapacitor redacts [[slack]] url and [talk] url; tickd also hides [teams] channel-url and
  // [[discord]] url, whose path is the webhook's credential just the same.
  const SLACK = "https://hooks.slack.com/services/T000/B000/XXXX";
  const TEAMS = "https://outlook.office.com/webhook/abc/IncomingWebhook/def";
  const DISCORD = "https://discord.com/api/webhooks/123/token";
  const TALK = "https://jianliao.com/v2/services/webhook/secret-path";
  const loaded = (overrides = {}) =>
    loadConfig({
      env: {},
      file: confFile(`
[[slack]]
  workspace = "ops"
  url = "${SLACK}"
[teams]
  channel-url = "${TEAMS}"
[[discord]]
  workspace = "d"
  url = "${DISCORD}"
[talk]
  url = "${TALK}"
[hipchat]
  url = "https://x.hipchat.com/v2/room"
`),
      overrides,
    }).config;

  it("are shown as true/false and listed as redacted by GET /kapacitor/v1/config", () => {
    const config = loaded();
    const views = ["slack", "teams", "discord", "talk"].map((s) => renderSection(config, sectionSpec(s)));
    const text = JSON.stringify(views);
    for (const secret of [SLACK, TEAMS, DISCORD, TALK]) expect(text).not.toContain(secret);
    expect(views.map((v) => v.elements[0]?.redacted)).toEqual([
      ["url", "token"],
      ["channel-url"],
      ["url"],
      ["url"],
    ]);
    expect(views[0]!.elements[0]?.options.url).toBe(true);
    expect(views[1]!.elements[0]?.options["channel-url"]).toBe(true);
    // A URL that is no credential stays visible.
    expect(renderSection(config, sectionSpec("hipchat")).elements[0]?.options.url).toBe(
      "https://x.hipchat.com/v2/room",
    );
  });

  it("keep the stored value when the placeholder comes back, and take a new one", () => {
    let o = updateOverrides({}, "slack", "ops", { set: { url: true, channel: "#x" } }, ["ops"]);
    o = updateOverrides(o, "teams", "", { set: { "channel-url": "<redacted>", global: true } }, [""]);
    o = updateOverrides(o, "talk", "", { set: { url: true } }, [""]);
    expect(o).toEqual({ slack: { set: { ops: { channel: "#x" } }, added: {} }, teams: { global: true } });
    const config = loaded(o);
    expect(config.slack[0]).toMatchObject({ url: SLACK, channel: "#x" });
    expect(config.teams).toMatchObject({ channelUrl: TEAMS, global: true });
    expect(config.talk.url).toBe(TALK);
    o = updateOverrides(o, "discord", "d", { set: { url: "https://discord.com/api/webhooks/9/new" } }, ["d"]);
    expect(loaded(o).discord[0]?.url).toBe("https://discord.com/api/webhooks/9/new");
  });

  it("reach a lone [[slack]] with no workspace at /config/slack/ (Kapacitor's link for it)", () => {
    const o = updateOverrides({}, "slack", "", { set: { url: true, channel: "#y" } }, [""]);
    expect(o).toEqual({ slack: { set: { "": { channel: "#y" } }, added: {} } });
    const config = loadConfig({
      env: {},
      file: confFile(`[[slack]]\n  url = "${SLACK}"\n`),
      overrides: o,
    }).config;
    expect(config.slack[0]).toMatchObject({ url: SLACK, channel: "#y" });
  });

  it("are redacted wherever the config is shown (redactConfig)", () => {
    const text = JSON.stringify(redactConfig(loaded()));
    for (const secret of [SLACK, TEAMS, DISCORD, TALK]) expect(text).not.toContain(secret);
    expect(text).toContain("https://x.hipchat.com/v2/room");
  });
});
