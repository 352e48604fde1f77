/**
 * Public API of the TICKscript grammar. Nothing outside grammar/ imports Chevrotain.
 *
 * Both functions never throw on user input: every problem is a Diagnostic (code E_TICK_LEX or
 * E_TICK_PARSE), sorted by position. When diagnostics are present the AST is still returned,
 * but it is partial: pieces the parser had to skip are left out.
 */
import type { IToken } from "chevrotain";
import type { Expr, Program } from "./ast.js";
import { expressionToAst, programToAst, type AstContext } from "./cst-to-ast.js";
import type { OrExprCstNode, ProgramCstNode } from "./cst.js";
import { sortDiagnostics, type Diagnostic } from "./diagnostic.js";
import {
  lexErrorToDiagnostic,
  LineIndex,
  literalMessages,
  makeDiagnostic,
  PARSE,
  parseErrorsToDiagnostics,
  tokenRange,
} from "./messages.js";
import { tickParser } from "./parser.js";
import {
  Bang,
  Dbrp,
  Identifier,
  LBracket,
  LParen,
  Minus,
  RBracket,
  RParen,
  tickLexer,
  Var,
} from "./tokens.js";

export type * from "./ast.js";
export type { Diagnostic, Severity } from "./diagnostic.js";
export { formatDiagnostic, joinAlternatives, sortDiagnostics } from "./diagnostic.js";

export interface ParseResult {
  /** Undefined only if nothing could be built; check `diagnostics` before trusting it. */
  ast: Program | undefined;
  diagnostics: Diagnostic[];
}

export interface ExpressionResult {
  expr: Expr | undefined;
  diagnostics: Diagnostic[];
}

/** The whole lex → parse → AST run, shared by both entry points. */
function run<R>(
  text: string,
  file: string,
  expressionOnly: boolean,
  start: () => unknown,
  build: (cst: unknown, comments: IToken[], ctx: AstContext) => R,
): { result: R | undefined; diagnostics: Diagnostic[] } {
  const lexed = tickLexer.tokenize(text);
  const lines = new LineIndex(text);
  const diagnostics: Diagnostic[] = lexed.errors.map((e) => lexErrorToDiagnostic(e, text, file, lines));
  const tooDeep = findExcessiveNesting(lexed.tokens);
  if (tooDeep !== undefined) {
    // Parsing would recurse past the JS stack (error recovery is the deepest path).
    const p = literalMessages.tooDeep(MAX_NESTING);
    diagnostics.push(makeDiagnostic(PARSE, file, tokenRange(tooDeep), p.message, { hint: p.hint }));
    return { result: undefined, diagnostics: sortDiagnostics(diagnostics) };
  }
  tickParser.input = lexed.tokens;
  const cst = start();
  // Parse errors first: cst-to-ast diagnostics sit on tokens the parser accepted.
  diagnostics.push(
    ...parseErrorsToDiagnostics(tickParser.errors, {
      tokens: lexed.tokens,
      file,
      lines,
      lexErrors: lexed.errors,
      expressionOnly,
    }),
  );
  const ctx: AstContext = { file, text, diagnostics, declared: new Set(), structural: new Map() };
  const comments = lexed.groups["comments"] ?? [];
  const result = build(cst, comments, ctx);
  const errorOffsets = [
    ...lexed.errors.map((e) => e.offset),
    ...tickParser.errors.map((e) => (Number.isNaN(e.token.startOffset) ? text.length : e.token.startOffset)),
  ];
  const kept = dropCascades(diagnostics, ctx.structural, errorOffsets, lexed.tokens);
  return { result, diagnostics: dedupe(sortDiagnostics(kept)) };
}

/**
 * A structural complaint ("missing '|' before window()") that follows a syntax error in the
 * same statement is usually recovery's doing, not the user's: keep it only if a new
 * statement (var, dbrp, or a name at the start of a line) begins between the two.
 */
function dropCascades(
  diagnostics: Diagnostic[],
  structural: Map<Diagnostic, number>,
  errorOffsets: number[],
  tokens: IToken[],
): Diagnostic[] {
  if (structural.size === 0 || errorOffsets.length === 0) return diagnostics;
  const starts = tokens
    .filter(
      (t) =>
        t.tokenType === Var || t.tokenType === Dbrp || (t.tokenType === Identifier && t.startColumn === 1),
    )
    .map((t) => t.startOffset);
  return diagnostics.filter((d) => {
    const at = structural.get(d);
    if (at === undefined) return true;
    let error = -1;
    for (const e of errorOffsets) if (e <= at && e > error) error = e;
    if (error < 0) return true;
    return starts.some((s) => s > error && s <= at);
  });
}

/**
 * Real scripts nest a handful of levels; the limit keeps recursive descent (and recovery,
 * which recurses further) far from the stack limit on hostile or garbled input.
 */
const MAX_NESTING = 32;
const MAX_SIGNS = 100;

function findExcessiveNesting(tokens: IToken[]): IToken | undefined {
  let depth = 0;
  let signs = 0;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === LParen || type === LBracket) depth++;
    else if ((type === RParen || type === RBracket) && depth > 0) depth--;
    signs = type === Minus || type === Bang ? signs + 1 : 0;
    if (depth > MAX_NESTING || signs > MAX_SIGNS) return t;
  }
  return undefined;
}

/** One diagnostic per start position: the first (most specific) one wins. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.line}:${d.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The nesting pre-check keeps recursion shallow, so this only fires on inputs no one writes;
 * it keeps the promise that user text never makes these functions throw.
 */
function guarded<R>(file: string, f: () => { result: R | undefined; diagnostics: Diagnostic[] }) {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const p = literalMessages.tooDeep(MAX_NESTING);
    const at = { line: 1, column: 1, endLine: 1, endColumn: 1 };
    return { result: undefined, diagnostics: [makeDiagnostic(PARSE, file, at, p.message, { hint: p.hint })] };
  }
}

/** Parses a whole TICKscript. */
export function parse(text: string, file = "<input>"): ParseResult {
  const { result, diagnostics } = guarded(file, () =>
    run(
      text,
      file,
      false,
      () => tickParser.program(),
      (cst, comments, ctx) => programToAst(cst as ProgramCstNode, comments, ctx),
    ),
  );
  return { ast: result, diagnostics };
}

/**
 * Parses a bare expression with lambda rules but no `lambda:` keyword, e.g. a topic handler's
 * match: `"host" == 'a' AND level() >= WARNING` (OK, INFO, WARNING, CRITICAL are Identifiers).
 */
export function parseExpression(text: string, file = "<input>"): ExpressionResult {
  const { result, diagnostics } = guarded(file, () =>
    run(
      text,
      file,
      true,
      () => tickParser.orExpr(),
      (cst, _comments, ctx) => expressionToAst(cst as OrExprCstNode, ctx),
    ),
  );
  return { expr: result, diagnostics };
}
