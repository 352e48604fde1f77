import { describe, expect, it } from "vitest";

import { ErrorCodes } from "../../../src/core/errors.js";
import { ConfigError, loadConfig } from "../../../src/config/index.js";
import { confFile, problemsOf } from "./helpers.js";

describe("every problem at once, each with file:line and key", () => {
  it("lists them all, in file order", () => {
    const file = confFile(
      [
        /* 1 */ 'hostname = "h"',
        /* 2 */ "[http]",
        /* 3 */ '  bind-adress = ":9092"',
        /* 4 */ '  max-body-size = "lots"',
        /* 5 */ "[victorop]",
        /* 6 */ "  enabled = true",
        /* 7 */ "[victorops]",
        /* 8 */ "  enabled = true",
        /* 9 */ '  url = "not a url"',
        /* 10 */ "[[httppost]]",
        /* 11 */ '  endpoint = "a"',
        /* 12 */ '  url = "ftp://x"',
        /* 13 */ '  basic-auth = { username = "u" }',
        /* 14 */ "[[httppost]]",
        /* 15 */ '  endpoint = "a"',
        /* 16 */ '  url = "http://x/{{.ID}}"',
        /* 17 */ "[delivery]",
        /* 18 */ '  backoff-initial = "1h"',
        /* 19 */ '  backoff-max = "1m"',
        /* 20 */ "[logging]",
        /* 21 */ '  level = "LOUD"',
        /* 22 */ "[[influxdb]]",
        /* 23 */ '  name = "a"',
        /* 24 */ "  urls = []",
        /* 25 */ '  subscription-protocol = "udp"',
        /* 26 */ "[[influxdb]]",
        /* 27 */ '  name = "a"',
        /* 28 */ "[[kafka-input]]",
        /* 29 */ '  brokers = ["k:9092"]',
      ].join("\n"),
    );
    expect(problemsOf({ file, env: {} })).toEqual([
      `${file}:3: unknown key [http] bind-adress — did you mean bind-address?`,
      `${file}:4: [http] max-body-size: expected a size like "25MB" or a number of bytes, got the string "lots"`,
      `${file}:5: unknown section [victorop] — did you mean [victorops]?`,
      `${file}:7: [victorops] api-key: required when enabled = true`,
      `${file}:9: [victorops] url: expected a URL (http:// or https://)`,
      `${file}:12: [httppost.0] url: expected a URL (http:// or https://), got the string "ftp://x"`,
      `${file}:13: [httppost.0] basic-auth: expected both username and password`,
      `${file}:15: [httppost.1] endpoint: duplicate endpoint "a" (also [httppost.0])`,
      `${file}:18: [delivery] backoff-initial: is longer than backoff-max`,
      `${file}:21: [logging] level: expected DEBUG, INFO, WARN, ERROR or OFF`,
      `${file}:22: [influxdb.0] default: several [[influxdb]] are enabled: mark one with default = true`,
      `${file}:24: [influxdb.0] urls: expected at least one URL`,
      `${file}:25: [influxdb.0] subscription-protocol: expected "http" or "https" (tickd does not receive UDP)`,
      `${file}:27: [influxdb.1] name: duplicate name "a" (also [influxdb.0])`,
      `${file}:28: [kafka-input.0] name: required, but missing`,
      `${file}:28: [kafka-input.0] db: required, but missing`,
    ]);
  });

  it("throws one TickdError with code E_CONFIG whose message holds every problem", () => {
    const file = confFile(`[http]\n  auth-enabled = "yes"\n  log-enabled = 1\n`);
    let err: unknown;
    try {
      loadConfig({ file, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe(ErrorCodes.CONFIG);
    expect(e.problems).toEqual([
      `${file}:2: [http] auth-enabled: expected true or false, got the string "yes"`,
      `${file}:3: [http] log-enabled: expected true or false, got the number 1`,
    ]);
    expect(e.message).toBe(`invalid configuration (2 problems):\n  ${e.problems.join("\n  ")}`);
  });

  it("names the file even for a problem without a line, and 'defaults' without a file", () => {
    const file = confFile(`[http]\n  auth-enabled = true\n`);
    expect(problemsOf({ file, env: {} })).toEqual([
      `${file}:2: [http] auth-enabled: auth is enabled but there is no [[http.users]] and no shared-secret: nobody could log in`,
    ]);
    expect(problemsOf({ env: { TICKD_HTTP_AUTH_ENABLED: "true" } })).toEqual([
      "env TICKD_HTTP_AUTH_ENABLED: [http] auth-enabled: auth is enabled but there is no [[http.users]] and no shared-secret: nobody could log in",
    ]);
  });

  it("says so when a table is written as a list of tables or the other way round", () => {
    const file = confFile(`[[http]]\n  log-enabled = true\n[httppost]\n  endpoint = "a"\n`);
    expect(problemsOf({ file, env: {} })).toEqual([
      `${file}:1: [http] is a table: write [http], not [[http]]`,
      `${file}:3: [[httppost]] is a list of tables: write [[httppost]], not [httppost]`,
    ]);
  });

  it("cannot read a missing file, and says which", () => {
    expect(problemsOf({ file: "/nonexistent/tickd.conf", env: {} })).toEqual([
      expect.stringMatching(/^\/nonexistent\/tickd\.conf: cannot read the config file: ENOENT/),
    ]);
  });
});

describe("unknown keys", () => {
  it("suggest the key meant, for keys, sections, nested tables and top-level keys", () => {
    const file = confFile(
      [
        'hostnam = "x"',
        "[alerts]",
        "  persist-topics = true",
        "[alert]",
        "  persist-topic = true",
        "[[httppost]]",
        '  endpoint = "a"',
        '  url = "http://x"',
        '  basic-auth = { username = "u", pasword = "p" }',
        "[[kafka]]",
        "  enable = true",
        "[webhook]",
        "  completely-different = 1",
      ].join("\n"),
    );
    expect(problemsOf({ file, env: {} })).toEqual([
      `${file}:1: unknown key hostnam — did you mean hostname?`,
      `${file}:2: unknown section [alerts] — did you mean [alert]?`,
      `${file}:5: unknown key [alert] persist-topic — did you mean persist-topics?`,
      `${file}:9: unknown key [httppost.0] basic-auth.pasword — did you mean password?`,
      `${file}:9: [httppost.0] basic-auth: expected both username and password`,
      `${file}:11: unknown key [kafka.0] enable — did you mean enabled?`,
      `${file}:13: unknown key [webhook] completely-different`,
    ]);
  });

  it("Kapacitor's keys are ignored, not errors, and reported once however many list elements carry them", () => {
    const file = confFile(
      [
        "skip-config-overrides = false",
        "[http]",
        "  https-enabled = true",
        "[[influxdb]]",
        '  name = "a"',
        "  default = true",
        '  udp-bind = ""',
        "[[influxdb]]",
        '  name = "b"',
        '  udp-bind = ""',
        "[[marathon]]",
        "  enabled = true",
        '  hots = "typos inside an ignored section are not checked"',
      ].join("\n"),
    );
    const r = loadConfig({ file, env: {} });
    expect(r.ignored).toEqual([
      "http.https-enabled",
      "influxdb.udp-bind",
      "marathon",
      "skip-config-overrides",
    ]);
    expect(r.warnings).toEqual([
      "[http] https-enabled = true, but tickd does not implement it; ignored",
      "[marathon] is enabled, but tickd does not implement it; the section is ignored",
    ]);
  });
});

describe("durations", () => {
  it("accept Go and TICKscript forms and integers of nanoseconds, and reject the rest naming the key", () => {
    const ok = confFile(
      `[webhook]\n  timeout = "1m30s"\n[engine]\n  idle-flush = "2d"\n  group-ttl = 5000\n`,
    );
    const { config } = loadConfig({ file: ok, env: {} });
    expect(config.webhook.timeout).toBe(90e9);
    expect(config.engine).toEqual({ idleFlush: 2 * 86400e9, groupTtl: 5000 });

    const bad = confFile(
      [
        "[webhook]",
        '  timeout = "10"',
        "[delivery]",
        '  backoff-initial = "-5s"',
        '  backoff-max = "5 minutes"',
        "[engine]",
        "  idle-flush = true",
        "  group-ttl = 1.5",
        "[http]",
        '  shutdown-timeout = "soon"',
      ].join("\n"),
    );
    expect(problemsOf({ file: bad, env: {} })).toEqual([
      `${bad}:4: [delivery] backoff-initial: expected a duration of 0 or more, got "-5s"`,
      `${bad}:5: [delivery] backoff-max: invalid duration "5 minutes": unknown unit " minutes" (ns, us, ms, s, m, h, d or w)`,
      `${bad}:7: [engine] idle-flush: expected a duration like "10s", got true`,
      `${bad}:8: [engine] group-ttl: expected a duration like "10s", got the number 1.5`,
      `${bad}:10: [http] shutdown-timeout: invalid duration "soon": expected a number and a unit, like 10s, 1.5h or 1d`,
    ]);
  });
});

describe("TOML syntax errors", () => {
  it("give file:line:col of the error", () => {
    const unterminated = confFile(`[http]\n  bind-address = "127.0.0.1:9092\n`);
    expect(problemsOf({ file: unterminated, env: {} })).toEqual([
      expect.stringMatching(new RegExp(`^${unterminated}:2:\\d+: `)),
    ]);

    const header = confFile(`[http]\n  log-enabled = true\n[delivery\n  journal = true\n`);
    expect(problemsOf({ file: header, env: {} })).toEqual([
      expect.stringMatching(new RegExp(`^${header}:3:10: `)),
    ]);

    const value = confFile(`[alert]\n  persist-topics = yes\n`);
    expect(problemsOf({ file: value, env: {} })).toEqual([
      expect.stringMatching(new RegExp(`^${value}:2:20: `)),
    ]);
  });

  it("a key defined twice is reported at its second definition", () => {
    const file = confFile(`[http]\n  log-enabled = true\n  log-enabled = false\n`);
    expect(problemsOf({ file, env: {} })).toEqual([
      `${file}:3:3: Cannot redefine existing key 'http.log-enabled'.`,
    ]);
  });
});
