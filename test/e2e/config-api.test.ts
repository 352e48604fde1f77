/**
 * Kapacitor's config API against a spawned daemon, the way Chronograf uses it: read the
 * sections (secrets as booleans), switch VictorOps on and add an HTTP endpoint with POST
 * set/add, page through them without a restart, and find the overrides still applied after
 * one. Refusals (a start-only section, an unknown option, an invalid value, removing an
 * element of the file) are clear 4xx answers and change nothing.
 */
import { describe, expect, it } from "vitest";
import { type TickdProcess, useDaemons } from "../support/daemon.js";

const { tickd: startDaemon, receiver, running } = useDaemons();

const SCRIPT = `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .id('cpu/{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .topic('cpu')
`;

function config(voUrl: string): string {
  return [
    "[victorops]",
    "  enabled = false",
    '  api-key = "k3y-secret"',
    '  routing-key = "file-team"',
    `  url = ${JSON.stringify(voUrl)}`,
    "[[httppost]]",
    '  endpoint = "from-file"',
    '  url = "http://127.0.0.1:1/never"',
    "",
  ].join("\n");
}

async function api(t: TickdProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.url}${path}`, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
      : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

const write = async (t: TickdProcess, body: string) => {
  const res = await fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body });
  expect(res.status).toBe(204);
};

describe("/kapacitor/v1/config", () => {
  it("shows sections with secrets redacted, applies overrides at once and keeps them across a restart", async () => {
    const vo = await receiver();
    const t = await startDaemon({ tasks: { "cpu.tick": SCRIPT }, extraConfig: config(`${vo.url}/vo`) });

    const all = await api(t, "GET", "/kapacitor/v1/config");
    expect(all.status).toBe(200);
    expect(all.text).not.toContain("k3y-secret");
    const sections = all.json?.["sections"] as Record<string, { elements: unknown[] }>;
    expect(Object.keys(sections)).toEqual(
      expect.arrayContaining([
        "delivery",
        "escalation",
        "httppost",
        "kafka",
        "slack",
        "smtp",
        "victorops",
        "webhook",
      ]),
    );
    // Sections read only at start are not offered.
    expect(Object.keys(sections)).not.toContain("http");
    expect(Object.keys(sections)).not.toContain("storage");

    const voBefore = await api(t, "GET", "/kapacitor/v1/config/victorops/");
    expect(voBefore.json).toMatchObject({
      link: { rel: "self", href: "/kapacitor/v1/config/victorops/" },
      options: { enabled: false, "api-key": true, "routing-key": "file-team", url: `${vo.url}/vo` },
      redacted: ["api-key"],
    });
    const delivery = await api(t, "GET", "/kapacitor/v1/config/delivery/");
    expect(delivery.json).toMatchObject({ options: { "max-age": "24h0m0s", "backoff-initial": "1s" } });

    // A handler of a disabled service is refused; after the override it is accepted and pages.
    const handler = { id: "cpu-vo", kind: "victorops", options: {} };
    expect((await api(t, "POST", "/kapacitor/v1/alerts/topics/cpu/handlers", handler)).status).toBe(400);
    const set = await api(t, "POST", "/kapacitor/v1/config/victorops/", {
      set: { enabled: true, "routing-key": "api-team", "api-key": true },
    });
    expect(set.status, set.text).toBe(204);
    expect((await api(t, "POST", "/kapacitor/v1/alerts/topics/cpu/handlers", handler)).status).toBe(200);
    await write(t, "cpu,host=a usage_idle=5 1\n");
    const [page] = await vo.waitFor(1, 15_000);
    // `"api-key": true` (what GET shows) kept the secret from the file.
    expect(page?.path).toBe("/vo/k3y-secret/api-team");

    // A list section: add an element, then set a header on it; credentials stay hidden.
    const added = await api(t, "POST", "/kapacitor/v1/config/httppost", {
      add: { endpoint: "ops", url: `${vo.url}/hook` },
    });
    expect(added.status, added.text).toBe(204);
    const hdr = await api(t, "POST", "/kapacitor/v1/config/httppost/ops", {
      set: { headers: { Authorization: "Bearer t0ken", "X-Team": "ops" } },
    });
    expect(hdr.status, hdr.text).toBe(204);
    const ops = await api(t, "GET", "/kapacitor/v1/config/httppost/ops");
    expect(ops.text).not.toContain("t0ken");
    expect(ops.json).toMatchObject({
      options: { endpoint: "ops", url: `${vo.url}/hook`, headers: { Authorization: true, "X-Team": "ops" } },
      redacted: ["headers.Authorization"],
    });

    // Refusals change nothing.
    const startOnly = await api(t, "POST", "/kapacitor/v1/config/http/", { set: { "bind-address": ":1" } });
    expect(startOnly.status).toBe(403);
    expect(startOnly.json?.["error"]).toContain("read only at start");
    const unknownKey = await api(t, "POST", "/kapacitor/v1/config/victorops/", { set: { colour: "red" } });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.json?.["error"]).toContain('unknown option "colour"');
    const badValue = await api(t, "POST", "/kapacitor/v1/config/victorops/", { set: { url: "not a url" } });
    expect(badValue.status).toBe(400);
    expect(badValue.json?.["error"]).toBe(
      "config override (/kapacitor/v1/config): [victorops] url: expected a URL (http:// or https://)",
    );
    const fromFile = await api(t, "POST", "/kapacitor/v1/config/httppost", { remove: ["from-file"] });
    expect(fromFile.status).toBe(400);
    expect(fromFile.json?.["error"]).toContain("comes from the config file");
    expect((await api(t, "GET", "/kapacitor/v1/config/nope")).status).toBe(404);
    expect((await api(t, "GET", "/kapacitor/v1/config/httppost/nope")).status).toBe(404);

    // After a restart the overrides are applied again.
    expect(await t.stop("SIGTERM")).toBe(0);
    running.splice(running.indexOf(t), 1);
    const again = await startDaemon({
      dir: t.dir,
      tasks: { "cpu.tick": SCRIPT },
      extraConfig: config(`${vo.url}/vo`),
    });
    const voAfter = await api(again, "GET", "/kapacitor/v1/config/victorops/");
    expect(voAfter.json).toMatchObject({ options: { enabled: true, "routing-key": "api-team" } });
    const list = await api(again, "GET", "/kapacitor/v1/config/httppost");
    const names = (list.json?.["elements"] as { options: { endpoint: string } }[]).map(
      (e) => e.options.endpoint,
    );
    expect(names).toEqual(["from-file", "ops"]);

    // remove drops an added element again; delete drops an override (the file's value is back).
    expect((await api(again, "POST", "/kapacitor/v1/config/httppost", { remove: ["ops"] })).status).toBe(204);
    expect(
      (await api(again, "POST", "/kapacitor/v1/config/victorops/", { delete: ["routing-key"] })).status,
    ).toBe(204);
    const voReset = await api(again, "GET", "/kapacitor/v1/config/victorops/");
    expect(voReset.json).toMatchObject({ options: { enabled: true, "routing-key": "file-team" } });
  });

  it("hides webhook URLs that are credentials and keeps them when the placeholder comes back", async () => {
    const hook = await receiver();
    const slackUrl = `${hook.url}/services/T000/B000/s3cret-path`;
    const t = await startDaemon({
      tasks: { "cpu.tick": SCRIPT.replace(".topic('cpu')", ".topic('cpu')\n        .slack()") },
      extraConfig: `[[slack]]\n  enabled = true\n  url = ${JSON.stringify(slackUrl)}\n  channel = "#file"\n`,
    });
    const all = await api(t, "GET", "/kapacitor/v1/config");
    expect(all.text).not.toContain("s3cret-path");
    const slack = await api(t, "GET", "/kapacitor/v1/config/slack");
    expect(slack.text).not.toContain("s3cret-path");
    expect(slack.json).toMatchObject({
      elements: [{ options: { url: true, channel: "#file" }, redacted: ["url", "token"] }],
    });
    // Chronograf sends the whole element back, the URL as GET showed it.
    const set = await api(t, "POST", "/kapacitor/v1/config/slack/", {
      set: { url: true, channel: "#api" },
    });
    expect(set.status, set.text).toBe(204);
    await write(t, "cpu,host=a usage_idle=5 1\n");
    const [msg] = await hook.waitFor(1, 15_000);
    expect(msg?.path).toBe("/services/T000/B000/s3cret-path");
    expect(JSON.parse(msg!.body)).toMatchObject({ channel: "#api" });
  });

  it("answers 403 when [config-override] is disabled", async () => {
    const t = await startDaemon({ extraConfig: "[config-override]\n  enabled = false\n" });
    const res = await api(t, "GET", "/kapacitor/v1/config");
    expect(res.status).toBe(403);
    expect(res.json?.["error"]).toBe("config override service not enabled");
  });
});
