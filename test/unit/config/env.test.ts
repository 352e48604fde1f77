import { describe, expect, it } from "vitest";

import { loadConfig } from "../../../src/config/index.js";
import { confFile, problemsOf } from "./helpers.js";

describe("TICKD_<SECTION>_<KEY> overrides", () => {
  it("override strings, bools, integers and durations by the key's type", () => {
    const file = confFile(`[http]\n  bind-address = ":9092"\n  auth-enabled = true\n  shared-secret = "s"\n`);
    const { config } = loadConfig({
      file,
      env: {
        TICKD_HTTP_BIND_ADDRESS: "0.0.0.0:9999",
        TICKD_HTTP_AUTH_ENABLED: "false",
        TICKD_HTTP_LOG_ENABLED: "0",
        TICKD_ALERT_TOPIC_BUFFER_LENGTH: "10",
        TICKD_DELIVERY_BACKOFF_MAX: "1m",
        TICKD_DELIVERY_JOURNAL: "FALSE",
        TICKD_HTTP_MAX_BODY_SIZE: "1MB",
        TICKD_LOGGING_LEVEL: "debug",
        TICKD_HOSTNAME: "tickd.internal",
      },
    });
    expect(config.http).toMatchObject({ bindAddress: "0.0.0.0:9999", authEnabled: false, logEnabled: false });
    expect(config.http.maxBodySize).toBe(1024 * 1024);
    expect(config.alert.topicBufferLength).toBe(10);
    expect(config.delivery).toMatchObject({ backoffMax: 60e9, journal: false });
    expect(config.logging.level).toBe("debug");
    expect(config.hostname).toBe("tickd.internal");
  });

  it("index [[lists]]: override an element from the file, create the next one, nested tables and maps included", () => {
    const file = confFile(
      `[[httppost]]\n  endpoint = "a"\n  url = "http://a.example.com"\n  headers = { X = "1" }\n`,
    );
    const { config } = loadConfig({
      file,
      env: {
        TICKD_HTTPPOST_0_URL: "https://a2.example.com",
        TICKD_HTTPPOST_0_HEADERS_Authorization: "Bearer t",
        TICKD_HTTPPOST_0_BASIC_AUTH_USERNAME: "u",
        TICKD_HTTPPOST_0_BASIC_AUTH_PASSWORD: "p",
        TICKD_HTTPPOST_1_ENDPOINT: "b",
        TICKD_HTTPPOST_1_URL: "http://b.example.com",
      },
    });
    expect(config.httppost).toHaveLength(2);
    expect(config.httppost[0]).toMatchObject({
      endpoint: "a",
      url: "https://a2.example.com",
      headers: { X: "1", Authorization: "Bearer t" }, // the map key keeps its case
      basicAuth: { username: "u", password: "p" },
    });
    expect(config.httppost[1]).toMatchObject({ endpoint: "b", url: "http://b.example.com", basicAuth: null });
  });

  it("handle hyphenated sections and lists nested in tables ([[kafka-input]] vs [[kafka]], [[http.users]])", () => {
    const { config } = loadConfig({
      env: {
        TICKD_KAFKA_INPUT_0_NAME: "in",
        TICKD_KAFKA_INPUT_0_BROKERS: "k1:9092, k2:9092",
        TICKD_KAFKA_INPUT_0_TOPICS: '["a","b"]',
        TICKD_KAFKA_INPUT_0_DB: "telegraf",
        TICKD_KAFKA_INPUT_0_GROUP_ID: "g",
        TICKD_KAFKA_0_ID: "out",
        TICKD_KAFKA_0_ENABLED: "true",
        TICKD_KAFKA_0_BROKERS: '["k3:9092"]',
        TICKD_HTTP_USERS_0_USERNAME: "alice",
        TICKD_HTTP_USERS_0_PASSWORD: "pw",
        TICKD_HTTP_AUTH_ENABLED: "yes",
      },
    });
    expect(config.kafkaInput).toEqual([
      expect.objectContaining({
        name: "in",
        brokers: ["k1:9092", "k2:9092"],
        topics: ["a", "b"],
        groupId: "g",
      }),
    ]);
    expect(config.kafka).toEqual([
      expect.objectContaining({ id: "out", enabled: true, brokers: ["k3:9092"] }),
    ]);
    expect(config.http.users).toEqual([{ username: "alice", password: "pw", readOnly: false }]);
    expect(config.http.authEnabled).toBe(true);
  });

  it("take JSON for tables and whole sections", () => {
    const { config } = loadConfig({
      env: {
        TICKD_INFLUXDB: '[{"name":"a","default":true}]',
        TICKD_INFLUXDB_0_SUBSCRIPTIONS: '{"telegraf":["autogen"]}',
        TICKD_WEBHOOK_ALLOWED_HOSTS: '["hooks.example.com","*.example.org"]',
      },
    });
    expect(config.influxdb[0]).toMatchObject({
      name: "a",
      default: true,
      subscriptions: { telegraf: ["autogen"] },
    });
    expect(config.webhook.allowedHosts).toEqual(["hooks.example.com", "*.example.org"]);
  });

  it("skip empty values and TICKD_CONFIG_PATH, as Kapacitor skips empty ones", () => {
    const r = loadConfig({ env: { TICKD_HTTP_BIND_ADDRESS: "", TICKD_CONFIG_PATH: "/etc/tickd.conf" } });
    expect(r.config.http.bindAddress).toBe("127.0.0.1:9092");
    expect(r.warnings).toEqual([]);
  });

  it("warn about a variable that names no key, with a suggestion", () => {
    const r = loadConfig({ env: { TICKD_HTTP_BIND_ADRESS: ":1", TICKD_NOTHING_LIKE_IT: "x" } });
    expect(r.warnings).toEqual([
      "env TICKD_HTTP_BIND_ADRESS names no config key — did you mean TICKD_HTTP_BIND_ADDRESS?; ignored",
      "env TICKD_NOTHING_LIKE_IT names no config key; ignored",
    ]);
  });

  it("report bad values with the variable's name, together with the file's problems", () => {
    const file = confFile(`[delivery]\n  concurrency = 0\n`);
    expect(
      problemsOf({
        file,
        env: {
          TICKD_HTTP_AUTH_ENABLED: "maybe",
          TICKD_ALERT_TOPIC_BUFFER_LENGTH: "lots",
          TICKD_WEBHOOK_TIMEOUT: "10 seconds",
          TICKD_HTTPPOST_3_URL: "http://x",
          TICKD_INFLUXDB_0_SUBSCRIPTIONS: "{nope",
          TICKD_VICTOROPS_URL: "not a url",
        },
      }),
    ).toEqual([
      `${file}:2: [delivery] concurrency: expected an integer of 1 or more`,
      'env TICKD_ALERT_TOPIC_BUFFER_LENGTH: [alert] topic-buffer-length: expected a number, got "lots"',
      'env TICKD_HTTP_AUTH_ENABLED: [http] auth-enabled: expected true or false, got "maybe"',
      "env TICKD_HTTPPOST_3_URL: [httppost]: element 3 does not exist and is not the next one (0)",
      expect.stringMatching(
        /^env TICKD_INFLUXDB_0_SUBSCRIPTIONS: \[influxdb\.0\] subscriptions: expected a JSON object: /,
      ),
      "env TICKD_VICTOROPS_URL: [victorops] url: expected a URL (http:// or https://)",
      expect.stringMatching(/^env TICKD_WEBHOOK_TIMEOUT: \[webhook\] timeout: invalid duration "10 seconds"/),
    ]);
  });
});
