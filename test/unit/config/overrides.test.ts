/** Config overrides (src/config/overrides.ts): the pure part of /kapacitor/v1/config. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import {
  applyOverrides,
  OverrideError,
  renderSection,
  sectionSpec,
  updateOverrides,
} from "../../../src/config/overrides.js";

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
