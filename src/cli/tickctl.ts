#!/usr/bin/env node
/**
 * tickctl — the tickd client, mirroring the `kapacitor` CLI. Offline tools (check) need no
 * daemon. Kapacitor's single-dash flags (`-tick`, `-dbrp`) are accepted too.
 */
import { Command } from "commander";
import { normalizeGoFlags } from "./argv.js";
import { registerClientCommands } from "./client/commands.js";
import { runCheck } from "./check-command.js";
import { runTest } from "./test-command.js";
import { registerVerifySignatureCommand } from "./verify-signature.js";
import { VERSION } from "./version.js";

export function buildProgram(): Command {
  const program = new Command("tickctl")
    .description("Client for tickd, the Kapacitor-compatible alerting daemon")
    .version(VERSION)
    .showHelpAfterError();

  program
    .command("check")
    .description("check TICKscripts for syntax and semantic errors without a daemon (exit 1 on errors)")
    .argument("<files...>", "TICKscript files")
    .option("--json", "machine-readable output")
    .action(async (files: string[], opts: { json?: boolean }) => {
      process.exitCode = await runCheck(files, {
        json: opts.json === true,
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
      });
    });

  program
    .command("test")
    .description("replay data through a TICKscript with no daemon and print every alert event")
    .argument("<file>", "TICKscript file")
    .requiredOption("--data <file>", "points to replay: line protocol (.lp) or Kapacitor .srpl")
    .option("--json", "one line per alert event: the alert JSON .post() would send")
    .option(
      "--precision <p>",
      "timestamp precision: ns, u, ms, s, m, h (default ns for .lp, s for .srpl; a recording's .srpl is ns)",
    )
    .option("--var <name=value>", "task var as a TICKscript literal (repeatable)", collect, [])
    .option("--db <db>", "database of .lp points (default: the script's dbrp)")
    .option("--rp <rp>", "retention policy of .lp points (default: the script's dbrp)")
    .option("--task <id>", "task id used in templates and topics (default: the file name)")
    .option("--handlers <dir>", "topic handler files to route events through (nothing is sent)")
    .option("--config <file>", "config for handler settings ([victorops], [[httppost]], [[escalation]])")
    .action(
      async (
        file: string,
        opts: {
          data: string;
          json?: boolean;
          precision?: string;
          var: string[];
          db?: string;
          rp?: string;
          task?: string;
          handlers?: string;
          config?: string;
        },
      ) => {
        process.exitCode = await runTest(file, {
          data: opts.data,
          json: opts.json === true,
          ...(opts.precision !== undefined ? { precision: opts.precision } : {}),
          vars: opts.var,
          ...(opts.db !== undefined ? { db: opts.db } : {}),
          ...(opts.rp !== undefined ? { rp: opts.rp } : {}),
          ...(opts.task !== undefined ? { taskName: opts.task } : {}),
          ...(opts.handlers !== undefined ? { handlers: opts.handlers } : {}),
          ...(opts.config !== undefined ? { config: opts.config } : {}),
          out: (s) => process.stdout.write(s),
          err: (s) => process.stderr.write(s),
        });
      },
    );

  registerClientCommands(program);
  registerVerifySignatureCommand(program);

  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

await buildProgram().parseAsync(normalizeGoFlags(process.argv.slice(2)), { from: "user" });
