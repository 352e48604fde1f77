/**
 * Kapacitor's alert-handler integration tests (integrations/streamer_test.go) for OpsGenie,
 * OpsGenie2, PagerDuty, PagerDuty2, HTTP post endpoints, VictorOps (JSON data) and email,
 * each driven through tickd as Kapacitor's test drives Kapacitor: a TICKscript task in the
 * daemon, points written over /write, and a real receiver on 127.0.0.1 (node:http, or the
 * smtp-server sink) that records what tickd sends. Every request is checked field by field
 * (method, path, headers, the exact body bytes) against what the Kapacitor service named in
 * each case builds. Data and names are our own; each `it` names the Kapacitor test it mirrors.
 * The SNMP trap case needs snmptrapd: test/integration/kapacitor-snmptrap.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TickdConfig } from "../../src/config/index.js";
import {
  alertScript,
  DATA,
  HOSTNAME,
  startAlertTask,
  T0,
  type AlertRun,
} from "../support/kapacitor-alerts.js";
import { startReceiver, type Receiver, type RecordedRequest } from "../support/receiver.js";
import { startSmtpSink, type SmtpSink } from "../support/smtp.js";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A Go JSON string literal (json.Marshal escapes <, > and & too). */
function goString(s: string): string {
  return JSON.stringify(s).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

async function startTask(
  task: string,
  script: string,
  over: (c: TickdConfig) => TickdConfig,
): Promise<AlertRun> {
  const run = await startAlertTask(task, script, over);
  cleanups.push(() => run.stop());
  return run;
}

async function receiver(): Promise<Receiver> {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  return rx;
}

/** Waits for `n` requests, then a moment more to see that no extra one follows. */
async function exactly(rx: Receiver, n: number): Promise<RecordedRequest[]> {
  await rx.waitFor(n);
  await new Promise((r) => setTimeout(r, 200));
  expect(rx.requests).toHaveLength(n);
  return rx.requests.slice();
}

function headers(r: RecordedRequest, names: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const n of names) out[n] = r.headers[n.toLowerCase()] as string | undefined;
  return out;
}

/** Requests keyed by what tells the handlers apart (Kapacitor compares them ignoring order). */
function byKey(reqs: RecordedRequest[], key: (r: RecordedRequest) => string): Map<string, RecordedRequest> {
  return new Map(reqs.map((r) => [key(r), r]));
}

describe("OpsGenie (services/opsgenie, services/opsgenie2)", () => {
  it("TestStream_AlertOpsGenie: two .opsGenie() handlers, each its teams and recipients, v1 body", async () => {
    const rx = await receiver();
    const run = await startTask(
      "disk_og",
      alertScript('tickd/{{ .Name }}/{{ index .Tags "host" }}', `.opsGenie()
      .teams('ops', 'dba')
      .recipients('alice', 'bob')
    .opsGenie()
      .teams('storage')
      .recipients('carol', 'bob')`),
      (c) => ({
        ...c,
        opsgenie: { ...c.opsgenie, enabled: true, apiKey: "og-key", url: `${rx.url}/v1/json/alert` },
      }),
    );
    await run.raise();
    const reqs = byKey(await exactly(rx, 2), (r) => (JSON.parse(r.body) as { teams: string[] }).teams.join());
    const body = (teams: string, recipients: string): string =>
      `{"alias":"tickd/disk/db1","apiKey":"og-key","description":${goString(DATA)},` +
      `"details":{"Level":"CRITICAL","Monitoring Tool":"Kapacitor"},"entity":"tickd/disk/db1",` +
      `"message":"tickd/disk/db1 is CRITICAL","monitoring_tool":"kapacitor","note":"",` +
      `"recipients":${recipients},"teams":${teams}}\n`;
    for (const [key, teams, recipients] of [
      ["ops,dba", '["ops","dba"]', '["alice","bob"]'],
      ["storage", '["storage"]', '["carol","bob"]'],
    ] as const) {
      const r = reqs.get(key)!;
      expect(r.method).toBe("POST");
      // Kapacitor posts to url + "/".
      expect(r.path).toBe("/v1/json/alert/");
      expect(headers(r, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
      expect(r.body).toBe(body(teams, recipients));
    }
  });

  const opsgenie2 = (rx: Receiver) => (c: TickdConfig): TickdConfig => ({
    ...c,
    opsgenie2: {
      ...c.opsgenie2,
      enabled: true,
      apiKey: "og2-key",
      url: `${rx.url}/v2/alerts`,
      recovery_action: "notes" as const,
    },
  });
  /** base64.URLEncoding of "tickd/disk/db1". */
  const ALIAS = "dGlja2QvZGlzay9kYjE=";

  it("TestStream_AlertOpsGenie2: two .opsGenie2() handlers, GenieKey auth, responders, P1, the first series' tags", async () => {
    const rx = await receiver();
    const run = await startTask(
      "disk_og2",
      alertScript('tickd/{{ .Name }}/{{ index .Tags "host" }}', `.opsGenie2()
      .teams('ops', 'dba')
      .recipients('alice', 'bob')
    .opsGenie2()
      .teams('storage')
      .recipients('carol', 'bob')`),
      opsgenie2(rx),
    );
    await run.raise();
    const reqs = byKey(
      await exactly(rx, 2),
      (r) => (JSON.parse(r.body) as { responders: { name?: string }[] }).responders[0]!.name!,
    );
    const body = (responders: string): string =>
      `{"alias":"${ALIAS}","description":${goString(DATA)},` +
      `"details":{"Kapacitor Task Name":"disk","Level":"CRITICAL","Monitoring Tool":"Kapacitor","host":"db1"},` +
      `"entity":"tickd/disk/db1","message":"tickd/disk/db1 is CRITICAL","note":"","priority":"P1",` +
      `"responders":${responders}}\n`;
    const team = (n: string) => `{"name":"${n}","type":"team"}`;
    const user = (n: string) => `{"type":"user","username":"${n}"}`;
    for (const [key, responders] of [
      ["ops", `[${team("ops")},${team("dba")},${user("alice")},${user("bob")}]`],
      ["storage", `[${team("storage")},${user("carol")},${user("bob")}]`],
    ] as const) {
      const r = reqs.get(key)!;
      expect(r.method).toBe("POST");
      expect(r.path).toBe("/v2/alerts");
      expect(headers(r, ["Content-Type", "Authorization"])).toEqual({
        "Content-Type": "application/json",
        Authorization: "GenieKey og2-key",
      });
      expect(r.body).toBe(body(responders));
    }
  });

  it("TestStream_AlertOpsGenie2_Recovery: a CRITICAL creates, the OK adds a note by alias (recovery_action notes)", async () => {
    const rx = await receiver();
    const run = await startTask(
      "disk_og2_recovery",
      `dbrp "metrics"."autogen"
stream
  |from()
    .measurement('disk')
    .where(lambda: "host" == 'db1')
    .groupBy('host')
  |alert()
    .id('tickd/{{ .Name }}/{{ index .Tags "host" }}')
    .crit(lambda: "used" > 90.0)
    .opsGenie2()
      .teams('storage')
`,
      opsgenie2(rx),
    );
    // Without a window the event's series carries all the point's tags (mount too).
    await run.write(`disk,host=db1,mount=data used=95 ${T0}\ndisk,host=db1,mount=data used=20 ${T0 + 1}`);
    const [crit, ok] = await exactly(rx, 2);
    const data =
      '{"series":[{"name":"disk","tags":{"host":"db1","mount":"data"},"columns":["time","used"],' +
      '"values":[["2023-11-14T22:13:20Z",95]]}]}';
    expect(crit!.path).toBe("/v2/alerts");
    expect(crit!.body).toBe(
      `{"alias":"${ALIAS}","description":${goString(data)},` +
        `"details":{"Kapacitor Task Name":"disk","Level":"CRITICAL","Monitoring Tool":"Kapacitor","host":"db1","mount":"data"},` +
        `"entity":"tickd/disk/db1","message":"tickd/disk/db1 is CRITICAL","note":"","priority":"P1",` +
        `"responders":[{"name":"storage","type":"team"}]}\n`,
    );
    expect(ok!.method).toBe("POST");
    expect(ok!.path).toBe(`/v2/alerts/${ALIAS}/notes?identifierType=alias`);
    expect(headers(ok!, ["Content-Type", "Authorization"])).toEqual({
      "Content-Type": "application/json",
      Authorization: "GenieKey og2-key",
    });
    expect(ok!.body).toBe('{"note":"tickd/disk/db1 is OK"}\n');
  });
});

describe("PagerDuty (services/pagerduty, services/pagerduty2)", () => {
  const MESSAGE = "CRITICAL alert for tickd/disk/db1";
  const ID = 'tickd/{{ .Name }}/{{ index .Tags "host" }}';
  const MESSAGE_PROP = "\n    .message('{{ .Level }} alert for {{ .ID }}')";

  it("TestStream_AlertPagerDuty: the configured and an overriding service key, HTML-escaped default details", async () => {
    const rx = await receiver();
    const run = await startTask(
      "disk_pd",
      alertScript(
        ID,
        `.pagerDuty()
    .pagerDuty()
      .serviceKey('pd-override')`,
        MESSAGE_PROP,
      ),
      (c) => ({
        ...c,
        pagerduty: {
          ...c.pagerduty,
          enabled: true,
          serviceKey: "pd-default",
          url: `${rx.url}/generic/2010-04-15/create_event.json`,
        },
      }),
    );
    await run.raise();
    const reqs = byKey(await exactly(rx, 2), (r) => (JSON.parse(r.body) as { service_key: string }).service_key);
    // The alert node's default details: {{ json . }} over the details data, through html/template.
    const detailsData =
      '{"Name":"disk","TaskName":"disk_pd","Group":"host=db1","Tags":{"host":"db1"},' +
      `"ServerInfo":{"Hostname":"${HOSTNAME}","ClusterID":"","ServerID":""},"ID":"tickd/disk/db1",` +
      `"Fields":{"count":10},"Level":"CRITICAL","Time":"2023-11-14T22:13:30Z","Duration":0,"Message":"${MESSAGE}"}\n`;
    const details = detailsData.replace(/"/g, "&#34;");
    for (const key of ["pd-default", "pd-override"]) {
      const r = reqs.get(key)!;
      expect(r.method).toBe("POST");
      expect(r.path).toBe("/generic/2010-04-15/create_event.json");
      expect(headers(r, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
      expect(r.body).toBe(
        `{"client":"kapacitor","client_url":"http://${HOSTNAME}:${run.port}","description":"${MESSAGE}",` +
          `"details":${goString(details)},"event_type":"trigger","incident_key":"tickd/disk/db1",` +
          `"service_key":"${key}"}\n`,
      );
    }
  });

  const pagerduty2 = (rx: Receiver) => (c: TickdConfig) => ({
    ...c,
    pagerduty2: { ...c.pagerduty2, enabled: true, routingKey: "pd2-default", url: `${rx.url}/v2/enqueue` },
  });

  /** The v2 trigger body (AlertPayload, struct order) for the window's CRITICAL. */
  function pd2Body(port: number, task: string, routingKey: string, links: string): string {
    return (
      `{"routing_key":"${routingKey}","event_action":"trigger","dedup_key":"tickd/disk/db1",` +
      `"payload":{"summary":"${MESSAGE}","source":"db1","severity":"critical",` +
      `"timestamp":"2023-11-14T22:13:30.000000000Z","class":"${task}","component":"","group":"",` +
      `"custom_details":{"result":${DATA}}},"images":null,"links":${links},` +
      `"client":"kapacitor","client_url":"http://${HOSTNAME}:${port}"}\n`
    );
  }

  function expectPd2Request(r: RecordedRequest): void {
    expect(r.method).toBe("POST");
    expect(r.path).toBe("/v2/enqueue");
    expect(headers(r, ["Content-Type", "Accept"])).toEqual({
      "Content-Type": "application/json",
      Accept: "application/vnd.pagerduty+json;version=2",
    });
  }

  it("TestStream_AlertPagerDuty2: routing keys, links with templated hrefs and the href as default text", async () => {
    const rx = await receiver();
    const run = await startTask(
      "disk_pd2",
      alertScript(
        ID,
        `.pagerDuty2()
    .pagerDuty2()
      .routingKey('pd2-override')
      .link('https://runbooks.example.com/disk')
      .link('https://dash.example.com/{{ .TaskName }}/{{ index .Tags "host" }}', 'dashboard of {{ .Name }}')`,
        MESSAGE_PROP,
      ),
      pagerduty2(rx),
    );
    await run.raise();
    const reqs = byKey(await exactly(rx, 2), (r) => (JSON.parse(r.body) as { routing_key: string }).routing_key);
    for (const r of reqs.values()) expectPd2Request(r);
    expect(reqs.get("pd2-default")!.body).toBe(pd2Body(run.port, "disk_pd2", "pd2-default", "null"));
    expect(reqs.get("pd2-override")!.body).toBe(
      pd2Body(
        run.port,
        "disk_pd2",
        "pd2-override",
        '[{"href":"https://runbooks.example.com/disk","text":"https://runbooks.example.com/disk"},' +
          '{"href":"https://dash.example.com/disk_pd2/db1","text":"dashboard of disk"}]',
      ),
    );
  });

  it("TestStream_AlertPagerDuty2_ServiceKey: .serviceKey() on pagerDuty2 is the routing key", async () => {
    const rx = await receiver();
    const run = await startTask(
      "disk_pd2_sk",
      alertScript(
        ID,
        `.pagerDuty2()
    .pagerDuty2()
      .serviceKey('pd2-legacy')`,
        MESSAGE_PROP,
      ),
      pagerduty2(rx),
    );
    await run.raise();
    const reqs = byKey(await exactly(rx, 2), (r) => (JSON.parse(r.body) as { routing_key: string }).routing_key);
    for (const r of reqs.values()) expectPd2Request(r);
    expect(reqs.get("pd2-default")!.body).toBe(pd2Body(run.port, "disk_pd2_sk", "pd2-default", "null"));
    expect(reqs.get("pd2-legacy")!.body).toBe(pd2Body(run.port, "disk_pd2_sk", "pd2-legacy", "null"));
  });
});

describe("HTTP post endpoint and VictorOps (services/httppost, services/victorops)", () => {
  it("TestStream_AlertHTTPPostEndpoint: .post().endpoint() sends the alert JSON with the endpoint's headers", async () => {
    const rx = await receiver();
    const run = await startTask(
      "disk_post",
      alertScript('tickd.{{ .Name }}.{{ index .Tags "host" }}', `.post()
      .endpoint('hooks')`, "\n    .details('')"),
      (c) => ({
        ...c,
        httppost: [
          {
            endpoint: "hooks",
            url: `${rx.url}/hooks/alert`,
            headers: { Authorization: "Bearer hook-token", "X-Team": "storage" },
            basicAuth: null,
            alertTemplate: "",
            alertTemplateFile: "",
            rowTemplate: "",
            rowTemplateFile: "",
          },
        ],
      }),
    );
    await run.raise();
    const [r] = await exactly(rx, 1);
    expect(r!.method).toBe("POST");
    expect(r!.path).toBe("/hooks/alert");
    expect(headers(r!, ["Content-Type", "Authorization", "X-Team"])).toEqual({
      "Content-Type": "application/json",
      Authorization: "Bearer hook-token",
      "X-Team": "storage",
    });
    expect(r!.body).toBe(
      '{"id":"tickd.disk.db1","message":"tickd.disk.db1 is CRITICAL","details":"",' +
        `"time":"2023-11-14T22:13:30Z","duration":0,"level":"CRITICAL","data":${DATA},` +
        '"previousLevel":"OK","recoverable":true}\n',
    );
  });

  it("TestStream_AlertVictorOps_JSON_Data: json-data sends the data as an object, to the configured routing key", async () => {
    const rx = await receiver();
    const run = await startTask(
      "disk_vo",
      alertScript('tickd/{{ .Name }}/{{ index .Tags "host" }}', `.victorOps()`),
      (c) => ({
        ...c,
        victorops: {
          ...c.victorops,
          enabled: true,
          apiKey: "vo-key",
          routingKey: "vo-default",
          url: `${rx.url}/integrations/generic/20131114/alert`,
          jsonData: true,
        },
      }),
    );
    await run.raise();
    const [r] = await exactly(rx, 1);
    expect(r!.method).toBe("POST");
    expect(r!.path).toBe("/integrations/generic/20131114/alert/vo-key/vo-default");
    expect(headers(r!, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
    // Kapacitor's six keys; entity_display_name and state_start_time are tickd's additions
    // (src/handlers/victorops.ts), which Kapacitor's test does not look at.
    expect(r!.body).toBe(
      `{"data":${DATA},"entity_display_name":"tickd/disk/db1 is CRITICAL","entity_id":"tickd/disk/db1",` +
        '"message_type":"CRITICAL","monitoring_tool":"kapacitor","state_message":"tickd/disk/db1 is CRITICAL",' +
        `"state_start_time":${T0 + 10},"timestamp":${T0 + 10}}\n`,
    );
  });
});

describe("email (services/smtp)", () => {
  it("TestStream_AlertEmail: .email(to…) and .email().to(…) each send the details as quoted-printable HTML", async () => {
    const sink: SmtpSink = await startSmtpSink({ user: "tickd", pass: "mail-pw" });
    cleanups.push(() => sink.close());
    const run = await startTask(
      "disk_mail",
      alertScript(
        'tickd.{{ .Name }}.{{ index .Tags "host" }}',
        `.email('storage@example.net', 'oncall@example.net')
    .email()
      .to('storage@example.net', 'oncall@example.net')`,
        `
    .details('''
<h2>{{.Message}}</h2>

Used: {{ index .Fields "count" }} samples
<a href="https://graphs.example.net/disk/{{index .Tags "host"}}">Graph</a>
''')`,
      ),
      (c) => ({
        ...c,
        smtp: {
          ...c.smtp,
          enabled: true,
          host: "127.0.0.1",
          port: sink.port,
          username: "tickd",
          password: "mail-pw",
          from: "tickd@example.net",
          idleTimeout: 1e9,
        },
      }),
    );
    await run.raise();
    const mails = await sink.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.mails).toHaveLength(2);
    for (const m of mails) {
      expect(m.mailFrom).toBe("tickd@example.net");
      expect(m.rcptTo).toEqual(["storage@example.net", "oncall@example.net"]);
      expect({
        "mime-version": m.headers["mime-version"],
        "content-type": m.headers["content-type"],
        "content-transfer-encoding": m.headers["content-transfer-encoding"],
        to: m.headers.to,
        from: m.headers.from,
        subject: m.headers.subject,
      }).toEqual({
        "mime-version": "1.0",
        "content-type": "text/html; charset=UTF-8",
        "content-transfer-encoding": "quoted-printable",
        to: "storage@example.net, oncall@example.net",
        from: "tickd@example.net",
        subject: "tickd.disk.db1 is CRITICAL",
      });
      // The raw body as sent: quoted-printable, so the href's "=" is "=3D".
      const raw = m.raw.slice(m.raw.indexOf("\r\n\r\n") + 4);
      expect(raw.replace(/\r\n/g, "\n")).toBe(
        "\n<h2>tickd.disk.db1 is CRITICAL</h2>\n\nUsed: 10 samples\n" +
          '<a href=3D"https://graphs.example.net/disk/db1">Graph</a>\n',
      );
    }
  });
});
