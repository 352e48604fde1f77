/**
 * Human output of the client commands, laid out as the `kapacitor` CLI prints it: left-aligned
 * columns as wide as their longest cell plus one space, Go's `%q` for dbrps, RFC 822 dates.
 */
import { formatGoDuration, formatGoFloat, goQuote } from "../../core/go-format.js";

/** Display width as Go's fmt counts it (runes, not UTF-16 units). */
function width(s: string): number {
  return [...s].length;
}

/** Go's `%-Ns`. */
export function padRight(s: string, n: number): string {
  const w = width(s);
  return w >= n ? s : s + " ".repeat(n - w);
}

/** Go's `%Ns`. */
export function padLeft(s: string, n: number): string {
  const w = width(s);
  return w >= n ? s : " ".repeat(n - w) + s;
}

/** Column width for `%-Ns`: the longest cell (at least `min`) plus one space. */
export function columnWidth(cells: readonly string[], min: number): number {
  return Math.max(min, ...cells.map(width)) + 1;
}

export interface Dbrp {
  db: string;
  rp: string;
}

/** Go's `fmt.Sprint([]DBRP)`: `["telegraf"."autogen" "other"."rp"]`. */
export function formatDbrps(dbrps: readonly Dbrp[] | undefined): string {
  return `[${(dbrps ?? []).map((d) => `${goQuote(d.db)}.${goQuote(d.rp)}`).join(" ")}]`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const RFC3339 = /^(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Go's `time.RFC822` layout ("02 Jan 06 15:04 MST") of an RFC 3339 time from the API, in the
 * offset it was written with: `Z` prints as UTC, any other offset as `+hhmm`. Anything that
 * is not RFC 3339 is printed as given.
 */
export function formatRfc822(time: unknown): string {
  if (typeof time !== "string") return "";
  const m = RFC3339.exec(time);
  if (m === null) return time;
  const [, year = "", month = "", day = "", hour = "", minute = "", , zone = ""] = m;
  const monthName = MONTHS[Number(month) - 1] ?? month;
  const tz = zone === "Z" ? "UTC" : zone.replace(":", "");
  return `${day} ${monthName} ${year.slice(-2)} ${hour}:${minute} ${tz}`;
}

/** A task var as `kapacitor show` prints its value (`%v` after the client decoded it). */
export function formatVarValue(type: unknown, value: unknown): string {
  if (type === "list" && Array.isArray(value)) {
    const items = value.map((item: unknown) => {
      const v = item as { type?: unknown; value?: unknown } | null;
      if (v?.type === "star") return "*";
      return typeof v?.value === "string" ? v.value : formatGoScalar(v?.value);
    });
    return `[${items.join(", ")}]`;
  }
  if (type === "duration" && typeof value === "number") return formatGoDuration(value);
  if (type === "int" && typeof value === "number" && Number.isInteger(value)) return BigInt(value).toString();
  if (type === "star") return "*";
  return formatGoScalar(value);
}

function formatGoScalar(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return formatGoFloat(value);
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return "<nil>";
    default:
      return value === null ? "<nil>" : JSON.stringify(value);
  }
}

/** Go's `fmt.Println(a, b, …)` for the string and bool operands `kapacitor show` prints. */
export function println(...args: (string | boolean | number)[]): string {
  return `${args.map((a) => String(a)).join(" ")}\n`;
}
