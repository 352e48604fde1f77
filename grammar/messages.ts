/**
 * Every sentence the grammar says to a user lives here. Chevrotain's exceptions arrive as
 * structured JSON (see parser.ts) and are rephrased by looking at the tokens around the
 * failure, because "expected ')' to close .crit( opened at line 3 column 10" helps an SRE and
 * "MismatchedTokenException" does not. Tokens are named by what they look like, never by
 * their Chevrotain names.
 */
import type { ILexingError, IRecognitionException, IToken, TokenType } from "chevrotain";
import type { Diagnostic } from "./diagnostic.js";
import type { RawParseError } from "./parser.js";
import * as T from "./tokens.js";

export const LEX = "E_TICK_LEX";
export const PARSE = "E_TICK_PARSE";

/** Where a diagnostic points; `end*` are just after the last character. */
export interface Range {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export function makeDiagnostic(
  code: string,
  file: string,
  range: Range,
  message: string,
  extra: { expected?: string[]; hint?: string } = {},
): Diagnostic {
  const d: Diagnostic = { code, severity: "error", message, file, ...range };
  if (extra.expected !== undefined && extra.expected.length > 0) d.expected = extra.expected;
  if (extra.hint !== undefined) d.hint = extra.hint;
  return d;
}

// ---------------------------------------------------------------------------------------
// Literal problems found by cst-to-ast (the lexer accepted a malformed token on purpose)

const UNIT_NS: Record<string, bigint> = {
  w: 604_800_000_000_000n,
  d: 86_400_000_000_000n,
  h: 3_600_000_000_000n,
  m: 60_000_000_000n,
  s: 1_000_000_000n,
  ms: 1_000_000n,
  u: 1_000n,
  µ: 1_000n,
};
const UNITS_LARGEST_FIRST = ["w", "d", "h", "m", "s", "ms", "u"] as const;
export const DURATION_UNITS_TEXT = "u (or µ), ms, s, m, h, d and w";

export const literalMessages = {
  unterminatedString: () => ({ message: "unterminated string: add a closing '" }),
  unterminatedTripleString: () => ({
    message: "unterminated string: add a closing '''",
    hint: "a ''' string runs until the next ''' and may span lines",
  }),
  unterminatedReference: () => ({
    message: 'unterminated reference: add a closing "',
  }),
  unterminatedRegex: () => ({ message: "unterminated regex: add a closing /" }),
  invalidOctal: (raw: string) => ({
    message: `'${raw}' is not a valid octal number`,
    hint: "a leading 0 makes a number octal (digits 0-7); remove the leading 0 for a decimal number",
  }),
  intTooLarge: (raw: string) => ({ message: `${raw} is too large for a 64-bit integer` }),
  durationTooLong: (raw: string) => ({
    message: `duration ${raw} is too long: the limit is about 292 years`,
  }),
  multipleDecimals: (raw: string) => ({ message: `'${raw}' has more than one decimal point` }),
  /** `1.5s`, `10min`, `1e5`, `10ns`. */
  suffixedNumber: (raw: string) => {
    const m = /^(\d*)(?:\.(\d*))?(.*)$/s.exec(raw);
    const whole = m?.[1] ?? "";
    const frac = m?.[2];
    const suffix = m?.[3] ?? "";
    if (frac !== undefined && UNIT_NS[suffix] !== undefined) {
      const better = wholeDuration(whole, frac, suffix);
      return {
        message:
          better === undefined
            ? `durations take whole numbers: ${raw} cannot be written exactly`
            : `durations take whole numbers: write ${better}, not ${raw}`,
      };
    }
    if (/^[eE]\d+$/.test(suffix)) {
      return { message: `exponent notation such as ${raw} is not supported: write the number out` };
    }
    return {
      message: `unknown duration unit '${suffix}' in ${raw}`,
      hint:
        suffix === "ns"
          ? "the smallest unit is u (microseconds)"
          : `units are ${DURATION_UNITS_TEXT}; durations have no spaces or compound forms`,
    };
  },
  assignInExpression: () => ({
    message: "'=' is assignment only in var declarations; compare with ==",
    hint: "write ==",
  }),
  /** `and`, `Or`, `&&`, `||` used as operators. */
  wordOperator: (written: string, proper: "AND" | "OR") => ({
    message:
      written.toLowerCase() === proper.toLowerCase()
        ? `${written} is written ${proper} in TICKscript`
        : `'${written}' is written ${proper} in TICKscript`,
    hint: `write ${proper}`,
  }),
  lowercaseBool: (written: string) => ({
    message: `${written} is written ${written.toUpperCase()} in TICKscript`,
    hint: `write ${written.toUpperCase()}`,
  }),
  missingLambda: (suggestion: string | undefined) => ({
    message: "missing 'lambda:' before the expression",
    hint:
      suggestion === undefined
        ? "expressions that read fields are evaluated per point and must be lambdas"
        : `write lambda: ${suggestion}`,
  }),
  callAsChainHead: (name: string) => ({
    message: `a chain must start with stream, batch or a var name, not ${name}()`,
  }),
  /** `  window()` on its own line: the `|` or `.` before it was lost. */
  callAsStatement: (name: string) => ({
    message: `missing '|' or '.' before ${name}()`,
    hint: `chain a node with |${name}() or set a property with .${name}()`,
  }),
  chainInLambda: () => ({
    message: "a chain (|, . or @) cannot appear inside a lambda expression",
    hint: "did you forget a ')' to close the lambda's property?",
  }),
  tooDeep: (limit: number) => ({
    message: `nested too deeply: more than ${limit} levels of brackets or signs`,
    hint: "split the expression into vars",
  }),
  badVarType: (varName: string, typ: string) => ({
    message: `expected '=' or a type after var ${varName}, found '${typ}'`,
    expected: ["'='", "int, float, bool, string, regex, duration, lambda, list or star"],
    hint: `write var ${varName} = <value>, or var ${varName} float to take the value from the task's vars`,
  }),
};

/** `1.5s` → `1500ms`: the largest unit that expresses the value exactly. */
function wholeDuration(whole: string, frac: string, unit: string): string | undefined {
  const unitNs = UNIT_NS[unit];
  if (unitNs === undefined) return undefined;
  const scale = 10n ** BigInt(frac.length);
  const ns = BigInt((whole || "0") + frac) * unitNs;
  if (ns % scale !== 0n) return undefined;
  const total = ns / scale;
  for (const u of UNITS_LARGEST_FIRST) {
    const size = UNIT_NS[u] ?? 1n;
    if (total % size === 0n) return `${total / size}${u}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Lexer errors: characters no token starts with

const CHAR_HINTS: Record<string, string> = {
  "#": "comments start with //",
  ";": "statements need no ';' between them",
  ":": "':' only appears in 'lambda:', written with no space before the colon",
  "&": "write AND",
  _: "names start with a letter",
  "{": "templates such as {{ .ID }} go inside a string: '{{ .ID }}'",
  "}": "templates such as {{ .ID }} go inside a string: '{{ .ID }}'",
  "`": "strings use single quotes: 'text'",
  "\u2018": "replace typographic quotes with ' (strings) or \" (references)",
  "\u2019": "replace typographic quotes with ' (strings) or \" (references)",
  "\u201c": "replace typographic quotes with ' (strings) or \" (references)",
  "\u201d": "replace typographic quotes with ' (strings) or \" (references)",
};

export function lexErrorToDiagnostic(
  err: ILexingError,
  text: string,
  file: string,
  lines: LineIndex,
): Diagnostic {
  const bad = text.slice(err.offset, err.offset + Math.max(1, err.length));
  const first = String.fromCodePoint(bad.codePointAt(0) ?? 0x3f);
  const start = lines.position(err.offset);
  const end = lines.position(err.offset + bad.length);
  const message = bad.length > first.length ? `unknown characters '${bad}'` : `unknown character '${first}'`;
  let hint = CHAR_HINTS[first];
  // `lamda:` / `lambda :`: a name right before the colon means a misspelt or spaced lambda.
  if (first === ":" && /[A-Za-z]\s*$/.test(text.slice(Math.max(0, err.offset - 12), err.offset))) {
    hint = "did you mean 'lambda:'? (written with no space before the colon)";
  }
  if (hint === undefined && /\p{L}/u.test(first)) hint = "names may only use ASCII letters, digits and _";
  return makeDiagnostic(
    LEX,
    file,
    { line: start.line, column: start.column, endLine: end.line, endColumn: end.column },
    message,
    hint === undefined ? {} : { hint },
  );
}

/** Offset → 1-based line/column, using the same line breaks as the lexer (\n, \r\n, \r). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) this.starts.push(i + 1);
      else if (c === 0x0d) {
        if (text.charCodeAt(i + 1) === 0x0a) i++;
        this.starts.push(i + 1);
      }
    }
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }
}

// ---------------------------------------------------------------------------------------
// Parse errors

/** What a property or node usually takes, for "expected a value after .period(: ...". */
const ARGUMENT_HINTS: Record<string, string> = {};
for (const p of ["period", "every", "offset", "timeout", "tolerance", "stateChangesOnly", "emitTimeout"]) {
  ARGUMENT_HINTS[p] = "a duration such as 10s";
}
for (const p of ["crit", "warn", "info", "where", "critReset", "warnReset", "infoReset", "eval"]) {
  ARGUMENT_HINTS[p] = 'a lambda such as lambda: "value" > 90';
}
for (const p of [
  "mean",
  "sum",
  "count",
  "max",
  "min",
  "median",
  "first",
  "last",
  "spread",
  "stddev",
  "derivative",
]) {
  ARGUMENT_HINTS[p] = "a field name such as 'usage_idle'";
}
Object.assign(ARGUMENT_HINTS, {
  measurement: "a measurement name such as 'cpu'",
  as: "a name such as 'value'",
  groupBy: "tag names such as 'host', or *",
  id: "a template such as '{{ .Name }}:{{ .Group }}'",
  message: "a template such as '{{ .ID }} is {{ .Level }}'",
  details: "a template such as '{{ .Message }}'",
  topic: "a topic name such as 'cpu'",
  routingKey: "a routing key such as 'team'",
  post: "a URL such as 'http://example.com/alert'",
  flapping: "two floats such as 0.25, 0.5",
  history: "a whole number such as 21",
  database: "a database name such as 'telegraf'",
  retentionPolicy: "a retention policy name such as 'autogen'",
  deadman: "a threshold and a duration such as 0.0, 10m",
});

/** Token types that can begin a value (an argument, an operand, a var's value). */
const VALUE_STARTS = new Set<TokenType>([
  T.LParen,
  T.LBracket,
  T.Lambda,
  T.Integer,
  T.Float,
  T.MultiDotNumber,
  T.Duration,
  T.SuffixedNumber,
  T.SingleString,
  T.TripleString,
  T.UnterminatedString,
  T.UnterminatedTripleString,
  T.Reference,
  T.UnterminatedReference,
  T.Regex,
  T.UnterminatedRegex,
  T.True,
  T.False,
  T.Star,
  T.Identifier,
  T.Minus,
  T.Bang,
]);

const BINARY_OPERATORS = new Set<TokenType>([
  T.Or,
  T.And,
  T.AmpAmp,
  T.PipePipe,
  T.Equal,
  T.NotEqual,
  T.RegexMatch,
  T.RegexNotMatch,
  T.Assign,
  T.Less,
  T.LessEqual,
  T.Greater,
  T.GreaterEqual,
  T.Plus,
  T.Minus,
  T.Star,
  T.Slash,
  T.Percent,
]);

const LINK_SIGILS = new Set<TokenType>([T.Pipe, T.Dot, T.At]);
const KEYWORDS = new Set<TokenType>([T.Var, T.Dbrp, T.True, T.False, T.And, T.Or, T.Lambda]);

/** Malformed literals already reported by cst-to-ast: the parse error right after is noise. */
export const BROKEN_LITERALS = new Set<TokenType>([
  T.UnterminatedString,
  T.UnterminatedTripleString,
  T.UnterminatedReference,
  T.UnterminatedRegex,
]);

const EXPECTED_NAMES: Record<string, string> = {
  RParen: "')'",
  RBracket: "']'",
  LParen: "'('",
  Comma: "','",
  Dot: "'.'",
  Assign: "'='",
  Identifier: "a name",
  ReferenceLit: 'a quoted name such as "telegraf"',
  EOF: "the end of the script",
  Var: "var",
  Dbrp: "dbrp",
};

function clip(s: string, max = 24): string {
  const oneLine = s.replace(/\s+/g, " ");
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** A token as the user sees it: "'|'", "name 'foo'", "number 10", "the end of the script". */
export function describeToken(tok: IToken | undefined): string {
  if (tok === undefined || tok.tokenType.name === "EOF") return "the end of the script";
  const t = tok.tokenType;
  if (t === T.Identifier) return `name '${tok.image}'`;
  if (t === T.Integer || t === T.Float || t === T.MultiDotNumber) return `number ${tok.image}`;
  if (t === T.Duration || t === T.SuffixedNumber) return `duration ${tok.image}`;
  if (t.CATEGORIES?.includes(T.StringLit)) return `string ${clip(tok.image)}`;
  if (t.CATEGORIES?.includes(T.ReferenceLit)) return `reference ${clip(tok.image)}`;
  if (t.CATEGORIES?.includes(T.RegexLit)) return `regex ${clip(tok.image)}`;
  return `'${tok.image}'`;
}

export interface ParseContext {
  tokens: IToken[];
  file: string;
  lines: LineIndex;
  lexErrors: readonly ILexingError[];
  /** parseExpression: a bare expression, where `lambda:` is not written. */
  expressionOnly: boolean;
}

/** `and` / `or` typed in lower case, which the grammar accepts as operators. */
function isWordOperator(tok: IToken | undefined): boolean {
  if (tok?.tokenType !== T.Identifier) return false;
  const w = tok.image.toLowerCase();
  return w === "and" || w === "or";
}

function isEof(tok: IToken | undefined): boolean {
  return tok === undefined || tok.tokenType.name === "EOF" || Number.isNaN(tok.startOffset);
}

/** Index of `tok` in the vector (tokens.length for EOF). */
function indexOf(tokens: IToken[], tok: IToken): number {
  if (isEof(tok)) return tokens.length;
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = tokens[mid]?.startOffset ?? 0;
    if (s === tok.startOffset) return mid;
    if (s < tok.startOffset) lo = mid + 1;
    else hi = mid - 1;
  }
  return lo;
}

export function tokenRange(tok: IToken): Range {
  return {
    line: tok.startLine ?? 1,
    column: tok.startColumn ?? 1,
    endLine: tok.endLine ?? tok.startLine ?? 1,
    endColumn: (tok.endColumn ?? tok.startColumn ?? 0) + 1,
  };
}

/** Where "the end of the script" is: just after the last token (1:1 for an empty script). */
function eofRange(tokens: IToken[]): Range {
  const last = tokens[tokens.length - 1];
  if (last === undefined) return { line: 1, column: 1, endLine: 1, endColumn: 1 };
  const r = tokenRange(last);
  return { line: r.endLine, column: r.endColumn, endLine: r.endLine, endColumn: r.endColumn };
}

/** The `(` or `[` left open before index `idx`, if any. */
function unmatchedOpener(
  tokens: IToken[],
  idx: number,
  open: TokenType,
  close: TokenType,
): number | undefined {
  let depth = 0;
  for (let i = idx - 1; i >= 0; i--) {
    const t = tokens[i]?.tokenType;
    if (t === close) depth++;
    else if (t === open) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return undefined;
}

/** `.crit(`, `|from(`, `@udf(`, `sigma(` or `'('` for the `(` at index `i`. */
function openerName(tokens: IToken[], i: number): { text: string; name?: string } {
  const name = tokens[i - 1];
  if (name?.tokenType === T.Identifier) {
    const sigil = tokens[i - 2];
    if (sigil !== undefined && LINK_SIGILS.has(sigil.tokenType)) {
      return { text: `${sigil.image}${name.image}(`, name: name.image };
    }
    return { text: `${name.image}(`, name: name.image };
  }
  return { text: "'('" };
}

function at(tok: IToken): string {
  return `line ${tok.startLine ?? "?"} column ${tok.startColumn ?? "?"}`;
}

interface Phrase {
  message: string;
  expected?: string[];
  hint?: string;
}

const STATEMENT_EXPECTED = ["var", "dbrp", "a chain such as stream |from()"];
const VALUE_EXAMPLES = 'a value such as 10, 10s, \'text\', "field" or lambda: "value" > 90';

/** A list item that is neither a string, a name nor `*`; a "reference" there gets a hint. */
function badListItem(tok: IToken | undefined, found: string): Phrase {
  const hint =
    tok?.tokenType === T.Reference
      ? `strings in lists use single quotes: '${tok.image.slice(1, -1)}'`
      : undefined;
  return {
    message: `expected a string, a name or * in the list, found ${found}`,
    expected: ["a string", "a name", "'*'"],
    ...(hint === undefined ? {} : { hint }),
  };
}

function parseRaw(message: string): RawParseError {
  try {
    return JSON.parse(message) as RawParseError;
  } catch {
    return { kind: "mismatch", rule: "", expected: [] };
  }
}

/** The sentence for one parse error, from the tokens around it. */
function phrase(raw: RawParseError, tokens: IToken[], idx: number, expressionOnly: boolean): Phrase {
  const tok = tokens[idx];
  const prev = tokens[idx - 1];
  const prev2 = tokens[idx - 2];
  const pt = prev?.tokenType;
  const startsValue = tok !== undefined && VALUE_STARTS.has(tok.tokenType);
  const expects = (name: string): boolean => raw.expected.includes(name);
  const found = describeToken(tok);

  if (tok?.tokenType === T.Lambda && raw.rule !== "program" && !expects("EOF")) {
    return expressionOnly
      ? { message: "write the expression without 'lambda:'", expected: ["a value"] }
      : { message: "'lambda:' can only start a property's argument or a var's value", expected: ["a value"] };
  }

  // --- a value was due and something else came
  if (!startsValue && prev !== undefined && raw.rule !== "program") {
    if (pt === T.LParen && tok?.tokenType !== T.RParen && prev2?.tokenType === T.Identifier) {
      const opener = openerName(tokens, idx - 1);
      const wanted = opener.name === undefined ? undefined : ARGUMENT_HINTS[opener.name];
      return {
        message:
          wanted === undefined
            ? `expected a value or ')' after ${opener.text}, found ${found}`
            : `expected a value after ${opener.text}: ${wanted}`,
        expected: wanted === undefined ? ["a value", "')'"] : [wanted],
      };
    }
    if (pt === T.LParen) {
      return { message: `expected an expression after '(', found ${found}`, expected: ["a value"] };
    }
    if (pt === T.Comma) {
      const list = unmatchedOpener(tokens, idx, T.LBracket, T.RBracket);
      const call = unmatchedOpener(tokens, idx, T.LParen, T.RParen);
      if (list !== undefined && (call === undefined || list > call)) {
        return {
          message: `expected a string, a name or * after ',' in the list, found ${found}`,
          expected: ["a string", "a name", "'*'"],
        };
      }
      const where = call === undefined ? "" : ` in ${openerName(tokens, call).text}`;
      return {
        message: `expected another argument after ','${where}, found ${found}`,
        expected: ["a value"],
      };
    }
    if (pt === T.Lambda) {
      return {
        message: `expected an expression after lambda:, such as "value" > 90, found ${found}`,
        expected: ["an expression"],
      };
    }
    if (pt === T.Assign && prev2?.tokenType === T.Identifier && tokens[idx - 3]?.tokenType === T.Var) {
      return {
        message: `expected a value after var ${prev2.image} =, found ${found}`,
        expected: [VALUE_EXAMPLES],
      };
    }
    if ((pt !== undefined && BINARY_OPERATORS.has(pt)) || isWordOperator(prev)) {
      return { message: `expected a value after '${prev.image}', found ${found}`, expected: ["a value"] };
    }
    if (pt === T.Bang) {
      return { message: `expected a value after '!', found ${found}`, expected: ["a value"] };
    }
    if (pt === T.LBracket) return badListItem(tok, found);
  }

  // --- a list item of the wrong kind (e.g. a reference or a number)
  if (raw.rule === "listItem" || (raw.rule === "listLit" && pt === T.LBracket && startsValue)) {
    return badListItem(tok, found);
  }

  // --- links: |node(), .property(), @udf()
  if (expects("Identifier") && raw.kind === "mismatch") {
    if (pt === T.Pipe) return { message: `expected a node after |, such as |from(), found ${found}` };
    if (pt === T.Dot)
      return { message: `expected a property after '.', such as .period(10s), found ${found}` };
    if (pt === T.At) return { message: `expected a UDF name after @, such as @myUdf(), found ${found}` };
    if (pt === T.Var) {
      if (tok !== undefined && KEYWORDS.has(tok.tokenType)) {
        return { message: `'${tok.image}' is a keyword and cannot be a var name` };
      }
      return { message: `expected a var name after 'var', found ${found}`, expected: ["a name"] };
    }
  }
  if (
    expects("LParen") &&
    raw.kind === "mismatch" &&
    prev !== undefined &&
    pt === T.Identifier &&
    prev2 !== undefined &&
    LINK_SIGILS.has(prev2.tokenType)
  ) {
    const link = `${prev2.image}${prev.image}`;
    return {
      message: `expected '(' after ${link}: every node and property needs parentheses`,
      expected: ["'('"],
      hint: `write ${link}()`,
    };
  }

  // --- var declarations
  if (raw.rule === "varDecl" && raw.kind === "noViableAlt" && prev !== undefined && pt === T.Identifier) {
    return {
      message: `expected '=' or a type after var ${prev.image}, found ${found}`,
      expected: ["'='", "a type such as float"],
      hint: tok?.tokenType === T.Equal ? "use a single '=' to assign" : `write var ${prev.image} = <value>`,
    };
  }

  // --- dbrp "db"."rp"
  if (raw.rule === "dbrpStmt") {
    const example = 'such as dbrp "telegraf"."autogen"';
    const quoteHint =
      tok?.tokenType.CATEGORIES?.includes(T.StringLit) === true
        ? "database and retention policy names use double quotes"
        : undefined;
    const extra = quoteHint === undefined ? {} : { hint: quoteHint };
    if (pt === T.Dbrp) {
      const unquoted = tok?.tokenType === T.Identifier ? { hint: 'quote both names: dbrp "db"."rp"' } : extra;
      return { message: `expected a quoted database name after dbrp, ${example}`, ...unquoted };
    }
    if (pt === T.Dot)
      return { message: `expected a quoted retention policy after '.', ${example}`, ...extra };
    if (expects("Dot")) {
      return { message: `expected '.' between the database and the retention policy, ${example}` };
    }
  }

  // --- unclosed brackets
  if (expects("RParen") && (raw.kind === "mismatch" || raw.expected.length === 1)) {
    const open = unmatchedOpener(tokens, idx, T.LParen, T.RParen);
    const openTok = open === undefined ? undefined : tokens[open];
    if (open !== undefined && openTok !== undefined) {
      const what = openerName(tokens, open).text;
      return {
        message: `expected ')' to close ${what} opened at ${at(openTok)}`,
        expected: ["')'"],
        ...closeParenHint(prev, tok, startsValue),
      };
    }
  }
  if (expects("RBracket") && raw.kind === "mismatch") {
    const open = unmatchedOpener(tokens, idx, T.LBracket, T.RBracket);
    const openTok = open === undefined ? undefined : tokens[open];
    if (openTok !== undefined) {
      return { message: `expected ']' to close the list opened at ${at(openTok)}`, expected: ["']'"] };
    }
  }

  // --- something that cannot start a statement
  if (raw.rule === "program" || expects("EOF")) {
    const t = tok?.tokenType;
    if (t === T.Assign) {
      const startOfStatement = prev?.tokenType === T.Identifier ? prev : undefined;
      return {
        ...literalMessages.assignInExpression(),
        hint:
          startOfStatement === undefined
            ? "write =="
            : `to declare a var, write var ${startOfStatement.image} = <value>`,
      };
    }
    if (t === T.PipePipe)
      return { message: "unexpected '||': chain a node with a single |", hint: "write |" };
    if (t === T.RParen) return { message: "unexpected ')': there is no '(' open here" };
    if (t === T.RBracket) return { message: "unexpected ']': there is no '[' open here" };
    if (t !== undefined && LINK_SIGILS.has(t)) {
      return {
        message: `unexpected '${tok?.image ?? ""}': a chain must start with stream, batch or a var name`,
        expected: STATEMENT_EXPECTED,
      };
    }
    if (t === T.Lambda) {
      return {
        message: "a lambda can only be a property's argument or a var's value",
        expected: STATEMENT_EXPECTED,
      };
    }
    return { message: `unexpected ${found}: expected a statement`, expected: STATEMENT_EXPECTED };
  }

  if (!startsValue && (raw.rule === "primary" || raw.rule === "unaryExpr" || raw.rule === "expression")) {
    return { message: `expected a value, found ${found}`, expected: ["a value"] };
  }

  const expected = [...new Set(raw.expected.map((n) => EXPECTED_NAMES[n] ?? "a value"))];
  return { message: `unexpected ${found}`, expected };
}

/**
 * All parse errors as diagnostics, at most one per token, dropping errors that are only
 * echoes of a lexer problem just before them.
 */
export function parseErrorsToDiagnostics(
  errors: readonly IRecognitionException[],
  ctx: ParseContext,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  let lastIdx = -1;
  for (const err of errors) {
    const idx = indexOf(ctx.tokens, err.token);
    if (seen.has(idx)) continue;
    seen.add(idx);
    const raw = parseRaw(err.message);
    const previousError = lastIdx;
    lastIdx = idx;
    // Leftovers that recovery skipped to end a broken statement, or a second complaint a
    // couple of tokens after the first: the first error already explains them.
    if (
      previousError >= 0 &&
      !startsStatementBetween(ctx.tokens, previousError, idx) &&
      (raw.expected.includes("EOF") || idx - previousError <= CASCADE_TOKENS)
    ) {
      continue;
    }
    const prev = ctx.tokens[idx - 1];
    if (prev !== undefined && BROKEN_LITERALS.has(prev.tokenType)) continue;
    const tok = ctx.tokens[idx];
    const from = prev === undefined ? 0 : (prev.endOffset ?? prev.startOffset) + 1;
    const to = tok === undefined ? Number.POSITIVE_INFINITY : tok.startOffset;
    if (ctx.lexErrors.some((e) => e.offset >= from && e.offset <= to)) continue;
    const p = phrase(raw, ctx.tokens, idx, ctx.expressionOnly);
    const range = tok === undefined ? eofRange(ctx.tokens) : tokenRange(tok);
    out.push(
      makeDiagnostic(PARSE, ctx.file, range, p.message, {
        ...(p.expected === undefined ? {} : { expected: p.expected }),
        ...(p.hint === undefined ? {} : { hint: p.hint }),
      }),
    );
  }
  return out;
}

/** Why a value sits where `)` was due: a spaced duration (`10 s`) or a missing comma. */
function closeParenHint(
  prev: IToken | undefined,
  tok: IToken | undefined,
  startsValue: boolean,
): { hint?: string } {
  if (prev?.tokenType === T.Integer && tok?.tokenType === T.Identifier && UNIT_NS[tok.image] !== undefined) {
    return { hint: `durations have no space: write ${prev.image}${tok.image}` };
  }
  return startsValue && tok?.tokenType !== T.Identifier ? { hint: "separate arguments with ','" } : {};
}

/** How close (in tokens) a second parse error must be to the first to count as its echo. */
const CASCADE_TOKENS = 3;

function startsStatementBetween(tokens: IToken[], from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) {
    const t = tokens[i]?.tokenType;
    if (t === T.Var || t === T.Dbrp) return true;
  }
  return false;
}
