/**
 * `[webhook] verification-mode` and `ca-file` against a real local HTTPS server whose
 * certificate (for "localhost" only, signed by a throwaway CA) is made by the openssl CLI.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Level } from "../../../src/core/types.js";
import {
  createDelivery,
  createTransport,
  type Transport,
  type TransportOptions,
  type VerificationMode,
} from "../../../src/delivery/index.js";
import { createThreadTransport } from "../../../src/delivery/wire-thread.js";
import { createHandlerFactory } from "../../../src/handlers/index.js";
import { DeliveryJournalRepository } from "../../../src/store/delivery-journal.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { alertEvent } from "../handlers/helpers.js";

let dir = "";
let server: Server;
let port = 0;
const seen: string[] = [];

function openssl(args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tickd-tls-"));
  openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=tickd test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  ]);
  openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "srv.key",
    "-out",
    "srv.csr",
  ]);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n");
  openssl([
    "x509",
    "-req",
    "-in",
    "srv.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
    "-out",
    "srv.pem",
  ]);
  server = createServer(
    { key: readFileSync(join(dir, "srv.key")), cert: readFileSync(join(dir, "srv.pem")) },
    (req, res) => {
      req.resume();
      req.on("end", () => {
        seen.push(req.url ?? "");
        res.end("tls ok");
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** Both transports: undici here, and in the wire thread (the daemon's). */
const transports: [string, (o: TransportOptions) => Transport][] = [
  ["main thread", (o) => createTransport(o)],
  ["wire thread", (o) => createThreadTransport(o)],
];

async function post(
  make: (o: TransportOptions) => Transport,
  mode: VerificationMode,
  host: string,
  ca: boolean,
  own?: TransportOptions,
): Promise<{ status?: number; code?: string }> {
  const t = make({ verificationMode: mode, caFile: ca ? join(dir, "ca.pem") : "" });
  try {
    const res = await t.send({
      method: "POST",
      url: `https://${host}:${port}/x`,
      headers: {},
      body: "{}",
      timeoutMs: 3000,
      ...(own !== undefined ? { tls: own } : {}),
    });
    return { status: res.status };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? "?" };
  } finally {
    await t.destroy();
  }
}

describe.each(transports)("TLS verification modes (%s)", (_name, make) => {
  it("full: trusts the CA from ca-file and checks the hostname", async () => {
    expect(await post(make, "full", "localhost", true)).toEqual({ status: 200 });
    // 127.0.0.1 is not in the certificate.
    expect(await post(make, "full", "127.0.0.1", true)).toEqual({ code: "E_HANDLER_SEND" });
  });

  it("full without ca-file refuses the unknown CA (a connection error, retried)", async () => {
    expect(await post(make, "full", "localhost", false)).toEqual({ code: "E_HANDLER_SEND" });
  });

  it("certificate: checks the chain but not the hostname", async () => {
    expect(await post(make, "certificate", "127.0.0.1", true)).toEqual({ status: 200 });
    expect(await post(make, "certificate", "127.0.0.1", false)).toEqual({ code: "E_HANDLER_SEND" });
  });

  it("none: accepts any certificate", async () => {
    expect(await post(make, "none", "127.0.0.1", false)).toEqual({ status: 200 });
  });

  it("an unreadable ca-file fails at creation, naming the key", () => {
    expect(() => make({ caFile: join(dir, "missing.pem") })).toThrow(/\[webhook\] ca-file/);
  });

  it("a request's own TLS options override the transport's", async () => {
    const ca = join(dir, "ca.pem");
    expect(await post(make, "full", "127.0.0.1", false, { verificationMode: "none" })).toEqual({
      status: 200,
    });
    expect(
      await post(make, "none", "127.0.0.1", false, { verificationMode: "certificate", caFile: ca }),
    ).toEqual({ status: 200 });
    expect(await post(make, "none", "127.0.0.1", false, { verificationMode: "full", caFile: ca })).toEqual({
      code: "E_HANDLER_SEND",
    });
  });
});

/**
 * Issue 11 item 7: a post handler's `skip-ssl-verification: true` was accepted and ignored.
 * It, and the per-handler `verification-mode` and `ca-file`, now ride with the request through
 * the journal (a replay after a restart uses them too) over `[webhook]`'s rules (full, no CA).
 */
describe("per-handler TLS options of the post handler, through the delivery journal", () => {
  const MS = 1e6;
  const stores: Store[] = [];
  afterAll(() => {
    for (const s of stores) s.close();
  });

  async function deliver(
    options: Record<string, unknown>,
    opts: { restart?: boolean } = {},
  ): Promise<{ status: string; lastError: string; tls: unknown }> {
    const store = openStore(":memory:");
    stores.push(store);
    const logger = { log: () => undefined };
    const make = () =>
      createDelivery({
        store,
        logger,
        config: {
          delivery: { maxAttempts: 1, backoffInitial: MS, backoffMax: MS, concurrency: 1, journal: true },
          webhook: { verificationMode: "full", caFile: "", timeout: 3000 * MS },
        },
      });
    let svc = make();
    if (!opts.restart) svc.start();
    const factory = createHandlerFactory({
      config: {
        victorops: { enabled: false, apiKey: "", routingKey: "", url: "", jsonData: false, global: false },
        httppost: [],
        escalation: [],
        webhook: { allowedHosts: ["*"] },
      },
      logger,
      send: svc.sender,
    });
    factory.check("post", { url: `https://127.0.0.1:${port}/handler`, ...options });
    const h = factory.create({
      kind: "post",
      options: { url: `https://127.0.0.1:${port}/handler`, ...options },
      topic: "ops",
      id: "hook",
    });
    await h.handle(alertEvent(), Level.OK);
    if (opts.restart) {
      // Journaled but never sent: the next start replays it with the same TLS options.
      await svc.stop();
      svc = make();
      svc.start();
    }
    await svc.idle();
    await svc.stop();
    const row = new DeliveryJournalRepository(store.db).list()[0]!;
    return { status: row.status, lastError: row.lastError, tls: row.tls };
  }

  it("skip-ssl-verification: true sends to an endpoint whose certificate nothing trusts", async () => {
    expect(await deliver({})).toMatchObject({
      status: "failed",
      lastError: expect.stringMatching(/E_HANDLER_SEND/),
    });
    expect(await deliver({ "skip-ssl-verification": true })).toMatchObject({
      status: "delivered",
      tls: { verificationMode: "none" },
    });
  });

  it("verification-mode and ca-file per handler: certificate with the CA passes, full still checks the name", async () => {
    const ca = join(dir, "ca.pem");
    expect(await deliver({ "verification-mode": "certificate", "ca-file": ca })).toMatchObject({
      status: "delivered",
    });
    expect(await deliver({ "verification-mode": "full", "ca-file": ca })).toMatchObject({ status: "failed" });
    expect(await deliver({ "verification-mode": "none" })).toMatchObject({ status: "delivered" });
  });

  it("a journaled notification keeps its TLS options across a restart", async () => {
    expect(await deliver({ "skip-ssl-verification": true }, { restart: true })).toMatchObject({
      status: "delivered",
      tls: { verificationMode: "none" },
    });
  });

  it("rejects contradicting or unusable options when the handler is defined", () => {
    const factory = createHandlerFactory({
      config: {
        victorops: { enabled: false, apiKey: "", routingKey: "", url: "", jsonData: false, global: false },
        httppost: [],
        escalation: [],
        webhook: { allowedHosts: ["*"] },
      },
      logger: { log: () => undefined },
    });
    const url = "https://example.com/x";
    expect(() =>
      factory.check("post", { url, "skip-ssl-verification": true, "verification-mode": "full" }),
    ).toThrow(/verification-mode.*contradicts skip-ssl-verification/);
    expect(() => factory.check("post", { url, "verification-mode": "sometimes" })).toThrow(
      /verification-mode.*full, certificate, none/,
    );
    expect(() => factory.check("post", { url, "ca-file": join(dir, "missing.pem") })).toThrow(
      /ca-file.*cannot read/,
    );
  });
});
