/** Runs tickctl's client commands in-process as a user types them (Kapacitor's single-dash flags too). */
import { Command } from "commander";
import { normalizeGoFlags } from "../../../../src/cli/argv.js";
import { registerClientCommands } from "../../../../src/cli/client/commands.js";

export interface TickctlRun {
  code: number | undefined;
  out: string;
  err: string;
}

export async function runTickctl(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<TickctlRun> {
  let out = "";
  let err = "";
  let code: number | undefined;
  const program = new Command("tickctl").exitOverride();
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerClientCommands(program, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    env,
    exit: (c) => (code = c),
  });
  try {
    await program.parseAsync(normalizeGoFlags(argv), { from: "user" });
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 99;
  }
  return { code, out, err };
}
