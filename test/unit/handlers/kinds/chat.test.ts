/**
 * teams, telegram and discord (Kapacitor's services/teams, services/telegram,
 * services/discord): the request for a CRITICAL and an OK event, from the TICKscript property
 * chain and from a handler file, secrets kept out of the delivery API, and the service tests.
 */
import { describe, expect, it } from "vitest";
import type { DiscordConfig, TickdConfig } from "../../../../src/config/index.js";
import { headersOf, section, serviceTest, startKind } from "./harness.js";

async function deliveryUrls(url: string): Promise<string[]> {
  const res = await fetch(`${url}/tickd/v1/deliveries`);
  return ((await res.json()) as { deliveries: { url: string }[] }).deliveries.map((d) => d.url);
}

describe("teams", () => {
  const config = (c: TickdConfig, url: string): TickdConfig =>
    section(c, "teams", { enabled: true, channelUrl: `${url}/webhook/conf-channel` });

  it("posts a MessageCard, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain: (url) => `.teams().channelURL('${url}/webhook/tick-channel')`,
      handlerFile: () => "topic: ops\nid: teams\nkind: teams\n",
      isFromTick: (r) => r.path === "/webhook/tick-channel",
    });
    const [crit, ok] = run.fromTick;
    expect(headersOf(crit!, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
    expect(crit!.body).toBe(
      '{"@type":"MessageCard","@context":"http://schema.org/extensions","title":"CRITICAL: [cpu/serverA]",' +
        '"text":"cpu/serverA is CRITICAL at 95","summary":"CRITICAL: [cpu/serverA] - cpu/serverA is CRITICAL at 95...",' +
        '"themeColor":"CC4A31"}',
    );
    expect(ok!.body).toBe(
      '{"@type":"MessageCard","@context":"http://schema.org/extensions","title":"OK: [cpu/serverA]",' +
        '"text":"cpu/serverA is OK at 5","summary":"OK: [cpu/serverA] - cpu/serverA is OK at 5...",' +
        '"themeColor":"34CC25"}',
    );
    expect(run.fromFile.map((r) => r.path)).toEqual(["/webhook/conf-channel", "/webhook/conf-channel"]);
    // The webhook URL's path is its credential.
    expect(new Set(await deliveryUrls(run.url))).toEqual(new Set([`${run.rx.url}<redacted>`]));
  });

  it("service test cuts the summary at 70 bytes", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "teams", { message: "x".repeat(80) })).toEqual({
      success: true,
      message: "",
    });
    const [req] = await run.rx.waitFor(1);
    expect(req!.path).toBe("/webhook/conf-channel");
    expect(JSON.parse(req!.body)).toEqual({
      "@type": "MessageCard",
      "@context": "http://schema.org/extensions",
      title: "CRITICAL: [foo/bar/bat]",
      text: "x".repeat(80),
      summary: `CRITICAL: [foo/bar/bat] - ${"x".repeat(44)}...`,
      themeColor: "CC4A31",
    });
  });
});

describe("telegram", () => {
  const config = (c: TickdConfig, url: string): TickdConfig =>
    section(c, "telegram", {
      enabled: true,
      url: `${url}/bot`,
      token: "123456:ABC-secret",
      chatId: "conf-chat",
      disableNotification: true,
    });

  it("sends to /bot<token>/sendMessage, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain: ".telegram().chatId('-100200').parseMode('Markdown').disableWebPagePreview()",
      handlerFile: () => "topic: ops\nid: tg\nkind: telegram\noptions:\n  parse-mode: HTML\n",
      isFromTick: (r) => r.body.includes('"-100200"'),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/bot123456:ABC-secret/sendMessage");
    expect(headersOf(crit!, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
    expect(crit!.body).toBe(
      '{"chat_id":"-100200","disable_notification":true,"disable_web_page_preview":true,' +
        '"parse_mode":"Markdown","text":"cpu/serverA is CRITICAL at 95"}\n',
    );
    expect(ok!.body).toBe(
      '{"chat_id":"-100200","disable_notification":true,"disable_web_page_preview":true,' +
        '"parse_mode":"Markdown","text":"cpu/serverA is OK at 5"}\n',
    );
    expect(run.fromFile.map((r) => r.body)).toEqual([
      '{"chat_id":"conf-chat","disable_notification":true,"parse_mode":"HTML","text":"cpu/serverA is CRITICAL at 95"}\n',
      '{"chat_id":"conf-chat","disable_notification":true,"parse_mode":"HTML","text":"cpu/serverA is OK at 5"}\n',
    ]);
    expect(new Set(await deliveryUrls(run.url))).toEqual(
      new Set([`${run.rx.url}/bot<redacted>/sendMessage`]),
    );
  });

  it("service test, with Telegram's error text", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "telegram")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(req!.body).toBe(
      '{"chat_id":"conf-chat","disable_notification":true,"text":"test telegram message"}\n',
    );
    run.rx.answerNext({
      status: 400,
      body: '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}',
    });
    expect(await serviceTest(run.url, "telegram")).toEqual({
      success: false,
      message: "sendMessage error (400) description: Bad Request: chat not found",
    });
  });
});

describe("discord", () => {
  const discord = (url: string, over: Partial<DiscordConfig> = {}): DiscordConfig => ({
    enabled: true,
    default: false,
    workspace: "",
    url: `${url}/api/webhooks/1/tok`,
    timestamp: false,
    username: "",
    avatarUrl: "",
    embedTitle: "Kapacitor Alert",
    global: false,
    stateChangesOnly: false,
    sslCa: "",
    insecureSkipVerify: false,
    ...over,
  });
  const config = (c: TickdConfig, url: string): TickdConfig => ({ ...c, discord: [discord(url)] });

  it("posts an embed, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain: ".discord().username('tickbot').embedTitle('CPU').timestamp()",
      handlerFile: () =>
        "topic: ops\nid: dc\nkind: discord\noptions:\n  avatar-url: https://img.example/a.png\n",
      isFromTick: (r) => r.body.includes('"tickbot"'),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/api/webhooks/1/tok");
    expect(headersOf(crit!, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
    expect(crit!.body).toBe(
      '{"embeds":[{"color":16342867,"title":"CPU","description":"cpu/serverA is CRITICAL at 95",' +
        '"timestamp":"1970-01-01T00:00:01Z"}],"username":"tickbot"}\n',
    );
    expect(ok!.body).toBe(
      '{"embeds":[{"color":8021490,"title":"CPU","description":"cpu/serverA is OK at 5",' +
        '"timestamp":"1970-01-01T00:00:02Z"}],"username":"tickbot"}\n',
    );
    expect(run.fromFile.map((r) => r.body)).toEqual([
      '{"avatar_url":"https://img.example/a.png","embeds":[{"color":16342867,"title":"Kapacitor Alert",' +
        '"description":"cpu/serverA is CRITICAL at 95","timestamp":""}]}\n',
      '{"avatar_url":"https://img.example/a.png","embeds":[{"color":8021490,"title":"Kapacitor Alert",' +
        '"description":"cpu/serverA is OK at 5","timestamp":""}]}\n',
    ]);
  });

  it("service test, and an unknown workspace", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "discord")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(JSON.parse(req!.body)).toEqual({
      avatar_url:
        "https://influxdata.github.io/branding/img/downloads/influxdata-logo--symbol--pool-alpha.png",
      embeds: [
        {
          color: 8021490,
          title: "Kapacitor Alert",
          description: "test discord message",
          timestamp: "1970-01-01T00:00:01Z",
        },
      ],
      username: "Kapacitor",
    });
    expect(await serviceTest(run.url, "discord", { workspace: "nope" })).toEqual({
      success: false,
      message: 'discord handler: workspace id not found: "nope"',
    });
  });
});
