import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { loadConfig, type TickdConfig } from "../../../src/config/index.js";
import { SECTIONS, TOP_LEVEL, tableShape } from "../../../src/config/schema.js";
import { confFile, EXAMPLE, problemsOf } from "./helpers.js";

const S = 1e9;

describe("defaults", () => {
  it("without a file, gives DESIGN §1's embedded defaults", () => {
    const { config, ignored, warnings } = loadConfig({ env: {} });
    expect(ignored).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config.http.bindAddress).toBe("127.0.0.1:9092");
    expect(config.storage.dir).toBe("./data");
    expect(config.load).toEqual({ enabled: true, dir: "", tasksDir: "./tasks", handlersDir: "./handlers" });
    expect(config).toMatchObject({
      hostname: "localhost",
      http: {
        authEnabled: false,
        sharedSecret: "",
        users: [],
        maxBodySize: 25 * 1024 * 1024,
        logEnabled: true,
      },
      alert: { persistTopics: true, topicBufferLength: 5000, historyRetention: 168 * 3600e9 },
      victorops: { enabled: false, url: "https://alert.victorops.com/integrations/generic/20131114/alert" },
      webhook: { allowedHosts: ["*"], verificationMode: "full", caFile: "", timeout: 10 * S },
      delivery: {
        maxAttempts: 0,
        maxAge: 24 * 3600 * S,
        backoffInitial: 1 * S,
        backoffMax: 300 * S,
        concurrency: 32,
        rateLimit: 0,
        maxJournalRows: 100000,
        journal: true,
      },
      engine: { idleFlush: 0, groupTtl: 0 },
      logging: { file: "STDERR", level: "info" },
      httppost: [],
      escalation: [],
      influxdb: [],
      kafkaInput: [],
      kafka: [],
    });
  });

  it("an empty file gives the same config as no file", () => {
    expect(loadConfig({ file: confFile(""), env: {} }).config).toEqual(loadConfig({ env: {} }).config);
  });

  it("fills the defaults of each [[list]] element", () => {
    const file = confFile(`
[[influxdb]]
  name = "a"
[[kafka]]
  id = "k"
[[escalation]]
  name = "e"
  url = "https://e.example.com/hook"
  auth-key = "k"
[[kafka-input]]
  name = "in"
  brokers = ["k1:9092"]
  topics = ["t"]
  db = "telegraf"
`);
    const { config } = loadConfig({ file, env: {} });
    expect(config.influxdb[0]).toMatchObject({
      enabled: true,
      default: false,
      urls: ["http://localhost:8086"],
      subscriptionProtocol: "http",
      subscriptionMode: "cluster",
      excludedSubscriptions: { _kapacitor: ["autogen"] },
      startupTimeout: 300 * S,
      subscriptionsSyncInterval: 60 * S,
      timeout: 0,
    });
    expect(config.kafka[0]).toMatchObject({
      enabled: false,
      timeout: 10 * S,
      batchSize: 100,
      batchTimeout: 1 * S,
    });
    expect(config.escalation[0]).toMatchObject({
      scheme: "hmac-sha256",
      events: [
        "incident.created",
        "incident.updated",
        "incident.acknowledged",
        "incident.resolved",
        "incident.snoozed",
        "incident.suppressed",
      ],
    });
    expect(config.kafkaInput[0]).toMatchObject({
      enabled: true,
      groupId: "tickd",
      format: "line-protocol",
      rp: "autogen",
    });
  });

  it("reads Kapacitor's [load] dir as the parent of tasks/ and handlers/, explicit dirs winning", () => {
    const a = loadConfig({ file: confFile(`[load]\n  dir = "/etc/kapacitor/load/"\n`), env: {} }).config.load;
    expect(a).toMatchObject({
      tasksDir: "/etc/kapacitor/load/tasks",
      handlersDir: "/etc/kapacitor/load/handlers",
    });
    const b = loadConfig({ file: confFile(`[load]\n  dir = "/l"\n  tasks-dir = "/t"\n`), env: {} }).config
      .load;
    expect(b).toMatchObject({ tasksDir: "/t", handlersDir: "/l/handlers" });
  });

  it("accepts sizes and durations in their documented forms", () => {
    const file = confFile(
      `[http]\n  max-body-size = 1048576\n  shutdown-timeout = "1m30s"\n[engine]\n  idle-flush = "1d"\n  group-ttl = 0\n`,
    );
    const { config } = loadConfig({ file, env: {} });
    expect(config.http.maxBodySize).toBe(1024 * 1024);
    expect(config.http.shutdownTimeout).toBe(90 * S);
    expect(config.engine).toEqual({ idleFlush: 86400 * S, groupTtl: 0 });
    expect(
      loadConfig({ file: confFile(`[http]\n  max-body-size = "512KiB"\n`), env: {} }).config.http.maxBodySize,
    ).toBe(512 * 1024);
  });

  it("normalises the log level like Kapacitor's (any case)", () => {
    expect(
      loadConfig({ file: confFile(`[logging]\n  level = "WARN"\n`), env: {} }).config.logging.level,
    ).toBe("warn");
  });
});

describe("frozen", () => {
  it("freezes the whole config, nested tables and lists included", () => {
    const { config } = loadConfig({
      file: confFile(`[[httppost]]\n  endpoint = "a"\n  url = "http://x"\n  headers = { A = "b" }\n`),
      env: {},
    });
    const check = (v: unknown, path: string) => {
      if (typeof v !== "object" || v === null) return;
      expect(Object.isFrozen(v), path).toBe(true);
      for (const [k, x] of Object.entries(v)) check(x, `${path}.${k}`);
    };
    check(config, "config");
    expect(() => {
      (config.http as { bindAddress: string }).bindAddress = ":1";
    }).toThrow(TypeError);
    expect(() => (config.httppost as TickdConfig["httppost"][number][]).push(config.httppost[0]!)).toThrow(
      TypeError,
    );
  });
});

describe("kapacitor.conf.example", () => {
  const text = readFileSync(EXAMPLE, "utf8");

  /** The example split into blocks by table headers, commented or not: header path → text. */
  function blocks(): Map<string, string> {
    const out = new Map<string, string>();
    let current = "";
    for (const line of text.split("\n")) {
      const h = /^\s*#?\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*$/.exec(line);
      if (h) current = h[1]!;
      out.set(current, (out.get(current) ?? "") + line + "\n");
    }
    return out;
  }

  it("documents every key tickd reads, under its section", () => {
    const b = blocks();
    const missing: string[] = [];
    const hasKey = (block: string | undefined, key: string) =>
      block !== undefined && new RegExp(String.raw`^\s*#?\s*${key}\s*=`, "m").test(block);
    for (const key of Object.keys(TOP_LEVEL)) if (!hasKey(b.get(""), key)) missing.push(key);
    for (const section of SECTIONS) {
      for (const [key, schema] of Object.entries(section.shape)) {
        const nested = tableShape(schema as never);
        if (nested && b.has(`${section.name}.${key}`)) {
          // a [[section.key]] list of tables: its own block
          for (const k of Object.keys(nested))
            if (!hasKey(b.get(`${section.name}.${key}`), k)) missing.push(`${section.name}.${key}.${k}`);
        } else {
          // a key, or a table of its own ([influxdb.subscriptions])
          if (!hasKey(b.get(section.name), key) && !b.has(`${section.name}.${key}`))
            missing.push(`${section.name}.${key}`);
          // an inline table: its keys appear on the same line
          for (const k of Object.keys(nested ?? {}))
            if (!new RegExp(String.raw`\b${k}\s*=`).test(b.get(section.name) ?? ""))
              missing.push(`${section.name}.${key}.${k}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("has a comment above every key", () => {
    const lines = text.split("\n");
    const bare: string[] = [];
    lines.forEach((line, i) => {
      if (/^\s*[a-z][a-z0-9_-]*\s*=/.test(line)) {
        // walk up over keys of the same group to the nearest comment
        let j = i - 1;
        while (j >= 0 && /^\s*[a-z][a-z0-9_-]*\s*=/.test(lines[j]!)) j--;
        if (!/^\s*#/.test(lines[j] ?? "")) bare.push(`${i + 1}: ${line.trim()}`);
      }
    });
    expect(bare).toEqual([]);
  });

  it("loads, and gives exactly the defaults", () => {
    const r = loadConfig({ file: EXAMPLE, env: {} });
    expect(r.ignored).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config).toEqual(loadConfig({ env: {} }).config);
  });

  it("its commented-out [[list]] examples are valid once uncommented (secrets from env)", () => {
    const uncommented = text
      .split("\n")
      .map((l) => l.replace(/^(\s*)#( {1,3})(?=\[\[|\[influxdb\.|[a-z][a-z0-9-]* = )/, "$1 $2"))
      .join("\n");
    const file = confFile(uncommented);
    const { config } = loadConfig({
      file,
      env: { TICKD_ESCALATION_0_AUTH_KEY: "k", TICKD_HTTPPOST_0_BASIC_AUTH_PASSWORD: "p" },
    });
    expect(config.influxdb).toHaveLength(1);
    expect(config.httppost[0]).toMatchObject({
      endpoint: "example",
      basicAuth: { username: "tickd", password: "p" },
    });
    expect(config.escalation[0]?.authKey).toBe("k");
    expect(config.kafka[0]?.id).toBe("default");
    expect(config.kafkaInput[0]).toMatchObject({ name: "metrics", db: "telegraf" });
    expect(config.http.users).toEqual([{ username: "tickctl", password: "", readOnly: false }]);
  });

  it("a required key left out of an uncommented example is reported (the check above is meaningful)", () => {
    const file = confFile(`[[escalation]]\n  name = "x"\n  url = "https://x.example.com"\n`);
    expect(problemsOf({ file, env: {} })).toEqual([
      `${file}:1: [escalation.0] auth-key: required, but missing`,
    ]);
  });
});
