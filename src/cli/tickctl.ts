#!/usr/bin/env node
/**
 * tickctl — the tickd client, mirroring the `kapacitor` CLI. Offline tools (check) need no
 * daemon. Kapacitor's single-dash flags (`-tick`, `-dbrp`) are accepted too.
 */
import { Command } from "commander";
import { normalizeGoFlags } from "./argv.js";
import { runCheck } from "./check-command.js";
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

  return program;
}

await buildProgram().parseAsync(normalizeGoFlags(process.argv.slice(2)), { from: "user" });
