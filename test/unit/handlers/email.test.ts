/**
 * The email (`smtp`) kind against a real SMTP server (smtp-server) that requires AUTH: a
 * TICKscript `.email(…).to(…)` chain and a `kind: smtp` handler file each send a CRITICAL and
 * an OK event, checked by envelope, headers and HTML body; each email is a row of the delivery
 * journal; the password never shows in the API; a disabled [smtp] is refused at define time.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { TickdConfig } from "../../../src/config/index.js";
import { startDaemonIn } from "../../support/in-process-daemon.js";
import { startSmtpSink, type SmtpSink } from "../../support/smtp.js";

const PASS = "s3cr3t-smtp-pw";

const TICK = `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu')
  |alert()
    .id('cpu/{{ index .Tags "host" }}')
    .message('{{ .ID }} is {{ .Level }}')
    .details('<b>{{ .Level }}</b> on {{ index .Tags "host" }}')
    .crit(lambda: "usage_idle" < 10.0)
    .topic('ops')
    .email('oncall@example.com')
      .to('sre@example.com')
`;

const HANDLER = `topic: ops
id: mail-ops
kind: smtp
options:
  to:
    - team@example.com
`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function smtpOn(sink: SmtpSink, enabled = true) {
  return (c: TickdConfig): TickdConfig => ({
    ...c,
    smtp: {
      ...c.smtp,
      enabled,
      host: "127.0.0.1",
      port: sink.port,
      username: "tickd",
      password: PASS,
      from: "tickd@example.com",
      idleTimeout: 1e9,
    },
  });
}

async function write(url: string, line: string): Promise<void> {
  const w = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body: line });
  expect(w.status).toBe(204);
}

describe("email (smtp) handler", () => {
  it("sends CRITICAL and OK from a TICKscript chain and a handler file, journaled, with AUTH", async () => {
    const sink = await startSmtpSink({ user: "tickd", pass: PASS });
    cleanups.push(() => sink.close());
    const { daemon, dir } = await startDaemonIn(
      { tasks: { "cpu.tick": TICK }, handlers: { "mail.yaml": HANDLER } },
      { config: smtpOn(sink) },
    );
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => daemon.stop());
    const url = `http://127.0.0.1:${daemon.port}`;

    await write(url, "cpu,host=serverA usage_idle=5 1700000000");
    await sink.waitFor(2);
    await write(url, "cpu,host=serverA usage_idle=50 1700000010");
    const mails = await sink.waitFor(4);

    const chain = mails.filter((m) => m.rcptTo.includes("oncall@example.com"));
    const file = mails.filter((m) => m.rcptTo.includes("team@example.com"));
    expect(chain).toHaveLength(2);
    expect(file).toHaveLength(2);
    for (const [i, level] of ["CRITICAL", "OK"].entries()) {
      for (const m of [chain[i]!, file[i]!]) {
        expect(m.user).toBe("tickd");
        expect(m.mailFrom).toBe("tickd@example.com");
        expect(m.headers["from"]).toBe("tickd@example.com");
        expect(m.headers["subject"]).toBe(`cpu/serverA is ${level}`);
        expect(m.headers["content-type"]).toMatch(/^text\/html/);
        expect(m.body).toBe(`<b>${level}</b> on serverA`);
        expect(m.headers["x-tickd-event-id"]).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
    expect(chain[0]!.rcptTo).toEqual(["oncall@example.com", "sre@example.com"]);
    expect(chain[0]!.headers["to"]).toBe("oncall@example.com, sre@example.com");
    expect(file[0]!.rcptTo).toEqual(["team@example.com"]);

    // Each email is a delivery of the journal, delivered, with the SMTP reply as its status 200.
    const res = await fetch(`${url}/tickd/v1/deliveries?limit=10`);
    const { deliveries } = (await res.json()) as {
      deliveries: { kind: string; method: string; url: string; status: string }[];
    };
    const emails = deliveries.filter((d) => d.kind === "smtp");
    expect(emails).toHaveLength(4);
    for (const d of emails) {
      expect(d).toMatchObject({ method: "SMTP", url: `smtp://127.0.0.1:${sink.port}`, status: "delivered" });
    }

    // The password is nowhere in what the API shows.
    const handler = await (await fetch(`${url}/kapacitor/v1/alerts/topics/ops/handlers/mail-ops`)).text();
    expect(handler).toContain("team@example.com");
    expect(JSON.stringify(deliveries)).not.toContain(PASS);
  });

  it("fails an email at once when the server refuses it with a 5xx reply (bad AUTH), password not shown", async () => {
    const sink = await startSmtpSink({ user: "tickd", pass: "other-password" });
    cleanups.push(() => sink.close());
    const { daemon, dir } = await startDaemonIn({ tasks: { "cpu.tick": TICK } }, { config: smtpOn(sink) });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => daemon.stop());
    const url = `http://127.0.0.1:${daemon.port}`;
    await write(url, "cpu,host=serverA usage_idle=5 1700000000");
    let failed: { status: string; last_error: string; last_status: number }[] = [];
    for (let i = 0; i < 100 && failed.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const body = (await (await fetch(`${url}/tickd/v1/deliveries?status=failed`)).json()) as {
        deliveries: typeof failed;
      };
      failed = body.deliveries;
    }
    expect(failed).toHaveLength(1);
    expect(failed[0]!.last_status).toBe(400);
    expect(failed[0]!.last_error).toMatch(/SMTP 535/);
    expect(failed[0]!.last_error).not.toContain(PASS);
    expect(sink.mails).toHaveLength(0);
  });

  it("refuses .email() and a kind: smtp handler while [smtp] is disabled", async () => {
    const sink = await startSmtpSink({ user: "tickd", pass: PASS });
    cleanups.push(() => sink.close());
    const { daemon, dir } = await startDaemonIn({}, { config: smtpOn(sink, false) });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => daemon.stop());
    const url = `http://127.0.0.1:${daemon.port}`;
    const task = await fetch(`${url}/kapacitor/v1/tasks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "cpu", type: "stream", script: TICK, status: "enabled" }),
    });
    expect(task.status).toBe(400);
    expect(((await task.json()) as { error: string }).error).toMatch(
      /\.email\(\) at line 10 char 5: smtp handler: service is not enabled/,
    );
    const h = await fetch(`${url}/kapacitor/v1/alerts/topics/ops/handlers`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "m", kind: "smtp", options: { to: ["a@b.c"] } }),
    });
    expect(h.status).toBe(400);
    expect(((await h.json()) as { error: string }).error).toMatch(/smtp handler: service is not enabled/);
  });
});
