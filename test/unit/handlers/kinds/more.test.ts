/**
 * pushover and talk (Kapacitor's services/pushover and services/talk): the request for a
 * CRITICAL and an OK event, from the TICKscript property chain and from a handler file, and
 * the service tests.
 */
import { describe, expect, it } from "vitest";
import type { TickdConfig } from "../../../../src/config/index.js";
import { headersOf, section, serviceTest, startKind } from "./harness.js";

describe("pushover", () => {
  const config = (c: TickdConfig, url: string): TickdConfig =>
    section(c, "pushover", {
      enabled: true,
      token: "app-token",
      userKey: "user-key-1",
      url: `${url}/1/messages.json`,
    });

  it("posts Kapacitor's form, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain:
        ".pushover().title('CPU').sound('siren').uRL('https://grafana.example/d/cpu').uRLTitle('dashboard')",
      handlerFile: () => "topic: ops\nid: po\nkind: pushover\noptions:\n  device: phone\n",
      isFromTick: (r) => r.body.includes("sound=siren"),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/1/messages.json");
    expect(headersOf(crit!, ["Content-Type"])).toEqual({
      "Content-Type": "application/x-www-form-urlencoded",
    });
    expect(crit!.body).toBe(
      "message=cpu%2FserverA+is+CRITICAL+at+95&priority=1&sound=siren&title=CPU&token=app-token" +
        "&url=https%3A%2F%2Fgrafana.example%2Fd%2Fcpu&url_title=dashboard&user=user-key-1",
    );
    expect(ok!.body).toBe(
      "message=cpu%2FserverA+is+OK+at+5&priority=-2&sound=siren&title=CPU&token=app-token" +
        "&url=https%3A%2F%2Fgrafana.example%2Fd%2Fcpu&url_title=dashboard&user=user-key-1",
    );
    expect(run.fromFile.map((r) => r.body)).toEqual([
      "device=phone&message=cpu%2FserverA+is+CRITICAL+at+95&priority=1&token=app-token&user=user-key-1",
      "device=phone&message=cpu%2FserverA+is+OK+at+5&priority=-2&token=app-token&user=user-key-1",
    ]);
  });

  it("service test", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "pushover", { level: "WARNING" })).toEqual({
      success: true,
      message: "",
    });
    const [req] = await run.rx.waitFor(1);
    expect(req!.body).toBe("message=test+pushover+message&priority=0&token=app-token&user=user-key-1");
  });
});

describe("talk", () => {
  const config = (c: TickdConfig, url: string): TickdConfig =>
    section(c, "talk", { enabled: true, url: `${url}/v2/services/webhook/uuid`, author_name: "tickd" });

  it("posts title, text and author, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain: ".talk()",
      handlerFile: () => "topic: ops\nid: talk\nkind: talk\n",
      isFromTick: () => false,
    });
    const all = [...run.fromTick, ...run.fromFile];
    expect(all.map((r) => r.path)).toEqual(Array(4).fill("/v2/services/webhook/uuid"));
    expect(headersOf(all[0]!, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
    expect(all.map((r) => r.body).sort()).toEqual([
      '{"authorName":"tickd","text":"cpu/serverA is CRITICAL at 95","title":"cpu/serverA"}\n',
      '{"authorName":"tickd","text":"cpu/serverA is CRITICAL at 95","title":"cpu/serverA"}\n',
      '{"authorName":"tickd","text":"cpu/serverA is OK at 5","title":"cpu/serverA"}\n',
      '{"authorName":"tickd","text":"cpu/serverA is OK at 5","title":"cpu/serverA"}\n',
    ]);
  });

  it("service test", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "talk")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(req!.body).toBe('{"authorName":"tickd","text":"test talk text","title":"testTitle"}\n');
  });
});

describe("hipchat", () => {
  const config = (c: TickdConfig, url: string): TickdConfig =>
    section(c, "hipchat", { enabled: true, url: `${url}/v2/room`, room: "ops", token: "room-token" });

  it("posts to the room's notification URL, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain: ".hipChat().room('db').token('db-token')",
      handlerFile: () => "topic: ops\nid: hc\nkind: hipchat\n",
      isFromTick: (r) => r.path.startsWith("/v2/room/db/"),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/v2/room/db/notification?auth_token=db-token");
    expect(headersOf(crit!, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
    expect(crit!.body).toBe(
      '{"color":"red","from":"kapacitor","message":"cpu/serverA is CRITICAL at 95","notify":true}\n',
    );
    expect(ok!.body).toBe(
      '{"color":"green","from":"kapacitor","message":"cpu/serverA is OK at 5","notify":true}\n',
    );
    expect(run.fromFile.map((r) => r.path)).toEqual([
      "/v2/room/ops/notification?auth_token=room-token",
      "/v2/room/ops/notification?auth_token=room-token",
    ]);
  });

  it("service test", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "hipchat", { level: "WARNING" })).toEqual({
      success: true,
      message: "",
    });
    const [req] = await run.rx.waitFor(1);
    expect(req!.body).toBe(
      '{"color":"yellow","from":"kapacitor","message":"test hipchat message","notify":true}\n',
    );
  });
});
