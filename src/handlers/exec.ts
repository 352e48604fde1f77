/**
 * `exec`: runs `prog args…` (no shell) with the alert JSON line on stdin and waits for it
 * (KAPACITOR-COMPAT.md §2). Its combined stdout and stderr only appear in the error log when
 * the program fails to start or exits non-zero.
 */
import { spawn } from "node:child_process";

import { alertJsonLine } from "../alert/alert-json.js";
import type { AlertEvent } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import type { Level } from "../core/types.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";
import { argString, schema } from "./options.js";
import { SerialHandler } from "./runner.js";
import { HandlerCodes, type HandlerContext, type HandlerKind } from "./types.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import type { ServiceTestSpec } from "./types.js";

const KIND = "exec";

/** Output kept for the error log. */
const MAX_OUTPUT = 16 * 1024;

export interface ExecOptions {
  prog: string;
  args: string[];
}

export const execSchema = schema(KIND, ["prog", "args"], (r): ExecOptions => ({
  prog: r.requiredString("prog"),
  args: r.stringList("args") ?? [],
}));

function run(o: ExecOptions, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.prog, o.args, { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer): void => {
      if (output.length < MAX_OUTPUT) output += chunk.toString("utf8").slice(0, MAX_OUTPUT - output.length);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    // A program that ignores its stdin may close it first; that is not a failure.
    child.stdin.on("error", () => {});
    let settled = false;
    const fail = (e: TickdError): void => {
      if (!settled) reject(e);
      settled = true;
    };
    // A program that cannot start emits "error" (and not always "close").
    child.on("error", (e) => {
      fail(new TickdError(HandlerCodes.SEND, `exec command failed: ${e.message}`, { cause: e }));
    });
    child.on("close", (code, signal) => {
      if (code !== 0) {
        const status = signal !== null ? `signal: ${signal}` : `exit status ${code}`;
        fail(new TickdError(HandlerCodes.SEND, `exec command failed: Output: ${output}: ${status}`));
      } else if (!settled) {
        settled = true;
        resolve();
      }
    });
    child.stdin.end(input);
  });
}

export function createExec(o: ExecOptions, ctx: HandlerContext): SerialHandler {
  return new SerialHandler(ctx, KIND, (event: AlertEvent, previousLevel: Level) =>
    run(o, alertJsonLine(event, previousLevel)),
  );
}

function execFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const [first, ...rest] = spec.args;
  const prog = argString(first);
  const args = rest.map(argString).filter((a): a is string => a !== undefined);
  return prog !== undefined ? { prog, args } : {};
}

/** tickd's `exec` service test: `prog args…` run with a test event's alert JSON on stdin. */
const execServiceTest: ServiceTestSpec = {
  name: "exec",
  options: () => ({
    prog: "/bin/cat",
    args: [],
    id: "testEntityID",
    message: "test exec message",
    level: "CRITICAL",
  }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("exec", raw);
    return {
      handlerOptions: { prog: o.string("prog"), args: o.strings("args") },
      event: testEvent({
        id: o.string("id"),
        message: o.string("message"),
        level: o.level("level"),
        timeMs: nowMs,
      }),
    };
  },
};

export const exec: HandlerKind<ExecOptions> = {
  kind: KIND,
  optionsSchema: execSchema,
  create: createExec,
  fromTickscript: execFromTickscript,
  secrets: [],
  serviceTest: execServiceTest,
};
