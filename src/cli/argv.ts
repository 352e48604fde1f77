/**
 * Kapacitor's CLI uses Go's flag package, where `-tick f` and `--tick f` mean the same.
 * Commander only knows `--tick`, so single-dash long flags are rewritten before parsing.
 * Single-letter flags (`-h`, `-V`) and negative numbers are left alone.
 */
export function normalizeGoFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const arg of argv) {
    if (passthrough || arg === "--") {
      passthrough = true;
      out.push(arg);
      continue;
    }
    if (/^-[A-Za-z][A-Za-z0-9-]+(=.*)?$/.test(arg)) out.push(`-${arg}`);
    else out.push(arg);
  }
  return out;
}
