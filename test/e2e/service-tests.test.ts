/**
 * Kapacitor's service tests through the spawned daemon and the real tickctl: the list with
 * each service's default options, a run against a local receiver, a disabled service's
 * refusal, and the CLI's `service-tests` / `list service-tests` output.
 */
import { describe, expect, it } from "vitest";
import { runBuiltAsync } from "../support/cli.js";
import { useDaemons } from "../support/daemon.js";

const { tickd, receiver } = useDaemons();

interface ServiceTestList {
  link: { rel: string; href: string };
  services: { link: { rel: string; href: string }; name: string; options: Record<string, unknown> }[];
}

describe("service tests in the daemon", () => {
  it("lists every service with its default options, as Kapacitor's GET /service-tests", async () => {
    const t = await tickd({ extraConfig: '[victorops]\n  routing-key = "team-a"\n' });
    const res = await fetch(`${t.url}/kapacitor/v1/service-tests`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ServiceTestList;
    expect(body.link).toEqual({ rel: "self", href: "/kapacitor/v1/service-tests" });
    const names = body.services.map((s) => s.name);
    expect(names).toEqual([...names].sort());
    for (const n of ["escalation", "exec", "httppost", "kafka", "log", "tcp", "victorops"])
      expect(names).toContain(n);
    const vo = body.services.find((s) => s.name === "victorops");
    expect(vo).toEqual({
      link: { rel: "self", href: "/kapacitor/v1/service-tests/victorops" },
      name: "victorops",
      options: {
        routingKey: "team-a",
        messageType: "CRITICAL",
        message: "test victorops message",
        entityID: "testEntityID",
      },
    });
    const one = await fetch(`${t.url}/kapacitor/v1/service-tests/victorops`);
    expect(await one.json()).toEqual(vo);
    const filtered = (await (
      await fetch(`${t.url}/kapacitor/v1/service-tests?pattern=victor*`)
    ).json()) as ServiceTestList;
    expect(filtered.services.map((s) => s.name)).toEqual(["victorops"]);
    const missing = await fetch(`${t.url}/kapacitor/v1/service-tests/nope`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe('service "nope" not found');
  });

  it("runs a test against the endpoint now (not journaled) and reports success or the reason", async () => {
    const rx = await receiver({ statuses: [200, 500] });
    const t = await tickd({
      extraConfig: `[victorops]\n  enabled = true\n  api-key = "k3y"\n  routing-key = "rk"\n  url = "${rx.url}/vo"\n`,
    });
    const post = async (name: string, body: unknown): Promise<unknown> => {
      const res = await fetch(`${t.url}/kapacitor/v1/service-tests/${name}`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return res.json();
    };
    expect(await post("victorops", null)).toEqual({ success: true, message: "" });
    const [req] = await rx.waitFor(1);
    expect(req!.path).toBe("/vo/k3y/rk");
    expect(JSON.parse(req!.body)).toMatchObject({
      message_type: "CRITICAL",
      entity_id: "testEntityID",
      state_message: "test victorops message",
    });
    // The second answer is a 500: the test fails with VictorOps's own wording.
    const failed = (await post("victorops", { messageType: "RECOVERY" })) as {
      success: boolean;
      message: string;
    };
    expect(failed.success).toBe(false);
    expect(failed.message).toContain("500");
    expect(JSON.parse(rx.requests[1]!.body)).toMatchObject({ message_type: "RECOVERY" });
    // A service that is off refuses without sending.
    expect(await post("kafka", {})).toEqual({ success: false, message: expect.stringContaining("example") });
    const deliveries = (await (await fetch(`${t.url}/tickd/v1/deliveries`)).json()) as {
      deliveries: unknown[];
    };
    expect(deliveries.deliveries).toEqual([]);
  });

  it("tickctl service-tests and list service-tests print Kapacitor's columns", async () => {
    const rx = await receiver();
    const t = await tickd({ extraConfig: "" });
    const list = await runBuiltAsync("tickctl", ["list", "service-tests", "http*", "-url", t.url]);
    expect(list.stderr).toBe("");
    expect(list.stdout).toBe("Service Name\nhttppost\n");
    const ok = await runBuiltAsync("tickctl", [
      "service-tests",
      "httppost",
      "--options",
      JSON.stringify({ url: `${rx.url}/hook`, headers: { "X-Test": "1" } }),
      "-url",
      t.url,
    ]);
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toBe(
      `${"Service".padEnd(20)}${"Success".padEnd(10)}Message\n${"httppost".padEnd(20)}true\n`,
    );
    expect(ok.status).toBe(0);
    const [req] = await rx.waitFor(1);
    expect(req!.path).toBe("/hook");
    expect(req!.headers["x-test"]).toBe("1");
    const bad = await runBuiltAsync("tickctl", ["service-tests", "victorops", "-url", t.url]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe(
      `${"Service".padEnd(20)}${"Success".padEnd(10)}Message\n${"victorops".padEnd(20)}${"false".padEnd(10)}service is not enabled\n`,
    );
  });
});
