/**
 * `tickctl check <files…>`: parses and checks TICKscripts offline, as `kapacitor define` would,
 * and prints every problem with its source line and a caret.
 *
 * Exit code: 0 when no file has an error (warnings are fine), 1 when any has, 2 when a file
 * cannot be read (that wins over 1: the check is incomplete). A dbrp is not required here, since
 * `tickctl define -dbrp` may supply it.
 */
import { readFile } from "node:fs/promises";
import { formatDiagnostic, type Diagnostic } from "../../grammar/diagnostic.js";
import { checkScript } from "../pipeline/check.js";
import { readErrorReason } from "./read-error.js";

export interface CheckCommandOptions {
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
}

interface FileReport {
  file: string;
  diagnostics: Diagnostic[];
  /** Set when the file could not be read. */
  error?: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export async function runCheck(files: string[], opts: CheckCommandOptions): Promise<number> {
  const reports: FileReport[] = [];
  let unreadable = 0;
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      const reason = readErrorReason(e);
      const message = `cannot read ${file}: ${reason}`;
      opts.err(`tickctl check: ${message}\n`);
      reports.push({ file, diagnostics: [], error: message });
      unreadable++;
      continue;
    }
    const { diagnostics } = checkScript(text, file);
    for (const d of diagnostics) {
      if (d.severity === "error") errors++;
      else warnings++;
      if (!opts.json) opts.out(`${formatDiagnostic(d, text)}\n`);
    }
    reports.push({ file, diagnostics });
  }
  if (opts.json) {
    opts.out(`${JSON.stringify({ files: reports, errors, warnings }, null, 2)}\n`);
  } else {
    opts.out(
      `checked ${plural(files.length - unreadable, "file")}: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n`,
    );
  }
  if (unreadable > 0) return 2;
  return errors > 0 ? 1 : 0;
}
