/**
 * Kapacitor's observability routes:
 * - `GET /kapacitor/v1/debug/vars`: the expvar document (src/server/observe/debug-vars.ts);
 * - `POST /kapacitor/v1/loglevel` `{"level": "debug"}`: the log level at run time (204);
 * - `GET /kapacitor/v1/logs?key=value…`: log lines as they are written, one JSON object per
 *   line, filtered by field (`task=cpu`, `lvl=error`), until the client hangs up;
 * - `GET /kapacitor/v1/storage/backup`: a consistent snapshot of the SQLite state, taken with
 *   SQLite's online backup while the daemon keeps running.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type Database from "better-sqlite3";
import type { DebugVars } from "../observe/debug-vars.js";
import type { LogTap } from "../observe/log-tap.js";
import { HttpError, JSON_CONTENT_TYPE } from "./request-context.js";
import type { ExtraRoute } from "./types.js";

export interface ObserveRouteDeps {
  debugVars: DebugVars;
  tap: LogTap;
  setLevel(level: string): void;
  db: Database.Database;
}

export function createObserveRoutes(d: ObserveRouteDeps): ExtraRoute[] {
  return [
    {
      method: "GET",
      path: "/kapacitor/v1/debug/vars",
      handle: (ctx) => ctx.json(200, d.debugVars.document()),
    },
    {
      method: "POST",
      path: "/kapacitor/v1/loglevel",
      handle: async (ctx) => {
        const body = await ctx.readJson();
        const level =
          typeof body === "object" && body !== null ? (body as { level?: unknown }).level : undefined;
        if (typeof level !== "string")
          throw new HttpError(400, 'expected {"level": "debug|info|warn|error"}');
        try {
          d.setLevel(level);
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
        ctx.noContent();
      },
    },
    {
      method: "GET",
      path: "/kapacitor/v1/logs",
      handle: (ctx) => {
        const filters: Record<string, string> = {};
        for (const [k, v] of ctx.query) filters[k] = v;
        const res = ctx.res;
        res.writeHead(200, { "content-type": JSON_CONTENT_TYPE, "cache-control": "no-cache" });
        res.flushHeaders();
        const stop = d.tap.subscribe(
          filters,
          (line) => {
            res.write(line);
          },
          () => res.end(),
        );
        res.on("close", stop);
      },
    },
    {
      method: "GET",
      path: "/kapacitor/v1/storage/backup",
      handle: async (ctx) => {
        const dir = await mkdtemp(join(tmpdir(), "tickd-backup-"));
        try {
          const file = join(dir, "tickd.db");
          await d.db.backup(file);
          ctx.res.writeHead(200, {
            "content-type": "application/octet-stream",
            "content-disposition": 'attachment; filename="tickd.db"',
          });
          await pipeline(createReadStream(file), ctx.res);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    },
  ];
}
