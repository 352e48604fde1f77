/**
 * `|httpPost()` end to end in-process: a real task, the daemon's sender
 * (src/server/http-post.ts) over the real undici transport, and a real node:http receiver.
 * Mirrors Kapacitor's http_post.go and its TestStream_HttpPost* / TestBatch_HttpPost tests:
 * the body is models.Result JSON with one row, an endpoint's row-template replaces it,
 * headers and URLs come from the node or the [[httppost]] endpoint, `.codeField()` carries
 * the status on (0 when nothing answered), and nothing is retried.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTransport, type Transport } from "../../../src/delivery/index.js";
import type { HttpPostEndpointConfig } from "../../../src/handlers/types.js";
import { createHttpPostAccess } from "../../../src/server/http-post.js";
import { runScript, type Recorded } from "../../support/engine.js";
import { startReceiver, type Receiver } from "../../support/receiver.js";

const S = 1_000_000_000;
const T0 = 31536000 * S;

let rx: Receiver | undefined;
let transport: Transport | undefined;

afterEach(async () => {
  await transport?.close();
  await rx?.close();
  rx = undefined;
  transport = undefined;
});

type Run = Recorded & { hostLogs: Recorded["logs"] };

function run(script: string, httppost: HttpPostEndpointConfig[] = [], allowedHosts = ["*"]): Run {
  transport = createTransport();
  const logs: Recorded["logs"] = [];
  const access = createHttpPostAccess({
    config: { httppost, webhook: { allowedHosts } },
    send: transport,
    logger: { log: (level, msg, fields) => logs.push({ level, msg, ...(fields ? { fields } : {}) }) },
  });
  const r = runScript(script, { httpPost: access });
  return Object.assign(r, { hostLogs: logs });
}

describe("|httpPost()", () => {
  it("posts each point as models.Result JSON to a templated URL with the node's headers", async () => {
    rx = await startReceiver();
    const r = run(`stream
      |from().measurement('cpu')
      |httpPost('${rx.url}/in/{{ index .Tags "host" }}')
        .header('X-Team', 'ops')
        .header('Content-Type', 'application/x-custom')`);
    r.task.write("db", "rp", {
      name: "cpu",
      tags: { host: "a" },
      fields: { value: 1.5, n: 3n },
      time: BigInt(T0),
    });
    r.task.write("db", "rp", {
      name: "cpu",
      tags: { host: "b" },
      fields: { value: 2 },
      time: BigInt(T0 + S),
    });
    await r.task.idle();
    const [one, two] = await rx.waitFor(2);
    expect(one!.method).toBe("POST");
    expect(one!.path).toBe("/in/a");
    expect(one!.body).toBe(
      '{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","n","value"],"values":[["1971-01-01T00:00:00Z",3,1.5]]}]}\n',
    );
    expect(one!.headers["x-team"]).toBe("ops");
    // The node's headers are set last (Kapacitor: after the content type).
    expect(one!.headers["content-type"]).toBe("application/x-custom");
    expect(two!.path).toBe("/in/b");
  });

  it("uses an endpoint's URL, headers, basic auth and row-template; batches post one row", async () => {
    rx = await startReceiver();
    const r = run(
      `stream
        |from().measurement('cpu').groupBy('host')
        |window().period(10s).every(10s)
        |httpPost().endpoint('rows')`,
      [
        {
          endpoint: "rows",
          url: `${rx.url}/rows/{{ .Name }}`,
          headers: { "X-Endpoint": "yes" },
          basicAuth: { username: "u", password: "p" },
          rowTemplate:
            '{{ .Name }} {{ index .Tags "host" }}:{{ range .Values }} {{ index . "value" }}{{ end }}',
        },
      ],
    );
    for (let i = 0; i < 3; i++)
      r.task.write("db", "rp", {
        name: "cpu",
        tags: { host: "a" },
        fields: { value: i },
        time: BigInt(T0 + i * 5 * S),
      });
    await r.task.idle();
    const [req] = await rx.waitFor(1);
    expect(req!.path).toBe("/rows/cpu");
    expect(req!.body).toBe("cpu a: 0 1");
    expect(req!.headers["x-endpoint"]).toBe("yes");
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    // A row template sets no content type.
    expect(req!.headers["content-type"]).toBeUndefined();
  });

  it(".codeField() passes the status on; a refused URL gives 0 and is logged, never retried", async () => {
    rx = await startReceiver({ answers: [{ status: 500 }, { status: 201 }] });
    const script = `stream
      |from().measurement('cpu')
      |httpPost('${rx.url}/c').codeField('code').captureResponse()
      |alert().id('x').crit(lambda: "code" != 201)`;
    const r = run(script);
    r.task.write("db", "rp", { name: "cpu", tags: {}, fields: { v: 1 }, time: BigInt(T0) });
    r.task.write("db", "rp", { name: "cpu", tags: {}, fields: { v: 2 }, time: BigInt(T0 + S) });
    await r.task.idle();
    expect(rx.requests).toHaveLength(2);
    expect(r.events.map((e) => [e.state.level, e.data.series[0]!.values[0]])).toEqual([
      [3, [BigInt(T0), 500n, 1]],
      [0, [BigInt(T0 + S), 201n, 2]],
    ]);
    expect(
      r.hostLogs.some((l) => l.msg.startsWith("POST returned non 2xx status code") && l.fields?.code === 500),
    ).toBe(true);

    const refused = run(
      `stream |from().measurement('cpu') |httpPost('http://example.invalid/x').codeField('code') |alert().id('y').crit(lambda: "code" == 0)`,
      [],
      ["127.0.0.1"],
    );
    refused.task.write("db", "rp", { name: "cpu", tags: {}, fields: { v: 1 }, time: BigInt(T0) });
    await refused.task.idle();
    expect(refused.events).toHaveLength(1);
    expect(refused.hostLogs.map((l) => l.msg).join("\n")).toMatch(/allowed-hosts/);
  });

  it("a task naming an unknown endpoint does not start", () => {
    expect(() => run(`stream |from() |httpPost().endpoint('nope')`)).toThrow(
      /endpoint 'nope' does not exist/,
    );
  });
});
