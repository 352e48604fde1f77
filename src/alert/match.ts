/**
 * Topic-handler `match` expressions (KAPACITOR-COMPAT.md §5): a TICKscript expression without
 * `lambda:`, compiled once per handler and evaluated per event.
 *
 * - `"host"` reads the event's tag `host` (tags only, as Kapacitor); a tag the event lacks is
 *   an error (`no tag exists for host`), so the caller skips the handler and logs it.
 * - Identifiers: only OK, INFO, WARNING, CRITICAL (ints 0–3).
 * - Functions: changed() (level ≠ the topic's previous level for this event id), level(),
 *   name(), taskName(), alertDuration(), plus every built-in. `duration()` stays the cast.
 */
import { parseExpression } from "../../grammar/index.js";
import type { AlertEvent } from "../core/alert-event.js";
import { ErrorCodes, TickdError } from "../core/errors.js";
import type { Level } from "../core/types.js";
import {
  Duration,
  tryCompileExpression,
  type CompiledExpr,
  type ExprFunction,
  type Scope,
  type StaticType,
  type Value,
} from "../expr/index.js";

export const MATCH_ERROR = "E_HANDLER_SPEC";

/** An invalid match expression; `line`/`column` are 1-based positions inside the expression text. */
export class MatchError extends TickdError {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(MATCH_ERROR, `invalid match expression: ${reason} (line ${line}, column ${column})`);
    this.name = "MatchError";
  }
}

/** What match functions read: the Scope the compiled expression sees, plus the event. */
interface MatchScope extends Scope {
  readonly event: AlertEvent;
  readonly previousLevel: Level;
}

function eventFunction(ret: StaticType, read: (s: MatchScope) => Value): ExprFunction {
  return { sigs: [{ args: [], ret }], create: () => (_args, scope) => read(scope as MatchScope) };
}

const IDENTIFIERS: ReadonlyMap<string, Value> = new Map<string, Value>([
  ["OK", 0n],
  ["INFO", 1n],
  ["WARNING", 2n],
  ["CRITICAL", 3n],
]);

const FUNCTIONS: ReadonlyMap<string, ExprFunction> = new Map([
  ["changed", eventFunction("bool", (s) => s.event.state.level !== s.previousLevel)],
  ["level", eventFunction("int", (s) => BigInt(s.event.state.level))],
  ["name", eventFunction("string", (s) => s.event.data.name)],
  ["taskName", eventFunction("string", (s) => s.event.data.taskName)],
  ["alertDuration", eventFunction("duration", (s) => new Duration(s.event.state.duration))],
]);

const NO_FIELDS: Readonly<Record<string, never>> = Object.freeze({});

export interface CompiledMatch {
  readonly source: string;
  /** True when the handler should see the event. Throws TickdError for a missing tag or a type error. */
  matches(event: AlertEvent, previousLevel: Level): boolean;
}

/**
 * Compiles a match expression; `undefined` for an empty one (every event matches). Throws
 * MatchError (code E_HANDLER_SPEC) with the position of the first problem.
 */
export function compileMatch(source: string): CompiledMatch | undefined {
  if (source.trim() === "") return undefined;
  const parsed = parseExpression(source, "match");
  const firstError = parsed.diagnostics.find((d) => d.severity === "error");
  if (firstError !== undefined) {
    throw new MatchError(withHint(firstError.message, firstError.hint), firstError.line, firstError.column);
  }
  if (parsed.expr === undefined) throw new MatchError("empty expression", 1, 1);
  const { compiled, problems } = tryCompileExpression(parsed.expr, {
    identifiers: IDENTIFIERS,
    functions: FUNCTIONS,
    expect: "bool",
  });
  if (compiled === undefined) {
    const p = problems[0];
    throw new MatchError(
      withHint(p?.message ?? "invalid expression", p?.hint),
      p?.span.start.line ?? 1,
      p?.span.start.column ?? 1,
    );
  }
  return new Match(source, compiled);
}

function withHint(message: string, hint: string | undefined): string {
  return hint === undefined ? message : `${message}; ${hint}`;
}

class Match implements CompiledMatch {
  /** Tag names read by the expression ("time" is the event time, as in lambdas). */
  private readonly tags: readonly string[];

  constructor(
    readonly source: string,
    private readonly expr: CompiledExpr,
  ) {
    this.tags = expr.references.filter((r) => r !== "time");
  }

  matches(event: AlertEvent, previousLevel: Level): boolean {
    const tags = event.data.tags;
    for (const t of this.tags) {
      // Kapacitor's wording; checked up front so the message names the tag, not a "field or tag".
      if (!Object.hasOwn(tags, t)) throw new TickdError(ErrorCodes.EXPR_MISSING, `no tag exists for ${t}`);
    }
    const scope: MatchScope = { fields: NO_FIELDS, tags, time: event.state.time, event, previousLevel };
    return this.expr.evalBool(scope);
  }
}
