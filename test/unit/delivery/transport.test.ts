/**
 * The HTTP transport's contract, run against both implementations: undici on this thread
 * (createTransport) and undici in a worker thread (createThreadTransport, what the daemon's
 * delivery uses). Real node:http receivers on 127.0.0.1. The wire-thread tests below cover what
 * only the thread has: one hand-off per turn, errors crossing the thread, a worker that dies.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TickdError } from "../../../src/core/errors.js";
import { createTransport, type Transport, type TransportOptions } from "../../../src/delivery/index.js";
import { createThreadTransport, WireThreadStats } from "../../../src/delivery/wire-thread.js";
import type { HttpRequest } from "../../../src/handlers/types.js";
import { DeliveryJournalRepository } from "../../../src/store/delivery-journal.js";
import { startReceiver, type Receiver, type ReceiverOptions } from "../../support/receiver.js";
import { notification, useFixture, type LogLine } from "./helpers.js";

const transports: [string, (o?: TransportOptions) => Transport][] = [
  ["undici on the main thread", (o) => createTransport(o)],
  ["undici in the wire thread", (o) => createThreadTransport(o)],
];

let receivers: Receiver[] = [];
let opened: Transport[] = [];
afterEach(async () => {
  for (const t of opened) await t.destroy();
  for (const r of receivers) await r.close();
  opened = [];
  receivers = [];
});

async function receiver(opts?: ReceiverOptions): Promise<Receiver> {
  const r = await startReceiver(opts);
  receivers.push(r);
  return r;
}

function post(url: string, over: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: "POST",
    url,
    headers: { "Content-Type": "application/json", "X-Tickd-Event-Id": "ev-1" },
    body: '{"a":1}',
    timeoutMs: 2000,
    ...over,
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<TickdError> {
  const r = await p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.v)}`);
  expect(r.e).toBeInstanceOf(TickdError);
  return r.e as TickdError;
}

describe.each(transports)("transport: %s", (_name, make) => {
  const open = (o?: TransportOptions): Transport => {
    const t = make(o);
    opened.push(t);
    return t;
  };

  it("sends method, path, headers and body as given; answers status, lower-cased headers and body", async () => {
    const r = await receiver({
      answers: [{ status: 503, body: "busy", headers: { "Retry-After": "7", "X-Two": "b" } }],
    });
    const t = open();
    const res = await t.send(post(`${r.url}/hook?x=1`));
    expect(res).toMatchObject({ status: 503, body: "busy" });
    expect(res.headers["retry-after"]).toBe("7");
    expect(res.headers["x-two"]).toBe("b");
    const [got] = await r.waitFor(1);
    expect(got).toMatchObject({ method: "POST", path: "/hook?x=1", body: '{"a":1}' });
    expect(got!.headers["x-tickd-event-id"]).toBe("ev-1");
    expect(got!.headers["content-type"]).toBe("application/json");
  });

  it("a GET carries no body; a response body loses its BOM and is cut at 64 KiB characters", async () => {
    const r = await receiver({
      answers: [
        { status: 200, body: "\ufeffhello" },
        { status: 200, body: "x".repeat(70_000) },
      ],
    });
    const t = open();
    expect((await t.send(post(r.url, { method: "GET", body: "ignored" }))).body).toBe("hello");
    expect((await t.send(post(r.url))).body).toHaveLength(64 * 1024);
    const [get] = await r.waitFor(2);
    expect(get).toMatchObject({ method: "GET", body: "" });
  });

  it("no answer in time: E_HANDLER_TIMEOUT naming the timeout", async () => {
    const r = await receiver({ answers: [{ hang: true }] });
    const e = await failure(open().send(post(r.url, { timeoutMs: 100 })));
    expect(e.code).toBe("E_HANDLER_TIMEOUT");
    expect(e.message).toBe("no response within 100ms");
  });

  it("a reset or a refused connection: E_HANDLER_SEND", async () => {
    const r = await receiver({ answers: [{ reset: true }] });
    const t = open();
    expect((await failure(t.send(post(r.url)))).code).toBe("E_HANDLER_SEND");
    const gone = await receiver();
    await gone.close();
    const e = await failure(t.send(post(gone.url)));
    expect(e.code).toBe("E_HANDLER_SEND");
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it("a request's own unreadable ca-file fails that request with E_DELIVERY_CONFIG, naming the file", async () => {
    const r = await receiver();
    const e = await failure(open().send(post(r.url, { tls: { caFile: "/nonexistent/ca.pem" } })));
    expect(e.code).toBe("E_DELIVERY_CONFIG");
    expect(e.message).toMatch(/ca-file: cannot read \/nonexistent\/ca\.pem/);
  });

  it("an unreadable [webhook] ca-file fails at creation", () => {
    expect(() => make({ caFile: "/nonexistent/ca.pem" })).toThrow(/\[webhook\] ca-file/);
  });

  it("close() lets requests in flight finish; later sends fail with E_HANDLER_SEND", async () => {
    let answer = (): void => undefined;
    const r = await receiver({ answers: [{ after: new Promise<void>((a) => (answer = a)) }] });
    const t = open();
    const res = t.send(post(r.url));
    await r.waitFor(1);
    let closed = false;
    const closing = t.close().then(() => (closed = true));
    await new Promise((w) => setTimeout(w, 50));
    expect(closed).toBe(false);
    answer();
    expect((await res).status).toBe(200);
    await closing;
    expect((await failure(t.send(post(r.url)))).code).toBe("E_HANDLER_SEND");
  });

  it("destroy() fails requests in flight with E_HANDLER_SEND", async () => {
    const r = await receiver({ answers: [{ hang: true }] });
    const t = open();
    const res = failure(t.send(post(r.url)));
    await r.waitFor(1);
    await t.destroy();
    expect((await res).code).toBe("E_HANDLER_SEND");
  });
});

describe("wire thread", () => {
  const fx = useFixture();

  it("hands one turn's requests to the worker in one message and matches every answer to its request", async () => {
    const r = await receiver();
    const t = createThreadTransport();
    opened.push(t);
    // The answer echoes the request: each caller must get its own.
    r.setFallback({ status: 200 });
    const sends = Array.from({ length: 300 }, (_, i) =>
      t.send(post(`${r.url}/n/${i}`, { headers: { "X-Tickd-Event-Id": `ev-${i}` }, body: `{"i":${i}}` })),
    );
    expect(t.inFlight).toBe(300);
    const all = await Promise.all(sends);
    expect(all.every((res) => res.status === 200)).toBe(true);
    expect(t.handoffs).toBe(1);
    const got = await r.waitFor(300);
    expect(new Set(got.map((g) => g.path)).size).toBe(300);
    for (const g of got) expect(g.body).toBe(`{"i":${g.path.slice(3)}}`);
    expect(t.inFlight).toBe(0);
  });

  it("answers carry each request's own outcome across the thread: statuses, timeouts, send errors", async () => {
    // Answers by path: /<status> with that status and the path as body; /hang never.
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.url !== "/hang") res.writeHead(Number(req.url!.slice(1))).end(req.url);
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const t = createThreadTransport();
      opened.push(t);
      const gone = await receiver();
      await gone.close();
      const settled = await Promise.allSettled([
        t.send(post(`${url}/201`)),
        t.send(post(`${url}/hang`, { timeoutMs: 300 })),
        t.send(post(`${url}/404`)),
        t.send(post(gone.url)),
        t.send(post(`${url}/500`)),
      ]);
      expect(settled).toEqual([
        { status: "fulfilled", value: expect.objectContaining({ status: 201, body: "/201" }) },
        { status: "rejected", reason: expect.objectContaining({ code: "E_HANDLER_TIMEOUT" }) },
        { status: "fulfilled", value: expect.objectContaining({ status: 404, body: "/404" }) },
        { status: "rejected", reason: expect.objectContaining({ code: "E_HANDLER_SEND" }) },
        { status: "fulfilled", value: expect.objectContaining({ status: 500, body: "/500" }) },
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  });

  it("a worker that dies fails its requests in flight with E_HANDLER_SEND, is logged and counted, and the next request gets a new worker", async () => {
    const r = await receiver({ answers: [{ hang: true }, { hang: true }] });
    const logs: LogLine[] = [];
    const stats = new WireThreadStats();
    const t = createThreadTransport(
      {},
      { logger: { log: (level, msg, fields = {}) => logs.push({ level, msg, fields }) }, stats },
    );
    opened.push(t);
    const held = [failure(t.send(post(`${r.url}/a`))), failure(t.send(post(`${r.url}/b`)))];
    await r.waitFor(2);
    await t.terminateWorker();
    for (const p of held) {
      const e = await p;
      expect(e.code).toBe("E_HANDLER_SEND");
      expect(e.message).toMatch(/wire thread ended .*outcome unknown/);
    }
    expect(stats.deaths).toBe(1);
    expect(stats.render()).toMatch(/^tickd_delivery_wire_thread_deaths_total 1$/m);
    expect(logs).toEqual([
      expect.objectContaining({
        level: "error",
        msg: expect.stringMatching(/wire thread died/),
        fields: expect.objectContaining({ inFlight: 2 }),
      }),
    ]);
    expect((await t.send(post(`${r.url}/c`))).status).toBe(200);
    // Ending it on purpose is no death.
    await t.close();
    expect(stats.deaths).toBe(1);
  });

  it("a notification whose worker died mid-request is retried by the journal and delivered (at-least-once)", async () => {
    const r = await fx.receiver({ answers: [{ hang: true }] });
    const store = fx.store();
    const t = createThreadTransport();
    opened.push(t);
    const svc = fx.service({ store, transport: t });
    svc.start();
    await svc.sender.send(notification(r.url, "a"));
    await r.waitFor(1);
    await t.terminateWorker();
    await r.waitFor(2);
    await svc.idle();
    const [row] = new DeliveryJournalRepository(store.db).list();
    expect(row).toMatchObject({ status: "delivered", attempts: 2 });
    const got = r.requests.map((q) => q.headers["x-tickd-event-id"]);
    expect(got[0]).toBe(got[1]);
    expect(svc.metrics()).toMatch(/^tickd_delivery_wire_thread_deaths_total 1$/m);
  });
});
