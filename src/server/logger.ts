/**
 * The daemon's logger: pino JSON lines (one per event, machine-readable), exposed to the
 * engine and services through the small EngineLogger interface. Secret-looking keys are
 * redacted wherever they appear in log fields.
 */
import pino from "pino";
import type { EngineLogger, LogLevel } from "../engine/context.js";

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
  flush(): Promise<void>;
}

export function createLogger(opts: { level?: string; destination?: number | string } = {}): DaemonLogger {
  const dest = pino.destination({ dest: opts.destination ?? 1, sync: true });
  const logger = pino(
    {
      level: opts.level ?? "info",
      base: { service: "tickd" },
      redact: {
        paths: SECRET_KEYS.flatMap((k) => [`"${k}"`, `*."${k}"`, `*.*."${k}"`]),
        censor: "<redacted>",
      },
    },
    dest,
  );
  return {
    pino: logger,
    log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
      if (fields === undefined) logger[level](msg);
      else logger[level](fields, msg);
    },
    flush: () => new Promise((resolve) => dest.flush(() => resolve())),
  };
}
