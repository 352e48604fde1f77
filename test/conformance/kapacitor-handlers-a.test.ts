/**
 * Kapacitor's alert-handler stream tests (integrations/streamer_test.go), one case each, run
 * through the daemon: the task raises the one CRITICAL alert of
 * test/support/kapacitor-alerts.ts (our own data and names), and a real local receiver
 * checks what the handler sends, field by field, against what Kapacitor's service code sends
 * for the same script (services/<name>/service.go; services/alert/handlers.go for tcp, log and
 * exec): node:http servers for the HTTP services, net servers for Sensu and TCP, real files for
 * log, real scripts for exec. Kafka is in test/integration/kapacitor-handlers-kafka.test.ts
 * (the real broker). Each `it` starts with the name of the Kapacitor test it mirrors;
 * docs/KAPACITOR-TESTS.md lists them with their status.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type Receiver, type RecordedRequest } from "../support/receiver.js";
import {
  ALERT_SERIES,
  ALERT_TIME_GO,
  alertData,
  alertScript,
  startAlertTask,
  type AlertRun,
} from "../support/kapacitor-alerts.js";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function run(task: string, script: string, toml: string): Promise<AlertRun> {
  const r = await startAlertTask(task, script, toml);
  cleanups.push(() => r.stop());
  await r.raise();
  return r;
}

async function receiver(): Promise<Receiver> {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  return rx;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tickd-kap-handlers-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What a Go http.Post / PostForm request shows besides its body. */
function envelope(r: RecordedRequest): { method: string; path: string; contentType: unknown } {
  return { method: r.method, path: r.path, contentType: r.headers["content-type"] };
}

/** A raw TCP listener on 127.0.0.1 that keeps what each connection sent; `answer` is written back once a line is in. */
interface TcpSink {
  addr: string;
  received: string[];
  waitFor(n: number, ms?: number): Promise<string[]>;
}

async function tcpSink(answer?: string): Promise<TcpSink> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    let buf = "";
    let answered = false;
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      buf += d;
      // Sensu's client socket answers once the check result (one JSON line) is in, then closes.
      if (answer !== undefined && !answered && buf.includes("\n")) {
        answered = true;
        received.push(buf);
        sock.end(answer);
      }
    });
    sock.on("end", () => {
      if (answer === undefined) received.push(buf);
    });
    sock.on("close", () => sockets.delete(sock));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  const port = (server.address() as { port: number }).port;
  return {
    addr: `127.0.0.1:${port}`,
    received,
    async waitFor(n, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} connections' data, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received.slice();
    },
  };
}

/** Waits (bounded) until every path exists and is not empty. */
async function filesWritten(paths: string[], ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!paths.every((p) => existsSync(p) && statSync(p).size > 0)) {
    if (Date.now() > deadline) throw new Error(`not written within ${ms} ms: ${paths.join(", ")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("Kapacitor's alert-handler stream tests", () => {
  it("TestStream_AlertSensu: one check result per event on the client socket, metadata merged in", async () => {
    const sensu = await tcpSink("ok");
    await run(
      "disk_sensu",
      alertScript(
        'tick.{{ .Name }}.{{ index .Tags "host" }}',
        `.sensu()
      .metadata('rack', 'r12')
      .metadata('slot', 3)`,
      ),
      `[sensu]\n  enabled = true\n  addr = "${sensu.addr}"\n  source = "tickd-checks"\n`,
    );
    const [got] = await sensu.waitFor(1);
    // services/sensu: a Go map through json.Encoder (keys sorted, "\n"); handlers null when
    // neither the handler nor [sensu] names any; metadata keys not already taken.
    expect(got).toBe(
      '{"handlers":null,"name":"tick.disk.db1","output":"tick.disk.db1 is CRITICAL","rack":"r12",' +
        '"slot":3,"source":"tickd-checks","status":2}\n',
    );
    expect(sensu.received).toHaveLength(1);
  });

  it("TestStream_AlertSlack: the default workspace and a named one, each its own URL and channel", async () => {
    const rx = await receiver();
    await run(
      "disk_slack",
      alertScript(
        'tick/{{ .Name }}/{{ index .Tags "host" }}',
        `.slack()
      .workspace('private')
      .channel('#ops')
    .slack()
      .channel('@ann')`,
      ),
      [
        "[[slack]]",
        "  enabled = true",
        "  default = true",
        `  url = "${rx.url}/hooks/main"`,
        '  channel = "#general"',
        "[[slack]]",
        "  enabled = true",
        '  workspace = "private"',
        `  url = "${rx.url}/hooks/private"`,
        '  channel = "#general"',
        "",
      ].join("\n"),
    );
    const reqs = await rx.waitFor(2);
    const body = (channel: string) =>
      `{"as_user":false,"attachments":[{"fallback":"tick/disk/db1 is CRITICAL","color":"danger",` +
      `"text":"tick/disk/db1 is CRITICAL","mrkdwn_in":["text"]}],"channel":"${channel}","icon_emoji":"",` +
      `"text":"","username":"kapacitor"}\n`;
    expect(
      reqs
        .map((r) => ({ ...envelope(r), body: r.body }))
        .sort((a, b) => a.path.localeCompare(b.path)),
    ).toEqual([
      { method: "POST", path: "/hooks/main", contentType: "application/json", body: body("@ann") },
      { method: "POST", path: "/hooks/private", contentType: "application/json", body: body("#ops") },
    ]);
  });

  it("TestStream_AlertTelegram: chat id, parse mode and notification per handler, the preview off from the config", async () => {
    const rx = await receiver();
    await run(
      "disk_telegram",
      alertScript(
        'tick/{{ .Name }}/{{ index .Tags "host" }}',
        `.telegram()
      .chatId('-100200')
        .disableNotification()
        .parseMode('HTML')
    .telegram()
      .chatId('-100300')`,
      ),
      [
        "[telegram]",
        "  enabled = true",
        `  url = "${rx.url}/bot"`,
        '  token = "4242:SECRET"',
        '  chat-id = "777"',
        "  disable-web-page-preview = true",
        "  disable-notification = false",
        "",
      ].join("\n"),
    );
    const reqs = await rx.waitFor(2);
    const text = "tick/disk/db1 is CRITICAL";
    expect(reqs.map(envelope)).toEqual([
      { method: "POST", path: "/bot4242:SECRET/sendMessage", contentType: "application/json" },
      { method: "POST", path: "/bot4242:SECRET/sendMessage", contentType: "application/json" },
    ]);
    expect(reqs.map((r) => r.body).sort()).toEqual([
      `{"chat_id":"-100200","disable_notification":true,"disable_web_page_preview":true,"parse_mode":"HTML","text":"${text}"}\n`,
      `{"chat_id":"-100300","disable_web_page_preview":true,"text":"${text}"}\n`,
    ]);
  });

  it("TestStream_AlertTelegram (services/telegram): a parse mode in any case, sent as written", async () => {
    // Kapacitor's preparePost compares strings.ToLower(parseMode) with "markdown" and "html".
    const rx = await receiver();
    await run(
      "disk_telegram_case",
      alertScript('tick/{{ .Name }}/{{ index .Tags "host" }}', ".telegram().chatId('-1').parseMode('html')"),
      `[telegram]\n  enabled = true\n  url = "${rx.url}/bot"\n  token = "4242:SECRET"\n`,
    );
    const [req] = await rx.waitFor(1);
    expect(req!.body).toBe('{"chat_id":"-1","parse_mode":"html","text":"tick/disk/db1 is CRITICAL"}\n');
  });

  it("TestStream_AlertTCP: the alert JSON and one more newline on a fresh connection", async () => {
    const sink = await tcpSink();
    await run(
      "disk_tcp",
      alertScript('tick.{{ .Name }}.{{ index .Tags "host" }}', `.tcp('${sink.addr}')`, "\n    .details('')"),
      "",
    );
    const [got] = await sink.waitFor(1);
    expect(got!.endsWith("}\n\n")).toBe(true);
    expect(JSON.parse(got!)).toEqual(alertData("tick.disk.db1"));
    expect(got).toBe(JSON.stringify(alertData("tick.disk.db1")) + "\n\n");
  });

  it("TestStream_AlertHipChat: room and token per handler in the URL, escaped as Go's url.URL does", async () => {
    const rx = await receiver();
    await run(
      "disk_hipchat",
      alertScript(
        'tick/{{ .Name }}/{{ index .Tags "host" }}',
        `.hipChat()
      .room('4455')
      .token('tokenA4455')
    .hipChat()
      .room('On Call')
      .token('tokenOnCall')`,
      ),
      `[hipchat]\n  enabled = true\n  url = "${rx.url}"\n  room = "999"\n  token = "token999"\n`,
    );
    const reqs = await rx.waitFor(2);
    const body = '{"color":"red","from":"kapacitor","message":"tick/disk/db1 is CRITICAL","notify":true}\n';
    expect(
      reqs.map((r) => ({ ...envelope(r), body: r.body })).sort((a, b) => a.path.localeCompare(b.path)),
    ).toEqual([
      {
        method: "POST",
        path: "/4455/notification?auth_token=tokenA4455",
        contentType: "application/json",
        body,
      },
      {
        method: "POST",
        path: "/On%20Call/notification?auth_token=tokenOnCall",
        contentType: "application/json",
        body,
      },
    ]);
  });

  it("TestStream_AlertAlerta: defaults from the event and the config, every field a template", async () => {
    const rx = await receiver();
    await run(
      "disk_alerta",
      alertScript(
        '{{ index .Tags "host" }}',
        `.alerta()
      .token('alertaTokenOne')
      .environment('staging')
      .timeout(1h)
    .alerta()
      .token('alertaTokenTwo')
      .resource('res {{ index .Tags "host" }}')
      .event('ev {{ .TaskName }}')
      .environment('{{ index .Tags "host" }}')
      .origin('from-script')
      .group('{{ .ID }}')
      .value('{{ index .Fields "count" }}')
      .services('svcA', 'svcB', '{{ .Name }}')`,
        `\n    .message('{{ .Name }}/{{ index .Tags "host" }} is {{ .Level }} @{{ .Time }}')`,
      ),
      `[alerta]\n  enabled = true\n  url = "${rx.url}"\n  origin = "tickd-origin"\n`,
    );
    const reqs = await rx.waitFor(2);
    const text = `disk/db1 is CRITICAL @${ALERT_TIME_GO}`;
    const byToken = new Map(reqs.map((r) => [r.headers["authorization"], r]));
    const one = byToken.get("Bearer alertaTokenOne")!;
    const two = byToken.get("Bearer alertaTokenTwo")!;
    expect([envelope(one), envelope(two)]).toEqual([
      { method: "POST", path: "/alert", contentType: "application/json" },
      { method: "POST", path: "/alert", contentType: "application/json" },
    ]);
    // services/alerta: resource {{ .Name }}, event {{ .ID }}, group {{ .Group }}, service and
    // correlate [Name] by default; timeout in seconds (24h unless set); tags "k=v".
    const common = { severity: "critical", text, rawData: ALERT_SERIES, tags: ["host=db1"] };
    expect(JSON.parse(one.body)).toEqual({
      ...common,
      resource: "disk",
      event: "db1",
      group: "host=db1",
      environment: "staging",
      origin: "tickd-origin",
      value: "",
      service: ["disk"],
      correlate: ["disk"],
      timeout: 3600,
    });
    expect(JSON.parse(two.body)).toEqual({
      ...common,
      resource: "res db1",
      event: "ev disk_alerta",
      group: "db1",
      environment: "db1",
      origin: "from-script",
      value: "10",
      service: ["svcA", "svcB", "disk"],
      correlate: ["disk"],
      timeout: 86400,
    });
    // Go's encoder: keys sorted, one line.
    expect(one.body.startsWith('{"correlate":["disk"],"environment":"staging","event":"db1","group":"host=db1",')).toBe(true);
    expect(one.body.endsWith('"text":"' + text + '","timeout":3600,"value":""}\n')).toBe(true);
  });

  it("TestStream_AlertPushover: a form per handler, unset options left out, token and user from the config", async () => {
    const rx = await receiver();
    await run(
      "disk_pushover",
      alertScript(
        '{{ index .Tags "host" }}',
        `.pushover()
      .sound('bugle')
      .device('pager')
      .title('disk alert')
      .URL('http://runbook.example/disk')
      .URLTitle('runbook')
    .pushover()
      .title('second')
      .device('phone')`,
        `\n    .message('{{ .Name }}/{{ index .Tags "host" }} is {{ .Level }} @{{ .Time }}')`,
      ),
      [
        "[pushover]",
        "  enabled = true",
        `  url = "${rx.url}/1/messages.json"`,
        '  token = "appTokenXYZ"',
        '  user-key = "userKeyABC"',
        "",
      ].join("\n"),
    );
    const reqs = await rx.waitFor(2);
    expect(reqs.map(envelope)).toEqual([
      { method: "POST", path: "/1/messages.json", contentType: "application/x-www-form-urlencoded" },
      { method: "POST", path: "/1/messages.json", contentType: "application/x-www-form-urlencoded" },
    ]);
    // Go's url.Values.Encode: keys sorted, spaces as "+".
    const message = "message=disk%2Fdb1+is+CRITICAL+%402023-11-14+22%3A13%3A30+%2B0000+UTC";
    expect(reqs.map((r) => r.body).sort()).toEqual([
      `device=pager&${message}&priority=1&sound=bugle&title=disk+alert&token=appTokenXYZ` +
        `&url=http%3A%2F%2Frunbook.example%2Fdisk&url_title=runbook&user=userKeyABC`,
      `device=phone&${message}&priority=1&title=second&token=appTokenXYZ&user=userKeyABC`,
    ]);
  });

  it("TestStream_AlertTalk: title the alert id, text the message, author from the config", async () => {
    const rx = await receiver();
    await run(
      "disk_talk",
      alertScript('tick/{{ .Name }}/{{ index .Tags "host" }}', ".talk()"),
      `[talk]\n  enabled = true\n  url = "${rx.url}/v1/services/webhook/abc"\n  author_name = "tickd-bot"\n`,
    );
    const [req] = await rx.waitFor(1);
    expect({ ...envelope(req!), body: req!.body }).toEqual({
      method: "POST",
      path: "/v1/services/webhook/abc",
      contentType: "application/json",
      body: '{"authorName":"tickd-bot","text":"tick/disk/db1 is CRITICAL","title":"tick/disk/db1"}\n',
    });
  });

  it("TestStream_AlertLog: the alert JSON line appended, the file created 0600 unless .mode() says else", async () => {
    const dir = tempDir();
    const plain = join(dir, "plain.log");
    const shared = join(dir, "shared.log");
    await run(
      "disk_log",
      alertScript(
        'tick.{{ .Name }}.{{ index .Tags "host" }}',
        `.log('${plain}')
    .log('${shared}')
      .mode(0644)`,
        "\n    .details('')",
      ),
      "",
    );
    await filesWritten([plain, shared]);
    const line = JSON.stringify(alertData("tick.disk.db1")) + "\n";
    expect(readFileSync(plain, "utf8")).toBe(line);
    expect(readFileSync(shared, "utf8")).toBe(line);
    expect(statSync(plain).mode & 0o777).toBe(0o600);
    expect(statSync(shared).mode & 0o777).toBe(0o644);
  });

  it("TestStream_AlertExec: each program run with its arguments, the alert JSON line on stdin", async () => {
    const dir = tempDir();
    // Each script records its arguments (one per line), a marker, then its stdin (moved into
    // place once complete, so the test never reads half a file).
    const script = (name: string) => {
      const path = join(dir, name);
      writeFileSync(
        path,
        `#!/bin/sh\n{ for a in "$@"; do printf '%s\\n' "$a"; done; echo '--stdin--'; cat; } > '${path}.tmp' && mv '${path}.tmp' '${path}.out'\n`,
      );
      chmodSync(path, 0o755);
      return path;
    };
    const first = script("notify-first");
    const second = script("notify-second");
    await run(
      "disk_exec",
      alertScript(
        'tick.{{ .Name }}.{{ index .Tags "host" }}',
        `.exec('${first}', 'arg one', '--flag')
    .exec('${second}')`,
        "\n    .details('')",
      ),
      "",
    );
    await filesWritten([`${first}.out`, `${second}.out`]);
    const stdin = JSON.stringify(alertData("tick.disk.db1")) + "\n";
    expect(readFileSync(`${first}.out`, "utf8")).toBe(`arg one\n--flag\n--stdin--\n${stdin}`);
    expect(readFileSync(`${second}.out`, "utf8")).toBe(`--stdin--\n${stdin}`);
  });
});
