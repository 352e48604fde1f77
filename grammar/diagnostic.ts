/**
 * Diagnostics shared by every stage that reads user text (TICKscript, match expressions,
 * templates, handler files). Pinned shape: `tickctl check --json` prints these objects.
 */

export type Severity = "error" | "warning";

export interface Diagnostic {
  /** Stable code, e.g. E_TICK_PARSE. Callers branch on this, never on the message. */
  code: string;
  severity: Severity;
  /** One sentence an SRE understands, no parser jargon. */
  message: string;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  endLine: number;
  endColumn: number;
  /** What would have been valid here, e.g. ["a duration such as 10s"]. */
  expected?: string[];
  /** Extra advice, e.g. "did you mean .crit?". */
  hint?: string;
}

/**
 * `file:line:col: error: message`, then the source line and a caret under the span,
 * then the hint. `source` is the whole file text; without it only the first line is printed.
 */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const head = `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
  const out = [head];
  if (source !== undefined) {
    const lineText = source.split(/\r?\n/)[d.line - 1];
    if (lineText !== undefined) {
      const width = d.endLine === d.line ? Math.max(1, d.endColumn - d.column) : 1;
      const gutter = `${d.line} | `;
      out.push(gutter + lineText.replace(/\t/g, " "));
      out.push(" ".repeat(gutter.length + d.column - 1) + "^".repeat(Math.min(width, 80)));
    }
  }
  if (d.expected !== undefined && d.expected.length > 0)
    out.push(`  expected ${joinAlternatives(d.expected)}`);
  if (d.hint !== undefined) out.push(`  hint: ${d.hint}`);
  return out.join("\n");
}

export function joinAlternatives(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** Sorts by file, line, column so output is stable whatever order stages found problems in. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
