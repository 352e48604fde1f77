import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore, type Store, type TopicHandlerRecord } from "../../../src/store/index.js";
import { useTempDir } from "./helpers.js";

const tmp = useTempDir();
const dbPath = (): string => join(tmp.dir(), "tickd.db");
const open = (): Store => tmp.track(openStore(dbPath()));

function handler(topic: string, id: string, over: Partial<TopicHandlerRecord> = {}): TopicHandlerRecord {
  return {
    topic,
    id,
    kind: "post",
    options: { url: "http://127.0.0.1:1/hook", headers: { "X-Token": "s3cr3t" }, "capture-response": true },
    match: "",
    ...over,
  };
}

describe("topicHandlers repository", () => {
  it("put, get, replace, list sorted by id, delete", () => {
    const s = open();
    s.topicHandlers.put(handler("cpu", "vo", { kind: "victorops", options: { "routing-key": "ops" } }));
    s.topicHandlers.put(handler("cpu", "hook", { match: `"host" == 'serverA' AND level() == CRITICAL` }));
    s.topicHandlers.put(handler("mem", "log", { kind: "log", options: { path: "/tmp/a.log", mode: 420 } }));
    expect(s.topicHandlers.list("cpu").map((h) => h.id)).toEqual(["hook", "vo"]);
    expect(s.topicHandlers.get("cpu", "hook")).toEqual(
      handler("cpu", "hook", { match: `"host" == 'serverA' AND level() == CRITICAL` }),
    );
    expect(s.topicHandlers.get("mem", "hook")).toBeUndefined();
    s.topicHandlers.put(handler("cpu", "hook", { kind: "tcp", options: { address: "127.0.0.1:9000" } }));
    expect(s.topicHandlers.get("cpu", "hook")?.kind).toBe("tcp");
    expect(s.topicHandlers.get("cpu", "hook")?.options).toEqual({ address: "127.0.0.1:9000" });
    expect(s.topicHandlers.listAll().map((h) => `${h.topic}/${h.id}`)).toEqual([
      "cpu/hook",
      "cpu/vo",
      "mem/log",
    ]);
    expect(s.topicHandlers.delete("cpu", "vo")).toBe(true);
    expect(s.topicHandlers.delete("cpu", "vo")).toBe(false);
    expect(s.topicHandlers.list("none")).toEqual([]);
    expect(s.topicHandlers.deleteTopic("cpu")).toBe(1);
    expect(s.topicHandlers.listAll().map((h) => h.id)).toEqual(["log"]);
  });

  it("options survive a reopen exactly, including ns durations above 2^53, $-keys and __proto__", () => {
    const options = JSON.parse(
      `{"id":"agg","interval":100000000,"topic":"agg","nested":{"$int64":"x","$$odd":1,"__proto__":{"p":1}}}`,
    ) as Record<string, unknown>;
    options.big = 9_007_199_254_740_993n;
    const a = openStore(dbPath());
    a.topicHandlers.put(handler("cpu", "agg", { kind: "aggregate", options }));
    a.close();
    const got = open().topicHandlers.get("cpu", "agg")!.options;
    expect(got).toEqual(options);
    expect(got.big).toBe(9_007_199_254_740_993n);
    const nested = got.nested as Record<string, unknown>;
    expect(nested.$int64).toBe("x");
    expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
    expect(Object.keys(nested)).toEqual(["$int64", "$$odd", "__proto__"]);
  });
});

describe("kv repository", () => {
  it("get, put, overwrite, delete and list by prefix; persists across reopen", () => {
    const a = openStore(dbPath());
    expect(a.kv.get("influxdb:token")).toBeUndefined();
    a.kv.put("influxdb:token", "abc");
    a.kv.put("influxdb:token", "def");
    a.kv.put("influxdb:sub", "tickd-1");
    a.kv.put("influxdc", "outside the prefix");
    a.kv.put("instance", "i-1");
    a.close();
    const s = open();
    expect(s.kv.get("influxdb:token")).toBe("def");
    expect(s.kv.list("influxdb:")).toEqual([
      { key: "influxdb:sub", value: "tickd-1" },
      { key: "influxdb:token", value: "def" },
    ]);
    expect(s.kv.list().map((e) => e.key)).toEqual(["influxdb:sub", "influxdb:token", "influxdc", "instance"]);
    expect(s.kv.delete("instance")).toBe(true);
    expect(s.kv.delete("instance")).toBe(false);
    expect(s.kv.list("zzz")).toEqual([]);
  });

  it("JSON values keep bigints", () => {
    const s = open();
    s.kv.putJson("cursor", { offset: 18_446_744_073_709_551_615n, at: 1.5, tags: ["a"] });
    expect(s.kv.getJson("cursor")).toEqual({ offset: 18_446_744_073_709_551_615n, at: 1.5, tags: ["a"] });
    expect(s.kv.getJson("missing")).toBeUndefined();
  });
});
