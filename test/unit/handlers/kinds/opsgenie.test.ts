/**
 * opsgenie2 and opsgenie (Kapacitor's services/opsgenie2 and services/opsgenie): the create
 * and recovery requests for a CRITICAL and an OK event, from `.opsGenie2()…` / `.opsGenie()…`
 * and from handler files, the GenieKey auth, and the service tests.
 */
import { describe, expect, it } from "vitest";
import type { TickdConfig } from "../../../../src/config/index.js";
import { headersOf, section, serviceTest, startKind } from "./harness.js";

const RESULT_95 =
  '{\\"series\\":[{\\"name\\":\\"cpu\\",\\"tags\\":{\\"host\\":\\"serverA\\"},\\"columns\\":[\\"time\\",\\"usage\\"],' +
  '\\"values\\":[[\\"1970-01-01T00:00:01Z\\",95]]}]}';

describe("opsgenie2", () => {
  const config = (c: TickdConfig, url: string): TickdConfig =>
    section(c, "opsgenie2", {
      enabled: true,
      apiKey: "genie-secret",
      teams: ["conf-team"],
      url: `${url}/v2/alerts`,
    });

  it("creates, then closes by alias, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain: ".opsGenie2().teams('ops').recipients('bob').recoveryAction('close')",
      handlerFile: () => "topic: ops\nid: og2\nkind: opsgenie2\n",
      isFromTick: (r) => r.body.includes('"ops"') || r.path.endsWith("/close?identifierType=alias"),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/v2/alerts");
    expect(headersOf(crit!, ["Content-Type", "Authorization"])).toEqual({
      "Content-Type": "application/json",
      Authorization: "GenieKey genie-secret",
    });
    expect(crit!.body).toBe(
      `{"alias":"Y3B1L3NlcnZlckE=","description":"${RESULT_95}",` +
        '"details":{"Kapacitor Task Name":"cpu","Level":"CRITICAL","Monitoring Tool":"Kapacitor","host":"serverA"},' +
        '"entity":"cpu/serverA","message":"cpu/serverA is CRITICAL at 95","note":"","priority":"P1",' +
        '"responders":[{"name":"ops","type":"team"},{"type":"user","username":"bob"}]}\n',
    );
    expect(ok!.path).toBe("/v2/alerts/Y3B1L3NlcnZlckE=/close?identifierType=alias");
    expect(ok!.body).toBe('{"note":"cpu/serverA is OK at 5"}\n');
    const [fileCrit, fileOk] = run.fromFile;
    expect(JSON.parse(fileCrit!.body)).toMatchObject({ responders: [{ name: "conf-team", type: "team" }] });
    expect(fileOk!.path).toBe("/v2/alerts/Y3B1L3NlcnZlckE=/notes?identifierType=alias");
  });

  it("service test", async () => {
    const run = await startKind({ config });
    const opts = (await (await fetch(`${run.url}/kapacitor/v1/service-tests/opsgenie2`)).json()) as {
      options: unknown;
    };
    expect(opts.options).toEqual({
      teams: ["conf-team"],
      recipients: [],
      "recovery-action": "notes",
      "message-type": "CRITICAL",
      message: "test opsgenie message",
      "entity-id": "testEntityID",
    });
    expect(await serviceTest(run.url, "opsgenie2")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(JSON.parse(req!.body)).toMatchObject({
      entity: "testEntityID",
      alias: "dGVzdEVudGl0eUlE",
      priority: "P1",
    });
    run.rx.answerNext({ status: 422, body: '{"message":"Request body is not processable"}' });
    expect(await serviceTest(run.url, "opsgenie2")).toEqual({
      success: false,
      message: "opsgenie error: Request body is not processable",
    });
  });
});

describe("opsgenie", () => {
  const config = (c: TickdConfig, url: string): TickdConfig =>
    section(c, "opsgenie", {
      enabled: true,
      apiKey: "v1-key",
      recipients: ["conf-user"],
      url: `${url}/v1/json/alert`,
      recovery_url: `${url}/v1/json/alert/note`,
    });

  it("creates, then notes the recovery, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain: ".opsGenie().teams('ops', 'db')",
      handlerFile: () => "topic: ops\nid: og\nkind: opsgenie\noptions:\n  recipients-list: [alice]\n",
      isFromTick: (r) => r.body.includes('"teams"'),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/v1/json/alert/");
    expect(headersOf(crit!, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
    expect(crit!.body).toBe(
      `{"alias":"cpu/serverA","apiKey":"v1-key","description":"${RESULT_95}",` +
        '"details":{"Level":"CRITICAL","Monitoring Tool":"Kapacitor"},"entity":"cpu/serverA",' +
        '"message":"cpu/serverA is CRITICAL at 95","monitoring_tool":"kapacitor","note":"",' +
        '"recipients":["conf-user"],"teams":["ops","db"]}\n',
    );
    expect(ok!.path).toBe("/v1/json/alert/note/");
    expect(JSON.parse(ok!.body)).toMatchObject({
      details: { Level: "RECOVERY" },
      note: "cpu/serverA is OK at 5",
      message: "cpu/serverA is OK at 5",
    });
    expect(run.fromFile.map((r) => (JSON.parse(r.body) as { recipients: string[] }).recipients)).toEqual([
      ["alice"],
      ["alice"],
    ]);
  });

  it("service test", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "opsgenie", { "message-type": "RECOVERY" })).toEqual({
      success: true,
      message: "",
    });
    const [req] = await run.rx.waitFor(1);
    expect(req!.path).toBe("/v1/json/alert/note/");
  });
});
