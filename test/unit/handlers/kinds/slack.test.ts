/**
 * slack (Kapacitor's services/slack): the webhook POST for a CRITICAL and an OK event, from
 * `.slack()…` and from a handler file of kind slack, the Bearer token of a Slack app, the
 * workspace choice, the define-time refusal while disabled, and the service test.
 */
import { describe, expect, it } from "vitest";
import type { SlackConfig, TickdConfig } from "../../../../src/config/index.js";
import { headersOf, serviceTest, startKind } from "./harness.js";

const slackSection = (url: string, over: Partial<SlackConfig> = {}): SlackConfig => ({
  enabled: true,
  default: false,
  workspace: "",
  url: `${url}/services/T000/B000/XXXX`,
  token: "",
  channel: "#alerts",
  username: "kapacitor",
  iconEmoji: "",
  global: false,
  stateChangesOnly: false,
  sslCa: "",
  insecureSkipVerify: false,
  ...over,
});

const withSlack =
  (...over: Partial<SlackConfig>[]) =>
  (c: TickdConfig, url: string): TickdConfig => ({
    ...c,
    slack: (over.length > 0 ? over : [{}]).map((o) => slackSection(url, o)),
  });

describe("slack", () => {
  it("posts Kapacitor's body from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config: withSlack(),
      chain: ".slack().channel('#tick').username('tickbot').iconEmoji(':fire:')",
      handlerFile: () => "topic: ops\nid: slack-file\nkind: slack\noptions:\n  channel: '#file'\n",
      isFromTick: (r) => r.body.includes('"#tick"'),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.method).toBe("POST");
    expect(crit!.path).toBe("/services/T000/B000/XXXX");
    expect(headersOf(crit!, ["Content-Type", "Authorization"])).toEqual({
      "Content-Type": "application/json",
      Authorization: undefined,
    });
    expect(crit!.body).toBe(
      '{"as_user":false,"attachments":[{"fallback":"cpu/serverA is CRITICAL at 95","color":"danger",' +
        '"text":"cpu/serverA is CRITICAL at 95","mrkdwn_in":["text"]}],"channel":"#tick",' +
        '"icon_emoji":":fire:","text":"","username":"tickbot"}\n',
    );
    expect(ok!.body).toBe(
      '{"as_user":false,"attachments":[{"fallback":"cpu/serverA is OK at 5","color":"good",' +
        '"text":"cpu/serverA is OK at 5","mrkdwn_in":["text"]}],"channel":"#tick",' +
        '"icon_emoji":":fire:","text":"","username":"tickbot"}\n',
    );
    // The handler file takes the section's username and icon.
    const [fileCrit, fileOk] = run.fromFile;
    expect(fileCrit!.path).toBe("/services/T000/B000/XXXX");
    expect(fileCrit!.body).toBe(
      '{"as_user":false,"attachments":[{"fallback":"cpu/serverA is CRITICAL at 95","color":"danger",' +
        '"text":"cpu/serverA is CRITICAL at 95","mrkdwn_in":["text"]}],"channel":"#file",' +
        '"icon_emoji":"","text":"","username":"kapacitor"}\n',
    );
    expect(JSON.parse(fileOk!.body)).toMatchObject({ attachments: [{ color: "good" }], channel: "#file" });
  });

  it("sends a Slack app's token as a Bearer header, to the named workspace", async () => {
    const run = await startKind({
      config: withSlack(
        { workspace: "a", default: true },
        { workspace: "b", token: "xoxb-secret", channel: "#b" },
      ),
      chain: ".slack().workspace('b')",
    });
    const [crit] = run.fromTick;
    expect(headersOf(crit!, ["Authorization"])).toEqual({ Authorization: "Bearer xoxb-secret" });
    expect(JSON.parse(crit!.body)).toMatchObject({ channel: "#b" });
    // The journal shows the webhook path, which is the credential, redacted.
    const d = (await (await fetch(`${run.url}/tickd/v1/deliveries`)).json()) as {
      deliveries: { url: string }[];
    };
    expect(d.deliveries[0]!.url).toBe(`${run.rx.url}<redacted>`);
  });

  it("refuses .slack() at define time while [[slack]] is disabled", async () => {
    const run = await startKind({ config: withSlack({ enabled: false }) });
    const res = await fetch(`${run.url}/kapacitor/v1/tasks`, {
      method: "POST",
      body: JSON.stringify({
        id: "s",
        type: "stream",
        dbrps: [{ db: "telegraf", rp: "autogen" }],
        script: ".",
        status: "enabled",
      }).replace(
        '"."',
        JSON.stringify("stream|from().measurement('cpu')|alert().crit(lambda: TRUE).slack()"),
      ),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain(
      "slack handler: service is not enabled",
    );
    expect(await serviceTest(run.url, "slack")).toEqual({
      success: false,
      message: "service is not enabled",
    });
  });

  it("service test: Kapacitor's options and request", async () => {
    const run = await startKind({ config: withSlack() });
    const list = (await (await fetch(`${run.url}/kapacitor/v1/service-tests/slack`)).json()) as unknown;
    expect(list).toEqual({
      link: { rel: "self", href: "/kapacitor/v1/service-tests/slack" },
      name: "slack",
      options: {
        workspace: "",
        channel: "#alerts",
        message: "test slack message",
        level: "CRITICAL",
        username: "",
        "icon-emoji": "",
      },
    });
    expect(await serviceTest(run.url, "slack", { channel: "#test" })).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(req!.body).toBe(
      '{"as_user":false,"attachments":[{"fallback":"test slack message","color":"danger",' +
        '"text":"test slack message","mrkdwn_in":["text"]}],"channel":"#test",' +
        '"icon_emoji":"","text":"","username":"kapacitor"}\n',
    );
    run.rx.answerNext({ status: 404, body: '{"error":"channel_not_found"}' });
    expect(await serviceTest(run.url, "slack")).toEqual({ success: false, message: "channel_not_found" });
  });
});
