/**
 * One error class with a stable `code`; callers branch on the code, never the message.
 * Codes are listed here so they stay unique and greppable.
 */

export const ErrorCodes = {
  TICK_LEX: "E_TICK_LEX",
  TICK_PARSE: "E_TICK_PARSE",
  TICK_CHECK: "E_TICK_CHECK",
  EXPR_EVAL: "E_EXPR_EVAL",
  EXPR_TYPE: "E_EXPR_TYPE",
  EXPR_MISSING: "E_EXPR_MISSING",
  TEMPLATE_PARSE: "E_TEMPLATE_PARSE",
  TEMPLATE_EXEC: "E_TEMPLATE_EXEC",
  LINE_PROTOCOL: "E_LINE_PROTOCOL",
  INFLUXQL: "E_INFLUXQL",
  SRPL: "E_SRPL",
  JSON: "E_JSON",
  DURATION: "E_DURATION",
  CONFIG: "E_CONFIG",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | (string & {});

export class TickdError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TickdError";
    this.code = code;
  }
}

/** Normalises anything thrown into an Error (graphile-worker's habit: at every catch). */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === "string" ? e : JSON.stringify(e));
}
