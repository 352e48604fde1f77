/**
 * The web console's files (DESIGN §12): `dist/ui/` (built by `npm run build:ui` from `ui/`)
 * served at `/ui/`, with nothing fetched from elsewhere.
 *
 * - `/ui/assets/*` are Vite's content-hashed files: cached for a year, immutable.
 * - Any other existing file (index.html, icons) is revalidated on every load (`no-cache`).
 * - A path without a file extension is a console page (`/ui/silences`): index.html, so a
 *   reload or a bookmarked link works (SPA fallback). A missing file with an extension is 404.
 * - `/` redirects to `/ui/` when the client asks for HTML (a browser); others get the usual 404.
 * The files are public (they hold no data); every API call they make is authenticated as usual.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { RequestContext } from "../http/request-context.js";
import type { ExtraRoute } from "../http/types.js";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/** `dist/ui` of the checkout this module runs from (src/ under vitest, dist/src/ when built). */
export function defaultConsoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "dist", "ui");
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "ui");
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  // Everything comes from tickd itself; nothing inline but styles set from script.
  "Content-Security-Policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
};

function sendFile(ctx: RequestContext, file: string, cache: string): void {
  const body = readFileSync(file);
  const res = ctx.res;
  res.statusCode = 200;
  res.setHeader("Content-Type", CONTENT_TYPES[extname(file)] ?? "application/octet-stream");
  res.setHeader("Content-Length", body.length);
  res.setHeader("Cache-Control", cache);
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  res.end(ctx.method === "HEAD" ? undefined : body);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export function createConsoleRoutes(dir: string = defaultConsoleDir()): ExtraRoute[] {
  const root = normalize(dir);
  const index = join(root, "index.html");
  return [
    {
      method: ["GET", "HEAD"],
      path: "/ui/*",
      public: true,
      handle(ctx) {
        if (ctx.path === "/ui") {
          ctx.res.statusCode = 308;
          ctx.res.setHeader("Location", "/ui/");
          ctx.res.end();
          return;
        }
        if (!isFile(index)) {
          ctx.error(503, `the web console is not built: run \`npm run build:ui\` (expected ${index})`);
          return;
        }
        let rel: string;
        try {
          rel = decodeURIComponent(ctx.path.slice("/ui/".length));
        } catch {
          ctx.error(400, "invalid URL escape in path");
          return;
        }
        const file = normalize(join(root, rel));
        if (file !== root && !file.startsWith(root + sep)) {
          ctx.error(404, "Not Found");
          return;
        }
        if (rel !== "" && isFile(file)) {
          const immutable = rel.startsWith("assets/");
          sendFile(ctx, file, immutable ? "public, max-age=31536000, immutable" : "no-cache");
          return;
        }
        if (rel === "" || extname(rel) === "") {
          sendFile(ctx, index, "no-cache");
          return;
        }
        ctx.error(404, "Not Found");
      },
    },
    {
      method: ["GET", "HEAD"],
      path: "/",
      public: true,
      handle(ctx) {
        if ((ctx.req.headers.accept ?? "").includes("text/html")) {
          ctx.res.statusCode = 302;
          ctx.res.setHeader("Location", "/ui/");
          ctx.res.end();
          return;
        }
        ctx.error(404, "Not Found");
      },
    },
  ];
}
