import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const AUTH = {
  enabled: true,
  sharedSecret: "topsecret",
  users: [
    { username: "alice", password: "wonder" },
    { username: "bob", password: "builder" },
  ],
};
const NOW_MS = 1_700_000_000_000;

async function start(auth = AUTH): Promise<TestServer> {
  server = await startServer({ auth, now: () => NOW_MS });
  return server;
}

function basic(user: string, pass: string): string {
  return "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
}

function jwt(claims: Record<string, unknown>, secret: string, alg = "HS256"): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
  const head = `${enc({ alg, typ: "JWT" })}.${enc(claims)}`;
  const hash = { HS256: "sha256", HS512: "sha512" }[alg] ?? "sha256";
  return `${head}.${createHmac(hash, secret).update(head).digest("base64url")}`;
}

async function ping(s: TestServer, headers: Record<string, string> = {}, query = ""): Promise<Response> {
  return fetch(`${s.url}/kapacitor/v1/ping${query}`, { headers });
}

describe("authentication", () => {
  it("lets everything through when disabled", async () => {
    server = await startServer({ auth: { enabled: false, sharedSecret: "x" } });
    expect((await ping(server)).status).toBe(204);
  });

  it("refuses a request without credentials with Kapacitor's compact 401", async () => {
    const s = await start();
    const res = await ping(s);
    expect(res.status).toBe(401);
    expect(res.headers.get("x-kapacitor-version")).toBe("1.8.0-tickd");
    expect(await res.text()).toBe(
      '{"error":"unable to parse authentication credentials","message":"unable to parse authentication credentials"}',
    );
  });

  it("protects every route, unknown ones included", async () => {
    const s = await start();
    expect((await fetch(`${s.url}/nope`)).status).toBe(401);
    expect((await fetch(`${s.url}/write?db=d`, { method: "POST", body: "m f=1" })).status).toBe(401);
    expect(s.tasks.writes).toHaveLength(0);
  });

  it("accepts configured basic-auth users", async () => {
    const s = await start();
    expect((await ping(s, { Authorization: basic("alice", "wonder") })).status).toBe(204);
    expect((await ping(s, { Authorization: basic("bob", "builder") })).status).toBe(204);
  });

  it("accepts u and p query parameters", async () => {
    const s = await start();
    expect((await ping(s, {}, "?u=alice&p=wonder")).status).toBe(204);
    expect((await ping(s, {}, "?u=alice&p=nope")).status).toBe(401);
  });

  it("refuses a wrong password without echoing anything", async () => {
    const s = await start();
    for (const [u, p] of [
      ["alice", "builder"],
      ["mallory", "wonder"],
      ["alice", ""],
    ] as const) {
      const res = await ping(s, { Authorization: basic(u, p) });
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(text).toBe('{"error":"authorization failed","message":"authorization failed"}');
    }
  });

  it("requires a username", async () => {
    const s = await start();
    const res = await ping(s, { Authorization: basic("", "wonder") });
    expect(await res.json()).toEqual({ error: "username required", message: "username required" });
  });

  it("accepts the shared secret as a bearer token", async () => {
    const s = await start();
    expect((await ping(s, { Authorization: "Bearer topsecret" })).status).toBe(204);
    const bad = await ping(s, { Authorization: "Bearer topsecreT" });
    expect(bad.status).toBe(401);
    expect(await bad.text()).not.toContain("topsecre");
  });

  it("accepts a JWT signed with the shared secret, as Kapacitor does", async () => {
    const s = await start();
    const ok = jwt({ username: "alice", exp: NOW_MS / 1000 + 60 }, "topsecret");
    expect((await ping(s, { Authorization: `Bearer ${ok}` })).status).toBe(204);
    const ok512 = jwt({ username: "alice", exp: NOW_MS / 1000 + 60 }, "topsecret", "HS512");
    expect((await ping(s, { Authorization: `Bearer ${ok512}` })).status).toBe(204);

    const cases: [string, string][] = [
      [jwt({ username: "alice", exp: NOW_MS / 1000 + 60 }, "wrong"), "invalid token: signature is invalid"],
      [jwt({ username: "alice", exp: NOW_MS / 1000 - 1 }, "topsecret"), "invalid token: token is expired"],
      [jwt({ username: "alice" }, "topsecret"), "token expiration required"],
      [jwt({ exp: NOW_MS / 1000 + 60 }, "topsecret"), "username in token must be a string"],
      [jwt({ username: "", exp: NOW_MS / 1000 + 60 }, "topsecret"), "token must contain a username"],
    ];
    for (const [token, message] of cases) {
      const res = await ping(s, { Authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe(message);
    }
  });

  it("refuses bearer tokens when no shared secret is configured", async () => {
    const s = await start({ enabled: true, sharedSecret: "", users: [] });
    expect((await ping(s, { Authorization: "Bearer " })).status).toBe(401);
  });
});

describe("read-only users (console and API)", () => {
  const WITH_VIEWER = {
    ...AUTH,
    users: [...AUTH.users, { username: "viewer", password: "eyes", readOnly: true }],
  };

  it("lets a read-only user read but answers 403 to anything else", async () => {
    const s = await start(WITH_VIEWER);
    const h = { Authorization: basic("viewer", "eyes") };
    expect((await fetch(`${s.url}/kapacitor/v1/tasks`, { headers: h })).status).toBe(200);
    const w = await fetch(`${s.url}/write?db=d`, { method: "POST", body: "m f=1", headers: h });
    expect(w.status).toBe(403);
    expect(await w.text()).toBe(
      '{"error":"user \\"viewer\\" has read-only access","message":"user \\"viewer\\" has read-only access"}',
    );
    const del = await fetch(`${s.url}/kapacitor/v1/tasks/x`, { method: "DELETE", headers: h });
    expect(del.status).toBe(403);
    // A writer is untouched.
    const ok = await fetch(`${s.url}/write?db=d`, {
      method: "POST",
      body: "m f=1",
      headers: { Authorization: basic("alice", "wonder") },
    });
    expect(ok.status).toBe(204);
  });

  it("whoami tells the console who is asking and whether it may write", async () => {
    const s = await start(WITH_VIEWER);
    const who = async (h: Record<string, string>): Promise<unknown> =>
      (await fetch(`${s.url}/tickd/v1/whoami`, { headers: h })).json();
    expect(await who({ Authorization: basic("viewer", "eyes") })).toEqual({
      auth: true,
      user: "viewer",
      write: false,
    });
    expect(await who({ Authorization: basic("alice", "wonder") })).toEqual({
      auth: true,
      user: "alice",
      write: true,
    });
    expect((await fetch(`${s.url}/tickd/v1/whoami`)).status).toBe(401);
    await server?.close();
    server = await startServer({ auth: { enabled: false } });
    expect(await (await fetch(`${server.url}/tickd/v1/whoami`)).json()).toEqual({
      auth: false,
      user: "",
      write: true,
    });
  });
});
