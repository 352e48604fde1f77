/** The delivery routes served by a real node:http server with the API's request context. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TickdError } from "../../../src/core/errors.js";
import {
  createHandlerTester,
  type DeliveryService,
  type HandlerTestSpec,
} from "../../../src/delivery/index.js";
import { createHandlerFactory } from "../../../src/handlers/index.js";
import type { HttpSender } from "../../../src/handlers/types.js";
import { createContext } from "../../../src/server/http/request-context.js";
import { MS, notification, useFixture } from "./helpers.js";

const fx = useFixture();
let api: Server | undefined;

afterEach(async () => {
  if (api !== undefined) {
    api.closeAllConnections();
    await new Promise<void>((r) => api!.close(() => r()));
    api = undefined;
  }
});

async function serve(svc: DeliveryService): Promise<string> {
  api = createServer((req, res) => {
    const ctx = createContext(req, res, "rid", 1 << 20);
    const route = svc.routes.find(
      (r) =>
        (r.path === ctx.path || (r.path.endsWith("/*") && ctx.path.startsWith(r.path.slice(0, -1)))) &&
        (Array.isArray(r.method) ? r.method.includes(ctx.method) : r.method === ctx.method),
    );
    if (route === undefined) {
      ctx.error(404, "no route");
      return;
    }
    void Promise.resolve(route.handle(ctx)).catch((e: unknown) => ctx.error(500, String(e)));
  });
  await new Promise<void>((r) => api!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
}

describe("GET /tickd/v1/deliveries", () => {
  it("lists deliveries newest first with redacted URLs, filtered by handler, status and limit", async () => {
    const rx = await fx.receiver({ statuses: [200, 404] });
    const svc = fx.service({ delivery: { maxAttempts: 2 } });
    svc.start();
    await svc.sender.send(
      notification(`https://user:pw@127.0.0.1:1/x?key=abc`, "down", { handler: "pager", timeoutMs: 200 }),
    );
    await svc.sender.send(notification(`${rx.url}/a`, "ok1"));
    await svc.idle();
    await svc.sender.send(notification(`${rx.url}/b`, "gone"));
    await svc.idle();
    const base = await serve(svc);

    const all = (await (await fetch(`${base}/tickd/v1/deliveries`)).json()) as {
      deliveries: Record<string, unknown>[];
    };
    expect(all.deliveries.map((d) => d.alert_id)).toEqual(["gone", "ok1", "down"]);
    const down = all.deliveries[2]!;
    expect(down).toMatchObject({
      handler: "pager",
      topic: "cpu",
      kind: "post",
      method: "POST",
      url: "https://user:<redacted>@127.0.0.1:1/x?key=<redacted>",
      status: "failed",
      attempts: 2,
      last_status: 0,
      next_retry: null,
    });
    expect(String(down.last_error)).toMatch(/^E_HANDLER_SEND/);
    expect(down.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(down)).toEqual([
      "id",
      "event_id",
      "handler",
      "topic",
      "alert_id",
      "kind",
      "method",
      "url",
      "status",
      "attempts",
      "last_error",
      "last_status",
      "next_retry",
      "created",
      "updated",
    ]);
    expect(Date.parse(String(down.created))).not.toBeNaN();

    const failedH1 = (await (await fetch(`${base}/tickd/v1/deliveries?handler=h1&status=failed`)).json()) as {
      deliveries: { alert_id: string; last_status: number }[];
    };
    expect(failedH1.deliveries).toEqual([expect.objectContaining({ alert_id: "gone", last_status: 404 })]);
    const one = (await (await fetch(`${base}/tickd/v1/deliveries?limit=1`)).json()) as {
      deliveries: unknown[];
    };
    expect(one.deliveries).toHaveLength(1);

    const bad = await fetch(`${base}/tickd/v1/deliveries?status=lost`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/status must be one of/);
    expect((await fetch(`${base}/tickd/v1/deliveries?limit=-1`)).status).toBe(400);
  });

  it("shows next_retry for a retrying delivery", async () => {
    const rx = await fx.receiver({ fallback: { status: 503, headers: { "Retry-After": "120" } } });
    const svc = fx.service();
    svc.start();
    await svc.sender.send(notification(rx.url, "later"));
    await rx.waitFor(1);
    await new Promise((r) => setTimeout(r, 50));
    const base = await serve(svc);
    const body = (await (await fetch(`${base}/tickd/v1/deliveries`)).json()) as {
      deliveries: Record<string, unknown>[];
    };
    const d = body.deliveries[0]!;
    expect(d).toMatchObject({ status: "retrying", attempts: 1, last_status: 503 });
    const next = Date.parse(String(d.next_retry));
    expect(next - Date.now()).toBeGreaterThan(100_000);
  });
});

describe("GET /metrics", () => {
  it("answers Prometheus text with per-handler outcomes, queue depth and journal size", async () => {
    const rx = await fx.receiver({ statuses: [500, 200] });
    const svc = fx.service();
    svc.start();
    await svc.sender.send(notification(rx.url, "a", { handler: 'we"ird' }));
    await svc.idle();
    const base = await serve(svc);
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain("# TYPE tickd_deliveries_total counter");
    expect(text).toContain('tickd_deliveries_total{topic="cpu",handler="we\\"ird",outcome="delivered"} 1');
    expect(text).toContain('tickd_deliveries_total{topic="cpu",handler="we\\"ird",outcome="retried"} 1');
    expect(text).toContain('tickd_deliveries_total{topic="cpu",handler="we\\"ird",outcome="failed"} 0');
    expect(text).toContain('tickd_delivery_queue_depth{topic="cpu",handler="we\\"ird"} 0');
    expect(text).toContain('tickd_delivery_journal_rows{status="delivered"} 1');
    expect(text.endsWith("\n")).toBe(true);
    // Every sample line belongs to a declared family.
    const families = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    for (const line of text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
      expect(families.has(line.split(/[{ ]/)[0])).toBe(true);
    }
  });
});

describe("POST /tickd/v1/handlers/test", () => {
  it("sends through the handler now, bypassing the journal, and returns the endpoint's answer", async () => {
    const rx = await fx.receiver({ answers: [{ status: 418, body: "teapot" }] });
    const specs: HandlerTestSpec[] = [];
    const store = fx.store();
    const svc = fx.service({
      store,
      testHandler: async (spec: HandlerTestSpec, send: HttpSender) => {
        specs.push(spec);
        await send.send({ method: "POST", url: `${rx.url}/t`, headers: {}, body: "{}", timeoutMs: 1000 });
      },
    });
    const base = await serve(svc);
    const res = await fetch(`${base}/tickd/v1/handlers/test`, {
      method: "POST",
      body: JSON.stringify({ kind: "post", options: { url: rx.url } }),
    });
    // The endpoint's non-2xx answer is the test's failure: 502 with what it said.
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      status: 418,
      body: "teapot",
      error: "the endpoint answered HTTP 418",
    });
    expect(specs).toEqual([{ kind: "post", options: { url: rx.url } }]);
    expect(svc.pendingCount()).toBe(0);
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM deliveries").get()).toEqual({ n: 0 });

    const byTopic = await fetch(`${base}/tickd/v1/handlers/test`, {
      method: "POST",
      body: JSON.stringify({ topic: "cpu", handler: "h1" }),
    });
    expect(byTopic.status).toBe(200);
    expect(specs[1]).toEqual({ topic: "cpu", handler: "h1" });
  });

  it("reports a connection error, 400 for a bad body or bad options, 501 without a test hook", async () => {
    const svc = fx.service({
      testHandler: async (spec, send) => {
        if ("kind" in spec && spec.kind === "nope") {
          throw new TickdError("E_HANDLER_KIND", 'unsupported action kind "nope"');
        }
        await send
          .send({ method: "POST", url: "http://127.0.0.1:1/", headers: {}, body: "", timeoutMs: 500 })
          .catch(() => {});
      },
    });
    const base = await serve(svc);
    const post = (body: string): Promise<Response> =>
      fetch(`${base}/tickd/v1/handlers/test`, { method: "POST", body });
    const down = await post(JSON.stringify({ kind: "post", options: {} }));
    expect(down.status).toBe(502);
    expect(((await down.json()) as { error: string }).error).toMatch(/ECONNREFUSED/);
    expect((await post("[]")).status).toBe(400);
    const unknown = await post(JSON.stringify({ kind: "nope" }));
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toBe('unsupported action kind "nope"');
    expect((await post(JSON.stringify({ topic: "x" }))).status).toBe(400);

    const plain = fx.service();
    await new Promise<void>((r) => api!.close(() => r()));
    const base2 = await serve(plain);
    expect((await fetch(`${base2}/tickd/v1/handlers/test`, { method: "POST", body: "{}" })).status).toBe(501);
  });
});

describe("createHandlerTester with the real handler factory", () => {
  it("builds a post handler from {kind, options} or a stored {topic, handler} and sends the sample alert", async () => {
    const rx = await fx.receiver({
      answers: [
        { status: 201, body: "made" },
        { status: 500, body: "nope" },
      ],
    });
    const config = {
      victorops: { enabled: false, apiKey: "", routingKey: "", url: "", jsonData: false, global: false },
      httppost: [],
      escalation: [],
      webhook: { allowedHosts: ["*"] },
    };
    const testHandler = createHandlerTester({
      factoryFor: (send) => createHandlerFactory({ config, logger: { log: () => undefined }, send }),
      lookup: (topic, handler) =>
        topic === "cpu" && handler === "ops"
          ? { kind: "post", options: { url: `${rx.url}/stored` } }
          : undefined,
    });
    const svc = fx.service({ testHandler });
    const base = await serve(svc);
    const post = async (body: unknown): Promise<[number, unknown]> => {
      const res = await fetch(`${base}/tickd/v1/handlers/test`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      return [res.status, await res.json()];
    };
    expect(await post({ kind: "post", options: { url: `${rx.url}/direct` } })).toEqual([
      200,
      { status: 201, body: "made" },
    ]);
    expect(await post({ topic: "cpu", handler: "ops" })).toEqual([
      502,
      { status: 500, body: "nope", error: "the endpoint answered HTTP 500" },
    ]);
    expect(rx.requests.map((r) => r.path)).toEqual(["/direct", "/stored"]);
    expect(JSON.parse(rx.requests[0]!.body) as { id: string; level: string }).toMatchObject({
      id: "tickd-test",
      level: "CRITICAL",
    });
    const [missing] = await post({ topic: "cpu", handler: "nobody" });
    expect(missing).toBe(404);
    const [badKind] = await post({ kind: "carrier-pigeon", options: {} });
    expect(badKind).toBe(400);
  });
});

describe("POST /tickd/v1/handlers/test when no request goes out", () => {
  // Issue 11 item 7: it answered 200 "sent no HTTP request" and hid why.
  it("answers 422 with the reason: service disabled, host not allowed, template error", async () => {
    const rx = await fx.receiver();
    const config = {
      victorops: {
        enabled: false,
        apiKey: "k",
        routingKey: "rk",
        url: rx.url,
        jsonData: false,
        global: false,
      },
      httppost: [],
      escalation: [],
      webhook: { allowedHosts: ["example.com"] },
    };
    const testHandler = createHandlerTester({
      factoryFor: (send) => createHandlerFactory({ config, logger: { log: () => undefined }, send }),
      lookup: () => undefined,
    });
    const base = await serve(fx.service({ testHandler }));
    const post = async (body: unknown): Promise<[number, Record<string, unknown>]> => {
      const res = await fetch(`${base}/tickd/v1/handlers/test`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      return [res.status, (await res.json()) as Record<string, unknown>];
    };
    expect(await post({ kind: "victorops", options: {} })).toEqual([
      422,
      { error: "service is not enabled", code: "E_HANDLER_DISABLED", sent: false },
    ]);
    const [status, refused] = await post({ kind: "post", options: { url: `${rx.url}/x` } });
    expect(status).toBe(422);
    expect(refused).toMatchObject({ code: "E_HANDLER_REFUSED", sent: false });
    expect(String(refused.error)).toMatch(/host "127\.0\.0\.1" is not in \[webhook\] allowed-hosts/);
    const [tStatus, tmpl] = await post({
      kind: "post",
      options: { url: "https://example.com/x", "alert-template": "{{ index .Nope 1 }}" },
    });
    expect(tStatus).toBe(422);
    expect(tmpl.sent).toBe(false);
    expect(String(tmpl.error)).not.toBe("");
    expect(rx.requests).toEqual([]);
  });
});

describe("POST /tickd/v1/deliveries/{id}/retry and DELETE /tickd/v1/deliveries/{id}", () => {
  // Issue 11 item 6: a failed delivery could be neither re-sent nor purged.
  it("re-sends a failed delivery, 409 for one that is not failed, 404 for an unknown id", async () => {
    const rx = await fx.receiver({ statuses: [400, 200] });
    const store = fx.store();
    const svc = fx.service({ store });
    svc.start();
    await svc.sender.send(notification(`${rx.url}/hook`, "cpu:web1"));
    await svc.idle();
    const base = await serve(svc);
    const [row] = (
      (await (await fetch(`${base}/tickd/v1/deliveries`)).json()) as {
        deliveries: { id: number; status: string }[];
      }
    ).deliveries;
    expect(row).toMatchObject({ status: "failed" });

    const retry = await fetch(`${base}/tickd/v1/deliveries/${row!.id}/retry`, { method: "POST" });
    expect(retry.status).toBe(200);
    expect(
      ((await retry.json()) as { delivery: { status: string; attempts: number } }).delivery,
    ).toMatchObject({
      status: "queued",
      attempts: 0,
    });
    await svc.idle();
    expect(rx.requests.map((r) => r.path)).toEqual(["/hook", "/hook"]);
    expect(rx.requests[1]!.body).toBe(rx.requests[0]!.body);
    const after = (
      (await (await fetch(`${base}/tickd/v1/deliveries`)).json()) as {
        deliveries: { status: string; attempts: number }[];
      }
    ).deliveries;
    expect(after[0]).toMatchObject({ status: "delivered", attempts: 1 });

    const again = await fetch(`${base}/tickd/v1/deliveries/${row!.id}/retry`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/is delivered, not failed/);
    expect((await fetch(`${base}/tickd/v1/deliveries/9999/retry`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${base}/tickd/v1/deliveries/abc/retry`, { method: "POST" })).status).toBe(404);

    expect((await fetch(`${base}/tickd/v1/deliveries/${row!.id}`, { method: "DELETE" })).status).toBe(204);
    expect(
      ((await (await fetch(`${base}/tickd/v1/deliveries`)).json()) as { deliveries: unknown[] }).deliveries,
    ).toEqual([]);
    expect((await fetch(`${base}/tickd/v1/deliveries/${row!.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("a refusal journaled without a request cannot be retried (409 with the reason), but can be deleted", async () => {
    const svc = fx.service();
    svc.start();
    svc.sender.refuse!(
      { handler: "vo", topic: "ops", alertId: "cpu:nil", kind: "victorops" },
      new TickdError("E_HANDLER_DISABLED", "service is not enabled"),
    );
    const base = await serve(svc);
    const [row] = (
      (await (await fetch(`${base}/tickd/v1/deliveries?status=failed`)).json()) as {
        deliveries: { id: number; last_error: string; method: string }[];
      }
    ).deliveries;
    expect(row).toMatchObject({ last_error: "E_HANDLER_DISABLED: service is not enabled", method: "" });
    const retry = await fetch(`${base}/tickd/v1/deliveries/${row!.id}/retry`, { method: "POST" });
    expect(retry.status).toBe(409);
    expect(((await retry.json()) as { error: string }).error).toMatch(
      /refused before a request was built .*nothing to re-send/,
    );
    expect((await fetch(`${base}/tickd/v1/deliveries/${row!.id}`, { method: "DELETE" })).status).toBe(204);
  });

  it("deleting a pending delivery cancels it: its retries stop and it leaves the journal", async () => {
    const rx = await fx.receiver({ fallback: { status: 503 } });
    const svc = fx.service({ delivery: { maxAttempts: 0, backoffInitial: 50 * MS, backoffMax: 100 * MS } });
    svc.start();
    await svc.sender.send(notification(rx.url, "stuck"));
    await rx.waitFor(2);
    const base = await serve(svc);
    const [row] = (
      (await (await fetch(`${base}/tickd/v1/deliveries`)).json()) as {
        deliveries: { id: number; status: string }[];
      }
    ).deliveries;
    expect(row!.status).toBe("retrying");
    expect((await fetch(`${base}/tickd/v1/deliveries/${row!.id}`, { method: "DELETE" })).status).toBe(204);
    await svc.idle();
    expect(svc.pendingCount()).toBe(0);
    expect(
      ((await (await fetch(`${base}/tickd/v1/deliveries`)).json()) as { deliveries: unknown[] }).deliveries,
    ).toEqual([]);
  });
});
