/**
 * The daemon's logger: pino JSON lines (one per event, machine-readable), exposed to the
 * engine and services through the small EngineLogger interface. Secret-looking keys are
 * redacted wherever they appear in log fields.
 */
import pino from "pino";
import type { EngineLogger, LogLevel } from "../engine/context.js";
import { LogTap } from "./observe/log-tap.js";

const SECRET_KEYS = [
  "password",
  "api-key",
  "apiKey",
  "auth-key",
  "authKey",
  "shared-secret",
  "sharedSecret",
  "token",
  "secret",
];

/**
 * Secret keys are censored up to this depth: a field (`token`), a field's key (`auth.token`)
 * or one more level (`service.auth.token`), as pino's `redact` paths `k`, `*.k`, `*.*.k` did.
 * Done here rather than by pino's `redact` option: that one (@pinojs/redact) parsed its 27
 * paths and cloned on every line, ~75 KB of garbage per line (the dispatch bench's access log).
 */
const REDACT_DEPTH = 3;
const SECRET_SET: ReadonlySet<string> = new Set(SECRET_KEYS);
const CENSOR = "<redacted>";

/** Plain objects and arrays are walked; other values (errors, dates, maps) are left as they are. */
function walkable(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function hasSecret(o: Record<string, unknown>, depth: number): boolean {
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (SECRET_SET.has(k)) return true;
    const v = o[k];
    if (depth > 1 && walkable(v) && hasSecret(v, depth - 1)) return true;
  }
  return false;
}

/** A copy of `o` with secret keys censored (the caller's object is left alone). */
function redacted(o: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = Array.isArray(o)
    ? ([...o] as unknown as Record<string, unknown>)
    : { ...o };
  for (const k in out) {
    if (!Object.hasOwn(out, k)) continue;
    if (SECRET_SET.has(k)) out[k] = CENSOR;
    else {
      const v = out[k];
      if (depth > 1 && walkable(v) && hasSecret(v, depth - 1)) out[k] = redacted(v, depth - 1);
    }
  }
  return out;
}

export interface DaemonLogger extends EngineLogger {
  readonly pino: pino.Logger;
  /** Live subscribers to the log lines (`GET /kapacitor/v1/logs`). */
  readonly tap: LogTap;
  /** Changes the level at run time (`POST /kapacitor/v1/loglevel`, `tickctl level`). */
  setLevel(level: string): void;
  flush(): Promise<void>;
}

/** Kapacitor's level names (any case); `warning` is accepted for `warn`. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

export function normalizeLevel(level: string): (typeof LOG_LEVELS)[number] | undefined {
  const l = level.trim().toLowerCase();
  const name = l === "warning" ? "warn" : l;
  return (LOG_LEVELS as readonly string[]).includes(name) ? (name as (typeof LOG_LEVELS)[number]) : undefined;
}

export function createLogger(opts: { level?: string; destination?: number | string } = {}): DaemonLogger {
  const dest = pino.destination({ dest: opts.destination ?? 1, sync: true });
  const tap = new LogTap();
  // Every line goes to the destination, and to live subscribers when there are any.
  const tee = {
    write(line: string): boolean {
      tap.offer(line);
      return dest.write(line);
    },
  };
  const logger = pino(
    {
      level: opts.level ?? "info",
      base: { service: "tickd" },
    },
    tee,
  );
  return {
    pino: logger,
    tap,
    setLevel(level: string): void {
      const l = normalizeLevel(level);
      if (l === undefined)
        throw new Error(`invalid log level ${JSON.stringify(level)}: use ${LOG_LEVELS.join(", ")}`);
      logger.level = l;
    },
    log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
      if (fields === undefined) logger[level](msg);
      else if (!logger.isLevelEnabled(level)) return;
      else logger[level](hasSecret(fields, REDACT_DEPTH) ? redacted(fields, REDACT_DEPTH) : fields, msg);
    },
    flush: () => new Promise((resolve) => dest.flush(() => resolve())),
  };
}
