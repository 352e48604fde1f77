/**
 * Regression: a topic handler read with GET (secrets shown as "<redacted>") and sent back with
 * PUT or PATCH once sent `Basic elastic:<redacted>`. The placeholder must keep the stored secret,
 * and a placeholder with no secret behind it is refused, never sent.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startDaemonIn } from "../../support/in-process-daemon.js";
import { startReceiver } from "../../support/receiver.js";

const BASE = "/kapacitor/v1/alerts/topics";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup() {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const { daemon, dir } = await startDaemonIn();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => daemon.stop());
  const url = `http://127.0.0.1:${daemon.port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: (text === "" ? undefined : JSON.parse(text)) as Record<string, unknown>,
    };
  };
  const fire = async (id: string) => {
    const r = await call("POST", "/tickd/v1/integrations/webhook?topic=ops", {
      id,
      status: "triggered",
      severity: "critical",
      message: `${id} is CRITICAL`,
    });
    expect(r.status).toBe(200);
  };
  return { rx, call, fire, daemon };
}

const basic = (user: string, password: string): string =>
  "Basic " + Buffer.from(`${user}:${password}`).toString("base64");

describe("topic handler secrets survive read-modify-write", () => {
  it("keeps basic-auth, bearer token and secret headers through GET → PUT and GET → PATCH", async () => {
    const { rx, call, fire } = await setup();
    const created = await call("POST", `${BASE}/ops/handlers`, {
      id: "basic",
      kind: "post",
      options: {
        url: `${rx.url}/basic`,
        "basic-auth": { username: "elastic", password: "s3cret" },
        headers: { "X-Api-Key": "key-123", "X-Source": "tickd" },
      },
    });
    expect(created.status).toBe(200);
    expect(
      (
        await call("POST", `${BASE}/ops/handlers`, {
          id: "bearer",
          kind: "post",
          options: {
            url: `${rx.url}/bearer`,
            "bearer-token": "tok-456",
            headers: { "X-Auth-Token": "xt-789" },
          },
        })
      ).status,
    ).toBe(200);

    // GET → one harmless change → PUT the same JSON back.
    const shown = (await call("GET", `${BASE}/ops/handlers/basic`)).json;
    expect(shown.options).toEqual({
      url: `${rx.url}/basic`,
      "basic-auth": { username: "elastic", password: "<redacted>" },
      headers: { "X-Api-Key": "<redacted>", "X-Source": "tickd" },
    });
    const put = await call("PUT", `${BASE}/ops/handlers/basic`, { ...shown, match: "level() >= WARNING" });
    expect(put.status).toBe(200);
    expect(JSON.stringify(put.json)).not.toContain("s3cret");

    // GET → PATCH that replaces the whole options object with what GET showed.
    const shownBearer = (await call("GET", `${BASE}/ops/handlers/bearer`)).json;
    const patched = await call("PATCH", `${BASE}/ops/handlers/bearer`, [
      { op: "replace", path: "/options", value: { ...(shownBearer.options as object), timeout: "5s" } },
    ]);
    expect(patched.status).toBe(200);

    await fire("disk");
    const reqs = await rx.waitFor(2);
    const byPath = new Map(reqs.map((r) => [r.path, r]));
    expect(byPath.get("/basic")!.headers.authorization).toBe(basic("elastic", "s3cret"));
    expect(byPath.get("/basic")!.headers["x-api-key"]).toBe("key-123");
    expect(byPath.get("/basic")!.headers["x-source"]).toBe("tickd");
    expect(byPath.get("/bearer")!.headers.authorization).toBe("Bearer tok-456");
    expect(byPath.get("/bearer")!.headers["x-auth-token"]).toBe("xt-789");
  });

  it("hides a URL's password and keeps it through GET → PUT; refuses a URL whose password is the placeholder", async () => {
    const { call, daemon } = await setup();
    const url = "https://hooks:pa55@hooks.example.com/alert?team=ops";
    expect(
      (await call("POST", `${BASE}/ops/handlers`, { id: "u", kind: "post", options: { url } })).status,
    ).toBe(200);
    const shown = (await call("GET", `${BASE}/ops/handlers/u`)).json;
    expect((shown.options as { url: string }).url).toBe(
      "https://hooks:<redacted>@hooks.example.com/alert?team=ops",
    );
    expect((await call("PUT", `${BASE}/ops/handlers/u`, { ...shown, match: "changed()" })).status).toBe(200);
    expect(daemon.topics.getHandler("ops", "u")!.options.url).toBe(url);
    // Another URL is taken as given; a copy of the shown one for a new handler is refused.
    const moved = "https://hooks:<redacted>@other.example.com/alert";
    const bad = await call("PUT", `${BASE}/ops/handlers/u`, { ...shown, options: { url: moved } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/option "url": has the password "<redacted>"/);
    expect(daemon.topics.getHandler("ops", "u")!.options.url).toBe(url);
  });

  it("a changed secret replaces the stored one; a placeholder with no secret behind it is refused", async () => {
    const { rx, call, fire } = await setup();
    const options = { url: rx.url, "basic-auth": { username: "elastic", password: "old" } };
    expect((await call("POST", `${BASE}/ops/handlers`, { id: "h", kind: "post", options })).status).toBe(200);

    // Creating with the placeholder: nothing stored to keep, so it is an error naming the option.
    const create = await call("POST", `${BASE}/ops/handlers`, {
      id: "copy",
      kind: "post",
      options: { url: rx.url, "basic-auth": { username: "elastic", password: "<redacted>" } },
    });
    expect(create.status).toBe(400);
    expect(create.json.error).toMatch(/option "basic-auth\.password": is "<redacted>", the placeholder/);

    // A header the stored handler does not have cannot take its value from anywhere.
    const shown = (await call("GET", `${BASE}/ops/handlers/h`)).json;
    const bad = await call("PUT", `${BASE}/ops/handlers/h`, {
      ...shown,
      options: { ...(shown.options as object), headers: { Authorization: "<redacted>" } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/option "headers\.Authorization": is "<redacted>"/);

    // A real new password is taken as given.
    const changed = await call("PUT", `${BASE}/ops/handlers/h`, {
      ...shown,
      options: { ...(shown.options as object), "basic-auth": { username: "elastic", password: "new" } },
    });
    expect(changed.status).toBe(200);
    await fire("cpu");
    const [req] = await rx.waitFor(1);
    expect(req!.headers.authorization).toBe(basic("elastic", "new"));
  });
});
