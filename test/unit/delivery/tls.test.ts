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
import { createTransport, type VerificationMode } from "../../../src/delivery/index.js";

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

async function post(
  mode: VerificationMode,
  host: string,
  ca: boolean,
): Promise<{ status?: number; code?: string }> {
  const t = createTransport({ verificationMode: mode, caFile: ca ? join(dir, "ca.pem") : "" });
  try {
    const res = await t.send({
      method: "POST",
      url: `https://${host}:${port}/x`,
      headers: {},
      body: "{}",
      timeoutMs: 3000,
    });
    return { status: res.status };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? "?" };
  } finally {
    await t.destroy();
  }
}

describe("TLS verification modes", () => {
  it("full: trusts the CA from ca-file and checks the hostname", async () => {
    expect(await post("full", "localhost", true)).toEqual({ status: 200 });
    // 127.0.0.1 is not in the certificate.
    expect(await post("full", "127.0.0.1", true)).toEqual({ code: "E_HANDLER_SEND" });
  });

  it("full without ca-file refuses the unknown CA (a connection error, retried)", async () => {
    expect(await post("full", "localhost", false)).toEqual({ code: "E_HANDLER_SEND" });
  });

  it("certificate: checks the chain but not the hostname", async () => {
    expect(await post("certificate", "127.0.0.1", true)).toEqual({ status: 200 });
    expect(await post("certificate", "127.0.0.1", false)).toEqual({ code: "E_HANDLER_SEND" });
  });

  it("none: accepts any certificate", async () => {
    expect(await post("none", "127.0.0.1", false)).toEqual({ status: 200 });
  });

  it("an unreadable ca-file fails at creation, naming the key", () => {
    expect(() => createTransport({ caFile: join(dir, "missing.pem") })).toThrow(/\[webhook\] ca-file/);
  });
});
