/**
 * `log`: appends the alert JSON (one line per event) to a file (KAPACITOR-COMPAT.md §2).
 * Kapacitor requires an absolute path; tickd also takes a relative one and resolves it against
 * the storage dir (`[storage] dir`), so a shipped handler file can keep its log beside the
 * state instead of in /tmp. `mode` (default 0600, must be user-writable) applies when the
 * file is created. It is set explicitly on the new file so the process umask cannot weaken
 * or widen what the handler asked for. The file is opened per event, as Kapacitor does, so
 * log rotation needs no signal.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";

import { alertJsonLine } from "../alert/alert-json.js";
import type { AlertEvent } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import type { Level } from "../core/types.js";
import { lastProperty, type HandlerSpec } from "../pipeline/task-graph.js";
import { argInt, argString, schema } from "./options.js";
import { SerialHandler } from "./runner.js";
import { HandlerCodes, type HandlerContext, type HandlerKind } from "./types.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import type { ServiceTestSpec } from "./types.js";

const KIND = "log";

export const DEFAULT_LOG_MODE = 0o600;

export interface LogOptions {
  path: string;
  /** Permission bits of a newly created file. */
  mode: number;
}

export const logSchema = schema(KIND, ["path", "mode"], (r): LogOptions => {
  const path = r.requiredString("path");
  if (path.trim() === "") throw r.error("path", "must name a file");
  const raw = r.value("mode");
  let mode = DEFAULT_LOG_MODE;
  if (typeof raw === "number" || typeof raw === "bigint") {
    // Handler files are JSON after YAML: `mode: 0644` arrives as 420.
    mode = Number(raw);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
      throw r.error("mode", `invalid file mode ${String(raw)}`);
  } else if (typeof raw === "string") {
    // tickd superset: the octal text itself, "0644" or "644".
    if (!/^0?[0-7]{1,4}$/.test(raw.trim()))
      throw r.error("mode", `expected an octal file mode like "0644", got "${raw}"`);
    mode = parseInt(raw.trim(), 8);
  } else if (raw !== undefined) {
    throw r.error("mode", 'expected a file mode (420 or "0644")');
  }
  if ((mode & 0o200) === 0)
    throw r.error("mode", `invalid file mode 0${mode.toString(8)}, must be user writable`);
  return { path, mode };
});

async function appendLine(path: string, mode: number, line: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
  let fh;
  let created = false;
  try {
    fh = await open(path, flags | constants.O_EXCL, mode);
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw fileError(path, e);
  }
  try {
    if (fh === undefined) fh = await open(path, flags, mode);
    if (created) await fh.chmod(mode);
    await fh.write(line);
  } catch (e) {
    throw fileError(path, e);
  } finally {
    await fh?.close();
  }
}

function fileError(path: string, e: unknown): TickdError {
  return new TickdError(HandlerCodes.SEND, `failed to write alert log ${path}: ${(e as Error).message}`, {
    cause: e,
  });
}

/** Where a log handler writes: an absolute path as given, a relative one under the storage dir. */
export function logFilePath(path: string, storageDir: string): string {
  return isAbsolute(path) ? path : resolve(storageDir, path);
}

export function createLog(o: LogOptions, ctx: HandlerContext): SerialHandler {
  const path = logFilePath(o.path, ctx.config.storageDir ?? ".");
  return new SerialHandler(ctx, KIND, (event: AlertEvent, previousLevel: Level) =>
    appendLine(path, o.mode, alertJsonLine(event, previousLevel)),
  );
}

function logFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const path = argString(spec.args[0]);
  // Kapacitor rejects a relative .log() path; a script that Kapacitor refuses stays refused.
  if (path !== undefined && !isAbsolute(path))
    throw new TickdError(
      HandlerCodes.OPTIONS,
      `log handler: option "path": must be absolute: ${path} is not absolute`,
    );
  if (path !== undefined) out.path = path;
  const mode = argInt(lastProperty(spec, "mode")?.args[0]);
  if (mode !== undefined) out.mode = mode;
  return out;
}

/** tickd's `log` service test: one alert JSON line appended to `path`. */
const logServiceTest: ServiceTestSpec = {
  name: "log",
  options: () => ({
    path: "/tmp/tickd-service-test.log",
    id: "testEntityID",
    message: "test log message",
    level: "CRITICAL",
  }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("log", raw);
    return {
      handlerOptions: { path: o.string("path") },
      event: testEvent({
        id: o.string("id"),
        message: o.string("message"),
        level: o.level("level"),
        timeMs: nowMs,
      }),
    };
  },
};

export const log: HandlerKind<LogOptions> = {
  kind: KIND,
  optionsSchema: logSchema,
  create: createLog,
  fromTickscript: logFromTickscript,
  secrets: [],
  serviceTest: logServiceTest,
};
