/**
 * Cron schedules for `|query().cron('…')` (Kapacitor's cronTicker, which uses the
 * gorhill/cronexpr syntax). Written from the syntax's documented rules:
 *
 * - 5 fields `min hour dom month dow` (seconds 0, any year), 6 fields = those 5 + `year`,
 *   7 fields = `sec min hour dom month dow year`.
 * - Each field: `*`, `?` (dom/dow), `a`, `a-b`, `*`/`a`/`a-b` followed by `/step`, comma lists;
 *   months `JAN`…`DEC`, weekdays `SUN`…`SAT` (0 or 7 = Sunday).
 * - `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`.
 * - Day of month and day of week: when both are restricted a day matches either (Vixie cron).
 * - Times are local wall-clock times (Kapacitor evaluates crons in the local zone).
 *
 * `L`, `W` and `#` are refused with a clear error: tickd does not implement them.
 */
import { TickdError } from "../core/errors.js";
import { timeFromMs } from "../core/time.js";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 0 1 1 * *",
  "@annually": "0 0 0 1 1 * *",
  "@monthly": "0 0 0 1 * * *",
  "@weekly": "0 0 0 * * 0 *",
  "@daily": "0 0 0 * * * *",
  "@midnight": "0 0 0 * * * *",
  "@hourly": "0 0 * * * * *",
};

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Index of names[0] (months start at 1). */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: "day of week", min: 0, max: 7, names: DAYS, nameBase: 0 },
  { name: "year", min: 1970, max: 2099 },
];

function bad(expr: string, msg: string): TickdError {
  return new TickdError("E_TASK_INVALID", `invalid cron expression ${JSON.stringify(expr)}: ${msg}`);
}

function parseValue(expr: string, f: FieldSpec, s: string): number {
  const up = s.toUpperCase();
  const named = f.names?.indexOf(up) ?? -1;
  if (named >= 0) return named + (f.nameBase ?? 0);
  if (!/^\d+$/.test(s)) throw bad(expr, `${f.name}: ${JSON.stringify(s)} is not a number`);
  const v = Number(s);
  if (v < f.min || v > f.max) throw bad(expr, `${f.name}: ${v} is outside ${f.min}-${f.max}`);
  return v;
}

/** One field → the set of values it allows, and whether it was a wildcard. */
function parseField(expr: string, f: FieldSpec, text: string): { set: Set<number>; any: boolean } {
  if (/[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (m) => (f.names?.includes(m.toUpperCase()) ? "" : m))))
    throw bad(expr, `${f.name}: L, W and # are not supported by tickd`);
  const set = new Set<number>();
  let any = false;
  for (const part of text.split(",")) {
    if (part === "") throw bad(expr, `${f.name}: empty list item`);
    const [range, stepText, extra] = part.split("/");
    if (extra !== undefined) throw bad(expr, `${f.name}: ${JSON.stringify(part)}`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0)
      throw bad(expr, `${f.name}: bad step in ${JSON.stringify(part)}`);
    let lo: number;
    let hi: number;
    if (range === "*" || range === "?") {
      lo = f.min;
      hi = f.name === "day of week" ? 6 : f.max;
      if (stepText === undefined) any = true;
    } else if (range!.includes("-")) {
      const [a, b] = range!.split("-");
      lo = parseValue(expr, f, a ?? "");
      hi = parseValue(expr, f, b ?? "");
      if (hi < lo) throw bad(expr, `${f.name}: range ${JSON.stringify(range)} runs backwards`);
    } else {
      lo = parseValue(expr, f, range!);
      // `a/step` runs from a to the field's end.
      hi = stepText === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) set.add(f.name === "day of week" && v === 7 ? 0 : v);
  }
  return { set, any };
}

export class CronSchedule {
  private readonly sec: Set<number>;
  private readonly min: Set<number>;
  private readonly hour: Set<number>;
  private readonly dom: Set<number>;
  private readonly month: Set<number>;
  private readonly dow: Set<number>;
  private readonly year: Set<number>;
  private readonly domAny: boolean;
  private readonly dowAny: boolean;

  constructor(readonly expr: string) {
    const text = expr.trim();
    const macro = MACROS[text.toLowerCase()];
    let parts = (macro ?? text).split(/\s+/).filter((p) => p !== "");
    if (parts.length === 5) parts = ["0", ...parts, "*"];
    else if (parts.length === 6) parts = ["0", ...parts];
    else if (parts.length !== 7) throw bad(expr, `expected 5 to 7 fields, got ${parts.length}`);
    const fields = parts.map((p, i) => parseField(expr, FIELDS[i]!, p));
    this.sec = fields[0]!.set;
    this.min = fields[1]!.set;
    this.hour = fields[2]!.set;
    this.dom = fields[3]!.set;
    this.month = fields[4]!.set;
    this.dow = fields[5]!.set;
    this.year = fields[6]!.set;
    this.domAny = fields[3]!.any;
    this.dowAny = fields[5]!.any;
  }

  private dayMatches(d: Date): boolean {
    const dom = this.dom.has(d.getDate());
    const dow = this.dow.has(d.getDay());
    if (this.domAny && this.dowAny) return true;
    if (this.domAny) return dow;
    if (this.dowAny) return dom;
    return dom || dow;
  }

  /**
   * The first scheduled time strictly after `ns` (nanoseconds since the epoch, whole
   * seconds in the answer), or undefined when the expression never fires again.
   */
  next(ns: bigint): bigint | undefined {
    // Start at the next whole second after `ns` (floored, also before the epoch).
    const sec = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n);
    const startMs = Number(sec) * 1000 + 1000;
    const d = new Date(startMs);
    // Bounded walk: at most one step per day/hour/minute/second field change up to 2100.
    for (let guard = 0; guard < 200_000; guard++) {
      if (d.getFullYear() > 2099) return undefined;
      if (!this.year.has(d.getFullYear())) {
        d.setFullYear(d.getFullYear() + 1, 0, 1);
        d.setHours(0, 0, 0, 0);
        continue;
      }
      if (!this.month.has(d.getMonth() + 1)) {
        d.setMonth(d.getMonth() + 1, 1);
        d.setHours(0, 0, 0, 0);
        continue;
      }
      if (!this.dayMatches(d)) {
        d.setDate(d.getDate() + 1);
        d.setHours(0, 0, 0, 0);
        continue;
      }
      if (!this.hour.has(d.getHours())) {
        d.setHours(d.getHours() + 1, 0, 0, 0);
        continue;
      }
      if (!this.min.has(d.getMinutes())) {
        d.setMinutes(d.getMinutes() + 1, 0, 0);
        continue;
      }
      if (!this.sec.has(d.getSeconds())) {
        d.setSeconds(d.getSeconds() + 1, 0);
        continue;
      }
      return timeFromMs(d.getTime());
    }
    return undefined;
  }
}
