import { describe, expect, it } from "vitest";

import { TickdError } from "../../../src/core/errors.js";
import { Level } from "../../../src/core/types.js";
import { HANDLER_KINDS, redactOptions } from "../../../src/handlers/index.js";
import { checkScript } from "../../../src/pipeline/check.js";
import type { HandlerSpec } from "../../../src/pipeline/task-graph.js";
import { alertEvent, factory, handlerConfig } from "./helpers.js";

function handlersOf(script: string): HandlerSpec[] {
  const { graph, diagnostics } = checkScript(script, "test.tick", {});
  if (graph === undefined) throw new Error(diagnostics.map((d) => d.message).join("\n"));
  return graph.nodes.find((n) => n.kind === "alert")!.handlers;
}

function thrown(fn: () => unknown): TickdError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TickdError);
    return e as TickdError;
  }
  throw new Error("expected an error");
}

describe("handler registry", () => {
  it("lists its kinds", () => {
    const { f } = factory(handlerConfig());
    expect(f.kinds()).toEqual([
      "aggregate",
      "alerta",
      "bigpanda",
      "discord",
      "email",
      "escalation",
      "exec",
      "hipchat",
      "kafka",
      "log",
      "mqtt",
      "opsgenie",
      "opsgenie2",
      "pagerduty",
      "pagerduty2",
      "post",
      "publish",
      "pushover",
      "sensu",
      "servicenow",
      "slack",
      "smtp",
      "snmptrap",
      "talk",
      "tcp",
      "teams",
      "telegram",
      "victorops",
      "zenoss",
    ]);
    // Each entry under its own name; `email` (TICKscript's name) is the `smtp` kind.
    for (const [name, entry] of Object.entries(HANDLER_KINDS))
      expect(entry.kind).toBe(name === "email" ? "smtp" : name);
  });

  it("rejects an unknown kind with Kapacitor's message", () => {
    const { f } = factory(handlerConfig());
    const e = thrown(() => f.create({ kind: "nagios", options: {}, topic: "t", id: "x" }));
    expect(e.code).toBe("E_HANDLER_KIND");
    expect(e.message).toBe('unsupported action kind "nagios"');
  });

  it("rejects unknown options naming the key, for every kind", () => {
    const { f } = factory(handlerConfig());
    for (const kind of f.kinds()) {
      const e = thrown(() => f.create({ kind, options: { "no-such-option": 1 }, topic: "t", id: "x" }));
      expect(e.code).toBe("E_HANDLER_OPTIONS");
      // TICKscript's `email` is the `smtp` kind, named so in its errors.
      expect(e.message).toContain(
        `${kind === "email" ? "smtp" : kind} handler: unknown option "no-such-option"`,
      );
    }
    expect(() => f.validate("victorops", { "routing-key": 5 })).toThrow(/option "routing-key": expected/);
  });

  it("maps TICKscript handlers onto handler-file options", () => {
    const specs = handlersOf(`
stream
  |from().measurement('cpu')
  |alert()
    .crit(lambda: "value" > 1)
    .post('http://hooks.example.com/x').header('X-A', '1').header('X-B', '2').header('X-A', '3').captureResponse().timeout(10s)
    .post().endpoint('example')
    .victorOps().routingKey('k1')
    .victorOps()
    .escalation('oncall')
    .log('/var/log/alerts.log').mode(0644)
    .tcp('127.0.0.1:9000')
    .exec('/bin/notify', 'a', 'b')
`);
    const { f } = factory(handlerConfig());
    expect(specs.map((s) => f.fromTickscript(s))).toEqual([
      {
        kind: "post",
        options: {
          url: "http://hooks.example.com/x",
          headers: { "X-A": "3", "X-B": "2" },
          "capture-response": true,
          timeout: 10e9,
        },
      },
      { kind: "post", options: { endpoint: "example" } },
      { kind: "victorops", options: { "routing-key": "k1" } },
      { kind: "victorops", options: {} },
      { kind: "escalation", options: { name: "oncall" } },
      { kind: "log", options: { path: "/var/log/alerts.log", mode: 420 } },
      { kind: "tcp", options: { address: "127.0.0.1:9000" } },
      { kind: "exec", options: { prog: "/bin/notify", args: ["a", "b"] } },
    ]);
  });

  it("accepts the victorops spelling and kinds as written", () => {
    const { f } = factory(handlerConfig());
    const spec = handlersOf(`
stream
  |from().measurement('cpu')
  |alert()
    .crit(lambda: TRUE)
    .victorOps().routingKey('k')
`)[0]!;
    expect(f.fromTickscript({ ...spec, kind: "victorops" })).toEqual({
      kind: "victorops",
      options: { "routing-key": "k" },
    });
    // aggregate and publish exist only in handler files: TICKscript has no such methods.
    const aggregate = thrown(() => f.fromTickscript({ ...spec, kind: "aggregate" }));
    expect(aggregate.code).toBe("E_HANDLER_KIND");
  });

  it("reports bad TICKscript handler options with their position", () => {
    const { f } = factory(handlerConfig());
    const spec = handlersOf(`
stream
  |from().measurement('cpu')
  |alert()
    .crit(lambda: TRUE)
    .log('relative.log')
`)[0]!;
    const e = thrown(() => f.fromTickscript(spec));
    expect(e.code).toBe("E_HANDLER_OPTIONS");
    expect(e.message).toMatch(/^\.log\(\) at line 6 char \d+: log handler: option "path": must be absolute/);
  });

  it("redacts secrets", () => {
    const { f } = factory(handlerConfig());
    const options = {
      url: "http://x",
      "bearer-token": "tok",
      "basic-auth": { username: "u", password: "pw" },
      headers: { Authorization: "Bearer abc", "X-Api-Key": "k", "X-Team": "sre" },
    };
    expect(f.redact("post", options)).toEqual({
      url: "http://x",
      "bearer-token": "<redacted>",
      "basic-auth": { username: "u", password: "<redacted>" },
      headers: { Authorization: "<redacted>", "X-Api-Key": "<redacted>", "X-Team": "sre" },
    });
    expect(options["basic-auth"].password).toBe("pw"); // the input is not changed
    expect(f.redact("post", { url: "https://u:p%40ss@h.example/x?t=1" }).url).toBe(
      "https://u:<redacted>@h.example/x?t=1",
    );
    expect(f.redact("post", { url: "https://u@h.example/{{ .ID }}" }).url).toBe(
      "https://u@h.example/{{ .ID }}",
    );
    expect(f.redact("victorops", { "routing-key": "k" })).toEqual({ "routing-key": "k" });
    expect(redactOptions("unknown", { token: "t", nested: { password: "p", name: "n" } })).toEqual({
      token: "<redacted>",
      nested: { password: "<redacted>", name: "n" },
    });
  });

  it("refuses the <redacted> placeholder where a secret belongs (files, API, TICKscript)", () => {
    const { f } = factory(handlerConfig());
    const cases: [Record<string, unknown>, string][] = [
      [{ url: "http://x", "bearer-token": "<redacted>" }, "bearer-token"],
      [{ url: "http://x", "basic-auth": { username: "u", password: "<redacted>" } }, "basic-auth.password"],
      [{ url: "http://x", headers: { "X-Api-Key": "<redacted>" } }, "headers.X-Api-Key"],
    ];
    for (const [options, key] of cases) {
      const e = thrown(() => f.create({ kind: "post", options, topic: "t", id: "p" }));
      expect(e.code).toBe("E_HANDLER_OPTIONS");
      expect(e.message).toContain(`option "${key}": is "<redacted>", the placeholder the API shows`);
      expect(thrown(() => f.validate("post", options)).code).toBe("E_HANDLER_OPTIONS");
    }
    // Not a secret position: left alone.
    f.validate("post", { url: "http://x", headers: { "X-Note": "<redacted>" } });
    const [spec] = handlersOf(`stream
  |from().measurement('cpu')
  |alert()
    .crit(lambda: TRUE)
    .post('http://x').header('Authorization', '<redacted>')
`);
    expect(thrown(() => f.fromTickscript(spec!)).message).toContain('option "headers.Authorization"');
  });

  it("handle never throws, whatever goes wrong", async () => {
    const { f, logs } = factory(handlerConfig());
    const h = f.create({ kind: "post", options: { url: "{{ .NoSuchField }}" }, topic: "t", id: "p" });
    await expect(h.handle(alertEvent(), Level.OK)).resolves.toBeUndefined();
    expect(logs[0]!.fields?.code).toBe("E_TEMPLATE_EXEC");
    await h.close?.();
  });
});
