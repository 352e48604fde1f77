/**
 * The web console's files (src/server/console/routes.ts): content types, cache headers, the
 * SPA fallback for page paths, 404 for a missing asset, no way out of the folder, the `/`
 * redirect for browsers only, and a clear 503 when the console was never built. Real files in
 * a temp folder standing in for dist/ui/, served through the real API server.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createConsoleRoutes } from "../../../src/server/console/routes.js";
import { startServer, type TestServer } from "./support.js";

let server: TestServer | undefined;
let dir = "";
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
  dir = "";
});

function rawStatus(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

const INDEX = "<!doctype html><title>tickd</title>";

async function start(built = true): Promise<TestServer> {
  dir = mkdtempSync(join(tmpdir(), "tickd-ui-"));
  if (built) {
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), INDEX);
    writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
    writeFileSync(join(dir, "assets", "index-abc123.css"), "body{}");
  }
  writeFileSync(join(dir, "..", "tickd-ui-secret.txt"), "secret");
  server = await startServer({
    auth: { enabled: true, users: [{ username: "a", password: "b" }] },
    extraRoutes: createConsoleRoutes(dir),
  });
  return server;
}

describe("console files at /ui/", () => {
  it("serves index.html and hashed assets with their types and cache headers, without credentials", async () => {
    const s = await start();
    const index = await fetch(`${s.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(index.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await index.text()).toBe(INDEX);
    const js = await fetch(`${s.url}/ui/assets/index-abc123.js`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const css = await fetch(`${s.url}/ui/assets/index-abc123.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const head = await fetch(`${s.url}/ui/assets/index-abc123.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("14");
    // The API itself still needs credentials.
    expect((await fetch(`${s.url}/kapacitor/v1/tasks`)).status).toBe(401);
  });

  it("answers page paths with index.html, missing assets and escapes with 404", async () => {
    const s = await start();
    for (const page of ["/ui/silences", "/ui/history?id=x", "/ui/deep/page"]) {
      const res = await fetch(`${s.url}${page}`);
      expect(res.status, page).toBe(200);
      expect(await res.text()).toBe(INDEX);
    }
    expect((await fetch(`${s.url}/ui/assets/gone-123.js`)).status).toBe(404);
    expect((await fetch(`${s.url}/ui/favicon.ico`)).status).toBe(404);
    // fetch() would resolve "..": send the raw target.
    expect(await rawStatus(s.url, "/ui/../tickd-ui-secret.txt")).toBe(404);
    expect(await rawStatus(s.url, "/ui/%2e%2e/tickd-ui-secret.txt")).toBe(404);
    expect((await fetch(`${s.url}/ui/..%2ftickd-ui-secret.txt`)).status).toBe(404);
    expect((await fetch(`${s.url}/ui/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${s.url}/ui/`, { method: "POST" })).status).toBe(401);
    const bare = await fetch(`${s.url}/ui`, { redirect: "manual" });
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe("/ui/");
  });

  it("redirects / to the console for a browser only", async () => {
    const s = await start();
    const browser = await fetch(`${s.url}/`, { redirect: "manual", headers: { Accept: "text/html,*/*" } });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe("/ui/");
    expect((await fetch(`${s.url}/`, { redirect: "manual" })).status).toBe(404);
  });

  it("says how to build the console when dist/ui is missing", async () => {
    const s = await start(false);
    const res = await fetch(`${s.url}/ui/`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^the web console is not built: run `npm run build:ui`/,
    );
  });
});
