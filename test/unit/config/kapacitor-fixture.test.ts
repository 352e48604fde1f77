import { describe, expect, it } from "vitest";

import { loadConfig } from "../../../src/config/index.js";
import { kapacitorFixture } from "./helpers.js";

/** What tickd does not implement in Kapacitor 1.8's sample config: sorted, each once. */
const EXPECTED_IGNORED = [
  "auth",
  "azure",
  "collectd",
  "consul",
  "deadman",
  "default-retention-policy",
  "dns",
  "ec2",
  "file-discovery",
  "fluxtask",
  "gce",
  "http.https-certificate",
  "http.https-enabled",
  "http.pprof-enabled",
  "http.write-tracing",
  "influxdb.udp-bind",
  "influxdb.udp-buffer",
  "influxdb.udp-read-buffer",
  "kafka.sasl-oauth-parameters",
  "kubernetes",
  "marathon",
  "nerve",
  "opentsdb",
  "replay",
  "reporting",
  "scraper",
  "serverset",
  "skip-config-overrides",
  "static",
  "static-discovery",
  "stats",
  "swarm",
  "task",
  "tls",
  "triton",
  "udf",
];

describe("Kapacitor 1.8's sample kapacitor.conf", () => {
  it("loads", () => {
    expect(() => loadConfig({ file: kapacitorFixture(), env: {} })).not.toThrow();
  });

  it("reports every section and key tickd does not implement once, sorted, the same on every load", () => {
    const first = loadConfig({ file: kapacitorFixture(), env: {} }).ignored;
    expect(first).toEqual(EXPECTED_IGNORED);
    expect(new Set(first).size).toBe(first.length);
    expect(loadConfig({ file: kapacitorFixture(), env: {} }).ignored).toEqual(first);
  });

  it("warns about Kapacitor features switched on there that tickd lacks (but not usage reporting)", () => {
    expect(loadConfig({ file: kapacitorFixture(), env: {} }).warnings).toEqual([
      "[stats] is enabled, but tickd does not implement it; the section is ignored",
    ]);
  });

  it("gives the shared sections the meaning they have in Kapacitor", () => {
    const { config } = loadConfig({ file: kapacitorFixture(), env: {} });
    expect(config.hostname).toBe("localhost");
    expect(config.http).toMatchObject({ bindAddress: ":9092", authEnabled: false, logEnabled: true });
    expect(config.logging).toEqual({ file: "/var/log/kapacitor/kapacitor.log", level: "info" });
    // [load] dir holds tasks/ and handlers/
    expect(config.load).toEqual({
      enabled: true,
      dir: "/etc/kapacitor/load",
      tasksDir: "/etc/kapacitor/load/tasks",
      handlersDir: "/etc/kapacitor/load/handlers",
    });
    expect(config.alert).toEqual({
      persistTopics: true,
      topicBufferLength: 5000,
      historyRetention: 168 * 3600e9,
    });
    expect(config.victorops).toEqual({
      enabled: false,
      apiKey: "",
      routingKey: "",
      url: "https://alert.victorops.com/integrations/generic/20131114/alert",
      jsonData: false,
      global: false,
    });
    expect(config.influxdb).toHaveLength(1);
    expect(config.influxdb[0]).toMatchObject({
      enabled: true,
      default: true,
      name: "localhost",
      urls: ["http://localhost:8086"],
      timeout: 0, // an integer, as Kapacitor accepts
      startupTimeout: 5 * 60e9,
      subscriptionMode: "cluster",
      subscriptionProtocol: "http",
      subscriptionsSyncInterval: 60e9,
      subscriptions: {},
      // the empty table does not drop Kapacitor's own exclusion
      excludedSubscriptions: { _kapacitor: ["autogen"] },
    });
    expect(config.kafka).toEqual([
      expect.objectContaining({
        enabled: false,
        id: "localhost",
        brokers: [],
        timeout: 10e9,
        batchSize: 100,
      }),
    ]);
    expect(config.httppost).toEqual([]); // commented out in the sample
  });
});
