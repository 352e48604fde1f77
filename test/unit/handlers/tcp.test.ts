import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { Level } from "../../../src/core/types.js";
import { splitHostPort } from "../../../src/handlers/tcp.js";
import { alertEvent, factory, handlerConfig, POST_BODY } from "./helpers.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server !== undefined ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A TCP listener recording each connection's bytes until the client closes. */
async function listen(): Promise<{ address: string; payloads: Promise<string>[] }> {
  const payloads: Promise<string>[] = [];
  server = createServer((sock) => {
    payloads.push(
      new Promise((resolve) => {
        const chunks: Buffer[] = [];
        sock.on("data", (c: Buffer) => chunks.push(c));
        sock.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      }),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", () => resolve()));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, payloads };
}

describe("tcp handler", () => {
  it("writes the alert JSON, a newline and one more newline, then closes", async () => {
    const { address, payloads } = await listen();
    const { f, logs } = factory(handlerConfig());
    const h = f.create({ kind: "tcp", options: { address }, topic: "t", id: "tcp" });
    await h.handle(alertEvent(), Level.OK);
    await h.handle(alertEvent(), Level.CRITICAL);
    expect(logs).toEqual([]);
    expect(payloads).toHaveLength(2); // one connection per event
    expect(await payloads[0]).toBe(POST_BODY + "\n");
    expect(await payloads[1]).toContain('"previousLevel":"CRITICAL","recoverable":true}\n\n');
  });

  it("logs a refused connection", async () => {
    const { address } = await listen();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const { f, logs } = factory(handlerConfig());
    await f.create({ kind: "tcp", options: { address }, topic: "t", id: "tcp" }).handle(alertEvent(), 0);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.fields).toMatchObject({ code: "E_HANDLER_SEND", handler: "tcp" });
    expect(String(logs[0]!.fields?.error)).toContain("ECONNREFUSED");
  });

  it("requires host:port", () => {
    const { f } = factory(handlerConfig());
    expect(() => f.create({ kind: "tcp", options: { address: "localhost" }, topic: "t", id: "x" })).toThrow(
      /option "address": expected host:port/,
    );
    expect(splitHostPort("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
    expect(splitHostPort(":9000")).toEqual({ host: "localhost", port: 9000 });
  });
});
