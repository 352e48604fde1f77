/**
 * tickctl's observability commands, as Kapacitor's CLI has them: `stats general|ingress` and
 * `vars` (from `/kapacitor/v1/debug/vars`), `level <level>`, `logs [key=value…]` and
 * `watch <task> [key=value…]` (streamed from `/kapacitor/v1/logs` until interrupted, or until
 * `--count` lines), and `backup <file>` (a consistent snapshot of tickd's SQLite state).
 */
import { open, rename, rm } from "node:fs/promises";
import { goSprintf } from "../../core/go-format.js";
import { ApiClient, runClient, UsageError, type ClientOptions } from "./api.js";

const VARS = "/kapacitor/v1/debug/vars";

interface Statistic {
  name: string;
  tags?: Record<string, string>;
  values?: Record<string, unknown>;
}

interface DebugVarsDoc {
  cluster_id?: string;
  server_id?: string;
  host?: string;
  num_tasks?: number;
  num_enabled_tasks?: number;
  num_subscriptions?: number;
  platform?: string;
  version?: string;
  kapacitor?: Record<string, Statistic>;
}

async function debugVars(api: ApiClient): Promise<DebugVarsDoc> {
  const res = await api.get(VARS);
  if (typeof res.body !== "object" || res.body === null)
    throw new Error("tickd answered debug vars with no JSON object");
  return res.body as DebugVarsDoc;
}

/** `tickctl stats general|ingress`. */
export function runStats(category: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    if (category !== "general" && category !== "ingress") {
      throw new UsageError(`unknown stats category ${JSON.stringify(category)}: use general or ingress`);
    }
    const vars = await debugVars(api);
    if (category === "general") {
      const str = (label: string, v: unknown): string => goSprintf("%-30s%-30s\n", [label, String(v ?? "")]);
      opts.out(
        str("ClusterID:", vars.cluster_id) +
          str("ServerID:", vars.server_id) +
          str("Host:", vars.host) +
          str("Tasks:", vars.num_tasks ?? 0) +
          str("Enabled Tasks:", vars.num_enabled_tasks ?? 0) +
          str("Subscriptions:", vars.num_subscriptions ?? 0) +
          str("Platform:", vars.platform) +
          str("Version:", vars.version),
      );
      return 0;
    }
    const rows = Object.values(vars.kapacitor ?? {})
      .filter((s) => s.name === "ingress" && s.tags?.["task_master"] === "main")
      .map((s) => ({
        db: s.tags?.["database"] ?? "",
        rp: s.tags?.["retention_policy"] ?? "",
        m: s.tags?.["measurement"] ?? "",
        n: typeof s.values?.["points_received"] === "number" ? s.values["points_received"] : 0,
      }))
      .sort((a, b) => cmp(a.db, b.db) || cmp(a.rp, b.rp) || cmp(a.m, b.m));
    const wDb = Math.max(8, ...rows.map((r) => r.db.length)) + 1;
    const wRp = Math.max(16, ...rows.map((r) => r.rp.length)) + 1;
    const wM = Math.max(11, ...rows.map((r) => r.m.length)) + 1;
    let out = goSprintf(`%-${wDb}s%-${wRp}s%-${wM}s%s\n`, [
      "Database",
      "Retention Policy",
      "Measurement",
      "Points Received",
    ]);
    for (const r of rows)
      out += goSprintf(`%-${wDb}s%-${wRp}s%-${wM}s%15d\n`, [r.db, r.rp, r.m, BigInt(Math.trunc(r.n))]);
    opts.out(out);
    return 0;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `tickctl vars`: the debug vars JSON as tickd sends it. */
export function runVars(opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    opts.out(`${JSON.stringify(await debugVars(api))}\n`);
    return 0;
  });
}

/** `tickctl level <debug|info|warn|error>`. */
export function runLevel(level: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    await api.request("POST", "/kapacitor/v1/loglevel", { level });
    return 0;
  });
}

/** Parses Kapacitor's `key=value` log filters. */
export function parseLogFilters(pairs: readonly string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const p of pairs) {
    const parts = p.split("=");
    if (parts.length !== 2 || parts[0] === "") throw new UsageError(`bad keyvalue pair: '${p}'`);
    m[parts[0]!] = parts[1]!;
  }
  return m;
}

/**
 * `tickctl logs [key=value…]` / `tickctl watch <task> [key=value…]`: prints matching log lines
 * as tickd writes them, until interrupted (SIGINT/SIGTERM end it with exit 0), the daemon
 * closes the stream, or `count` lines were printed.
 */
export function runLogs(
  filters: Record<string, string>,
  opts: ClientOptions & { count?: number; signal?: AbortSignal },
): Promise<number> {
  return runClient(opts, async (api) => {
    const q = new URLSearchParams(filters).toString();
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    opts.signal?.addEventListener("abort", onSignal);
    try {
      const res = await api.stream(`/kapacitor/v1/logs${q === "" ? "" : `?${q}`}`, stop.signal);
      let printed = 0;
      let pending = "";
      const decoder = new TextDecoder();
      for await (const chunk of res) {
        pending += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
          opts.out(pending.slice(0, nl + 1));
          pending = pending.slice(nl + 1);
          if (opts.count !== undefined && ++printed >= opts.count) {
            stop.abort();
            return 0;
          }
        }
      }
      return 0;
    } catch (e) {
      if (stop.signal.aborted) return 0;
      throw e;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  });
}

/** `tickctl backup <file>`: writes the snapshot next to `file` first, then renames it into place. */
export function runBackup(file: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    if (file === "") throw new UsageError("must provide file path for backup.");
    const tmp = `${file}.partial`;
    const fh = await open(tmp, "w", 0o600);
    let size = 0;
    try {
      for await (const chunk of await api.stream("/kapacitor/v1/storage/backup")) {
        await fh.write(chunk);
        size += chunk.length;
      }
      await fh.sync();
    } catch (e) {
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    await rename(tmp, file);
    opts.err(`backup of ${size} bytes written to ${file}\n`);
    return 0;
  });
}
