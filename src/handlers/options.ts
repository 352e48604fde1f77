/**
 * Strict option reading for handler kinds. Options arrive as written in handler files (YAML
 * or JSON), API bodies or from TICKscript: kebab-case keys, durations as ns numbers (or, as a
 * safe superset, strings like "10s"). Every error is E_HANDLER_OPTIONS and names the key.
 */
import { TickdError } from "../core/errors.js";
import { parseTickDuration } from "../core/go-format.js";
import type { ArgValue } from "../pipeline/task-graph.js";
import { HandlerCodes, type OptionsSchema } from "./types.js";

export function optionError(kind: string, key: string, message: string): TickdError {
  return new TickdError(HandlerCodes.OPTIONS, `${kind} handler: option "${key}": ${message}`);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  if (typeof v === "string") return JSON.stringify(v);
  return `${typeof v} ${String(v)}`;
}

/** Reads one kind's options; a key the kind does not declare is rejected up front. */
export class OptionReader {
  constructor(
    readonly kind: string,
    private readonly raw: Record<string, unknown>,
    private readonly known: readonly string[],
  ) {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new TickdError(
        HandlerCodes.OPTIONS,
        `${kind} handler: options must be a map, got ${describe(raw)}`,
      );
    }
    for (const key of Object.keys(raw)) {
      if (!known.includes(key)) {
        const list =
          known.length > 0 ? ` (known options: ${known.join(", ")})` : " (this kind takes no options)";
        throw new TickdError(HandlerCodes.OPTIONS, `${kind} handler: unknown option "${key}"${list}`);
      }
    }
  }

  error(key: string, message: string): TickdError {
    return optionError(this.kind, key, message);
  }

  private get(key: string): unknown {
    if (!this.known.includes(key)) throw new Error(`option ${key} is not declared for ${this.kind}`);
    const v = this.raw[key];
    return v === null ? undefined : v;
  }

  string(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw this.error(key, `expected a string, got ${describe(v)}`);
    return v;
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined || v === "") throw this.error(key, "is required");
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") throw this.error(key, `expected true or false, got ${describe(v)}`);
    return v;
  }

  /** ns: an integer (Kapacitor's form) or a duration string such as "10s" (tickd's superset). */
  duration(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v === "number" || typeof v === "bigint") {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0)
        throw this.error(key, `expected a duration in ns (0 or more), got ${String(v)}`);
      return n;
    }
    if (typeof v === "string") {
      const s = v.trim();
      if (/^\d+$/.test(s)) return Number(s);
      let ns: number;
      try {
        ns = parseTickDuration(s);
      } catch (e) {
        throw this.error(key, (e as Error).message);
      }
      if (ns < 0) throw this.error(key, `expected a duration of 0 or more, got ${JSON.stringify(v)}`);
      return ns;
    }
    throw this.error(key, `expected a duration (ns, or a string like "10s"), got ${describe(v)}`);
  }

  stringList(key: string): string[] | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw this.error(key, `expected a list of strings, got ${describe(v)}`);
    return v.map((item, i) => {
      if (typeof item !== "string")
        throw this.error(`${key}[${i}]`, `expected a string, got ${describe(item)}`);
      return item;
    });
  }

  /** A string, or a list of strings (tickd's superset for repeatable values). */
  stringOrList(key: string): string[] | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v === "string") return [v];
    return this.stringList(key);
  }

  stringMap(key: string): Record<string, string> | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== "object" || Array.isArray(v))
      throw this.error(key, `expected a map of strings, got ${describe(v)}`);
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      if (typeof item !== "string")
        throw this.error(`${key}.${k}`, `expected a string, got ${describe(item)}`);
      out[k] = item;
    }
    return out;
  }

  /** A raw value for kind-specific checks. */
  value(key: string): unknown {
    return this.get(key);
  }
}

/** Builds an {@link OptionsSchema} from the accepted keys and a reading function. */
export function schema<O>(
  kind: string,
  keys: readonly string[],
  read: (r: OptionReader) => O,
): OptionsSchema<O> {
  return { keys, parse: (raw) => read(new OptionReader(kind, raw, keys)) };
}

// ---------------------------------------------------------------------------------------------
// TICKscript argument helpers

export function argString(a: ArgValue | undefined): string | undefined {
  return a?.type === "string" ? a.value : undefined;
}

/** A TICKscript int (octal literals already resolved) as a number. */
export function argInt(a: ArgValue | undefined): number | undefined {
  if (a?.type === "int") return Number(a.value);
  if (a?.type === "float") return a.value;
  return undefined;
}
