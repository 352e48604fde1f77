/**
 * `[http] log-enabled`: one access line per request (method, path, status, duration, user),
 * and never a credential: no Authorization header, no query string (`?u=&p=` carry them).
 */
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const AUTH = { enabled: true, sharedSecret: "topsecret", users: [{ username: "alice", password: "wonder" }] };

const accessLines = (s: TestServer) => s.logs.filter((l) => l.msg === "http request");

/** The answer is sent before the line is written (on the response's close): wait for it. */
async function lines(s: TestServer, n: number) {
  for (let i = 0; i < 200 && accessLines(s).length < n; i++) await new Promise((r) => setTimeout(r, 5));
  return accessLines(s);
}

function jwt(claims: Record<string, unknown>, secret: string): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
  const head = `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

describe("HTTP access log", () => {
  it("logs method, path, status, duration and the authenticated user, one line per request", async () => {
    server = await startServer({ auth: AUTH, accessLog: true });
    const basic = "Basic " + Buffer.from("alice:wonder").toString("base64");
    await fetch(`${server.url}/kapacitor/v1/tasks?pattern=x*`, { headers: { Authorization: basic } });
    await fetch(`${server.url}/kapacitor/v1/ping`, {
      headers: { Authorization: `Bearer ${jwt({ username: "bob", exp: 2e9 }, "topsecret")}` },
    });
    await fetch(`${server.url}/kapacitor/v1/ping?u=alice&p=wonder`);
    await fetch(`${server.url}/write?db=a&u=alice&p=wrong`, { method: "POST", body: "cpu v=1 1" });
    await fetch(`${server.url}/nowhere?token=abc123`, { headers: { Authorization: basic } });

    const got = await lines(server, 5);
    expect(got).toHaveLength(5);
    expect(got.map((l) => l.level)).toEqual(["info", "info", "info", "info", "info"]);
    expect(got.map((l) => l.fields)).toEqual([
      expect.objectContaining({ method: "GET", path: "/kapacitor/v1/tasks", status: 200, user: "alice" }),
      expect.objectContaining({ method: "GET", path: "/kapacitor/v1/ping", status: 204, user: "bob" }),
      expect.objectContaining({ method: "GET", path: "/kapacitor/v1/ping", status: 204, user: "alice" }),
      expect.objectContaining({ method: "POST", path: "/write", status: 401 }),
      expect.objectContaining({ method: "GET", path: "/nowhere", status: 404, user: "alice" }),
    ]);
    for (const l of got) {
      expect(typeof l.fields?.["durationMs"]).toBe("number");
      expect(l.fields?.["durationMs"]).toBeGreaterThanOrEqual(0);
      expect(typeof l.fields?.["requestId"]).toBe("string");
    }
    // A refused request names nobody: the user it claimed was not authenticated.
    expect(got[3]!.fields).not.toHaveProperty("user");
    const text = JSON.stringify(server.logs);
    for (const secret of ["wonder", "wrong", "topsecret", "abc123", "Basic", "Bearer", "YWxpY2U6d29uZGVy"])
      expect(text).not.toContain(secret);
  });

  it("logs no user when auth is off", async () => {
    server = await startServer({ accessLog: true });
    await fetch(`${server.url}/kapacitor/v1/ping`);
    const [line] = await lines(server, 1);
    expect(line!.fields).toMatchObject({ method: "GET", path: "/kapacitor/v1/ping", status: 204 });
    expect(line!.fields).not.toHaveProperty("user");
  });

  it("logs nothing per request when it is off", async () => {
    server = await startServer({ accessLog: false });
    await fetch(`${server.url}/kapacitor/v1/ping`);
    await fetch(`${server.url}/nowhere`);
    expect(accessLines(server)).toEqual([]);
  });
});
