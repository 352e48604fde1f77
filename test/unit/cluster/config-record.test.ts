/** The config topic's record codec: keys, versioned JSON values, tombstones, refusals. */
import { describe, expect, it } from "vitest";
import {
  configKey,
  decodeRecord,
  encodeChange,
  type ConfigChange,
} from "../../../src/cluster/config-record.js";

const task: ConfigChange = {
  kind: "task",
  id: "cpu",
  value: {
    id: "cpu",
    templateId: "",
    type: "stream",
    dbrps: [{ db: "telegraf", rp: "autogen" }],
    script: "stream|from()",
    status: "enabled",
    vars: { n: { type: "int", value: 9007199254740993n }, f: { type: "float", value: 2 } },
    created: 1_733_400_000_123_456_800,
    modified: 1_733_400_000_123_456_800,
    lastEnabled: 0,
  },
};

const roundTrip = (c: ConfigChange): ConfigChange => {
  const r = encodeChange(c);
  const d = decodeRecord(r.key, r.value === null ? null : Buffer.from(r.value));
  if (!d.ok) throw new Error(d.message);
  return d.change;
};

describe("config records", () => {
  it("round-trips every kind exactly, bigint vars and ns times included", () => {
    const changes: ConfigChange[] = [
      task,
      {
        kind: "template",
        id: "t",
        value: { id: "t", type: "batch", script: "batch", created: 1, modified: 2 },
      },
      {
        kind: "handler",
        topic: "ops/eu",
        id: "h/1",
        value: { topic: "ops/eu", id: "h/1", kind: "post", options: { url: "http://x", n: 5n }, match: "" },
      },
      {
        kind: "silence",
        id: "s",
        value: {
          id: "s",
          matchers: [{ name: "host", value: "a", isRegex: false, isEqual: true }],
          startsAt: 1,
          endsAt: 2,
          updatedAt: 1,
          createdBy: "me",
          comment: "c",
          snooze: { topic: "ops", alertId: "x" },
        },
      },
      {
        kind: "ack",
        topic: "ops",
        alertId: "cpu/web-1",
        value: { topic: "ops", alertId: "cpu/web-1", level: 3, by: "bob", comment: "", at: 5 },
      },
    ];
    for (const c of changes) expect(roundTrip(c)).toEqual(c);
  });

  it("keys are <kind>/<id> with each id part percent-encoded, so '/' in an id stays unambiguous", () => {
    expect(configKey(task)).toBe("task/cpu");
    expect(configKey({ kind: "handler", topic: "a/b", id: "c", value: null })).toBe("handler/a%2Fb/c");
    expect(configKey({ kind: "handler", topic: "a", id: "b/c", value: null })).toBe("handler/a/b%2Fc");
    expect(configKey({ kind: "ack", topic: "ops", alertId: "cpu/web-1", value: null })).toBe(
      "ack/ops/cpu%2Fweb-1",
    );
  });

  it("a deletion is a null value (tombstone) and decodes back to the object's identity", () => {
    const del: ConfigChange = { kind: "ack", topic: "ops", alertId: "cpu/web-1", value: null };
    expect(encodeChange(del)).toEqual({ key: "ack/ops/cpu%2Fweb-1", value: null });
    expect(roundTrip(del)).toEqual(del);
  });

  it("leaves a task's error out: it is each instance's own", () => {
    const withError = { ...task, value: { ...task.value!, error: "boom" } } as ConfigChange;
    expect(encodeChange(withError).value).not.toContain("boom");
  });

  it("refuses a version it does not know, saying which", () => {
    const d = decodeRecord("task/x", JSON.stringify({ v: 2, kind: "task", data: {} }));
    expect(d).toEqual({
      ok: false,
      reason: "version",
      message: 'config record "task/x" has version 2; this tickd reads version 1',
    });
  });

  it.each([
    ["widget/x", "{}", 'unknown kind "widget"'],
    ["task/a/b", "{}", "expected 1 id part(s)"],
    ["handler/a", "{}", "expected 2 id part(s)"],
    ["task/%E0%A4%A", "{}", "not percent-encoded"],
    ["task/x", "not json", "not valid JSON"],
    ["task/x", "[1]", "not a JSON object"],
    ["task/x", JSON.stringify({ v: 1, kind: "template", data: {} }), 'value says kind "template"'],
    ["task/x", JSON.stringify({ v: 1, kind: "task", data: 3 }), "data is not an object"],
    [
      "task/y",
      encodeChange({ ...task, id: "y" }).value!.replace('"id":"cpu"', '"id":"z"'),
      "differs from the key",
    ],
    [
      "silence/s",
      JSON.stringify({ v: 1, kind: "silence", data: { id: "s" } }),
      "data.createdBy is not a string",
    ],
  ])("refuses a malformed record %s", (key, value, message) => {
    const d = decodeRecord(key, value);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.reason).toBe("malformed");
      expect(d.message).toContain(message);
    }
  });
});
