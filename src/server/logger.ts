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
      redact: {
        paths: SECRET_KEYS.flatMap((k) => [`"${k}"`, `*."${k}"`, `*.*."${k}"`]),
        censor: "<redacted>",
      },
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
      else logger[level](fields, msg);
    },
    flush: () => new Promise((resolve) => dest.flush(() => resolve())),
  };
}
