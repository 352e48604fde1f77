/**
 * TICKscript vocabulary and the one shared lexer.
 *
 * Two habits shape this file:
 * - Malformed literals (unterminated strings, `1.5s`, `10min`, `1.2.3`) are still tokens. They
 *   belong to the same category as the good form, so the parser accepts them where a value is
 *   expected and cst-to-ast reports one precise diagnostic instead of a cascade of parse errors.
 * - `/` is a regex or a division depending on the token before it, as in Kapacitor's lexer:
 *   after something that ends a value it divides, anywhere else it opens a regex.
 */
import { createToken, Lexer, type CustomPatternMatcherReturn, type IToken, type TokenType } from "chevrotain";

// ---- categories (what the parser consumes; the concrete token says whether it was well formed)

export const StringLit = createToken({ name: "StringLit", pattern: Lexer.NA, label: "a string" });
export const ReferenceLit = createToken({ name: "ReferenceLit", pattern: Lexer.NA, label: "a reference" });
export const RegexLit = createToken({ name: "RegexLit", pattern: Lexer.NA, label: "a regex" });
export const DurationLit = createToken({ name: "DurationLit", pattern: Lexer.NA, label: "a duration" });
export const FloatLit = createToken({ name: "FloatLit", pattern: Lexer.NA, label: "a float" });
export const EqualityOp = createToken({ name: "EqualityOp", pattern: Lexer.NA, label: "a comparison" });
export const RelationalOp = createToken({ name: "RelationalOp", pattern: Lexer.NA, label: "a comparison" });
export const AdditiveOp = createToken({ name: "AdditiveOp", pattern: Lexer.NA, label: "'+' or '-'" });
export const MultiplicativeOp = createToken({
  name: "MultiplicativeOp",
  pattern: Lexer.NA,
  label: "'*', '/' or '%'",
});

// ---- trivia

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  // Non-breaking and other Unicode spaces sneak in when scripts are pasted from web pages;
  // Kapacitor (unicode.IsSpace) ignores them, so do we.
  pattern: /[ \t\r\n\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const Comment = createToken({ name: "Comment", pattern: /\/\/[^\n\r]*/, group: "comments" });

// ---- strings and references (may span lines, as in Kapacitor, when closed)

export const TripleString = createToken({
  name: "TripleString",
  pattern: /'''[\s\S]*?'''/,
  categories: [StringLit],
  line_breaks: true,
  label: "a string",
});
/** No closing `'''` anywhere: swallow the rest of the file, there is nothing sound to resume at. */
export const UnterminatedTripleString = createToken({
  name: "UnterminatedTripleString",
  pattern: /'''[\s\S]*/,
  categories: [StringLit],
  line_breaks: true,
  label: "a string",
});
// A backslash escapes only a quote; `\'` can never be read as backslash + closing quote,
// which keeps the match deterministic (no backtracking) and matches Kapacitor's scanner.
export const SingleString = createToken({
  name: "SingleString",
  pattern: /'(?:[^'\\]|\\'|\\(?!'))*'/,
  categories: [StringLit],
  line_breaks: true,
  label: "a string",
});
/** No closing quote in the rest of the file: the user most likely forgot it on this line. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /'(?:[^'\\\r\n]|\\'|\\(?!'))*/,
  categories: [StringLit],
  label: "a string",
});
export const Reference = createToken({
  name: "Reference",
  pattern: /"(?:[^"\\]|\\"|\\(?!"))*"/,
  categories: [ReferenceLit],
  line_breaks: true,
  label: "a reference",
});
export const UnterminatedReference = createToken({
  name: "UnterminatedReference",
  pattern: /"(?:[^"\\\r\n]|\\"|\\(?!"))*/,
  categories: [ReferenceLit],
  label: "a reference",
});

// ---- regex (context-sensitive)

let valueEnders: ReadonlySet<TokenType> = new Set();

function regexAllowedAfter(tokens: IToken[]): boolean {
  const prev = tokens[tokens.length - 1];
  return prev === undefined || !valueEnders.has(prev.tokenType);
}

/** Index just after the closing `/`, or -1. `\/` is the only escape the scanner cares about. */
function scanRegex(text: string, offset: number, stopAtLineEnd: boolean): number {
  for (let i = offset + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */ && text.charCodeAt(i + 1) === 0x2f) i++;
    else if (c === 0x2f) return i + 1;
    else if (stopAtLineEnd && (c === 0x0a || c === 0x0d)) return -i;
  }
  return stopAtLineEnd ? -text.length : -1;
}

function matched(text: string): CustomPatternMatcherReturn {
  return [text] as CustomPatternMatcherReturn;
}

export const Regex = createToken({
  name: "Regex",
  pattern: {
    exec: (text: string, offset: number, tokens: IToken[]) => {
      if (text.charCodeAt(offset) !== 0x2f || text.charCodeAt(offset + 1) === 0x2f) return null;
      if (!regexAllowedAfter(tokens)) return null;
      const end = scanRegex(text, offset, false);
      return end < 0 ? null : matched(text.slice(offset, end));
    },
  },
  start_chars_hint: ["/"],
  categories: [RegexLit],
  line_breaks: true,
  label: "a regex",
});

export const UnterminatedRegex = createToken({
  name: "UnterminatedRegex",
  pattern: {
    exec: (text: string, offset: number, tokens: IToken[]) => {
      if (text.charCodeAt(offset) !== 0x2f || text.charCodeAt(offset + 1) === 0x2f) return null;
      if (!regexAllowedAfter(tokens)) return null;
      // Only reached when Regex failed, i.e. there is no closing slash: stop at the line end.
      const end = -scanRegex(text, offset, true);
      return matched(text.slice(offset, end));
    },
  },
  start_chars_hint: ["/"],
  categories: [RegexLit],
  line_breaks: false,
  label: "a regex",
});

// ---- numbers and durations

export const Duration = createToken({
  name: "Duration",
  pattern: /\d+(?:ms|u|µ|s|m|h|d|w)(?![A-Za-z0-9_µ])/,
  categories: [DurationLit],
  label: "a duration",
});
/** `1.5s`, `10min`, `1e5`, `10ns`: a number glued to letters. Reported by cst-to-ast. */
export const SuffixedNumber = createToken({
  name: "SuffixedNumber",
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)[A-Za-z_µ][A-Za-z0-9_µ]*/,
  categories: [DurationLit],
  label: "a duration",
});
/** `1.2.3` — Kapacitor: "multiple decimals in number". */
export const MultiDotNumber = createToken({
  name: "MultiDotNumber",
  pattern: /(?:\d+\.\d*|\.\d+)\.[\d.]*/,
  categories: [FloatLit],
  label: "a number",
});
export const Float = createToken({
  name: "Float",
  pattern: /\d+\.\d*|\.\d+/,
  categories: [FloatLit],
  label: "a number",
});
export const Integer = createToken({ name: "Integer", pattern: /\d+/, label: "a number" });

// ---- words

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z][A-Za-z0-9_]*/,
  label: "a name",
});
export const Var = createToken({ name: "Var", pattern: /var/, longer_alt: Identifier, label: "'var'" });
export const Dbrp = createToken({ name: "Dbrp", pattern: /dbrp/, longer_alt: Identifier, label: "'dbrp'" });
export const True = createToken({ name: "True", pattern: /TRUE/, longer_alt: Identifier, label: "TRUE" });
export const False = createToken({ name: "False", pattern: /FALSE/, longer_alt: Identifier, label: "FALSE" });
export const And = createToken({ name: "And", pattern: /AND/, longer_alt: Identifier, label: "AND" });
export const Or = createToken({ name: "Or", pattern: /OR/, longer_alt: Identifier, label: "OR" });
// `lambda` alone is an ordinary name (Kapacitor: "'lambda' is a valid identifier"); only the
// colon makes it the keyword.
export const Lambda = createToken({ name: "Lambda", pattern: /lambda:/, label: "'lambda:'" });

// ---- operators and punctuation

export const Equal = createToken({ name: "Equal", pattern: /==/, categories: [EqualityOp], label: "'=='" });
export const RegexMatch = createToken({
  name: "RegexMatch",
  pattern: /=~/,
  categories: [EqualityOp],
  label: "'=~'",
});
export const NotEqual = createToken({
  name: "NotEqual",
  pattern: /!=/,
  categories: [EqualityOp],
  label: "'!='",
});
export const RegexNotMatch = createToken({
  name: "RegexNotMatch",
  pattern: /!~/,
  categories: [EqualityOp],
  label: "'!~'",
});
export const Assign = createToken({ name: "Assign", pattern: /=/, label: "'='" });
export const Bang = createToken({ name: "Bang", pattern: /!/, label: "'!'" });
export const LessEqual = createToken({
  name: "LessEqual",
  pattern: /<=/,
  categories: [RelationalOp],
  label: "'<='",
});
export const Less = createToken({ name: "Less", pattern: /</, categories: [RelationalOp], label: "'<'" });
export const GreaterEqual = createToken({
  name: "GreaterEqual",
  pattern: />=/,
  categories: [RelationalOp],
  label: "'>='",
});
export const Greater = createToken({
  name: "Greater",
  pattern: />/,
  categories: [RelationalOp],
  label: "'>'",
});
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [AdditiveOp], label: "'+'" });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [AdditiveOp], label: "'-'" });
/** `*` is both the star literal (`.groupBy(*)`) and multiplication; the parser tells them apart. */
export const Star = createToken({
  name: "Star",
  pattern: /\*/,
  categories: [MultiplicativeOp],
  label: "'*'",
});
export const Slash = createToken({
  name: "Slash",
  pattern: /\//,
  categories: [MultiplicativeOp],
  label: "'/'",
});
export const Percent = createToken({
  name: "Percent",
  pattern: /%/,
  categories: [MultiplicativeOp],
  label: "'%'",
});
/** Not TICKscript; recognised so `&&` / `||` get "write AND" instead of a cascade. */
export const AmpAmp = createToken({ name: "AmpAmp", pattern: /&&/, label: "'&&'" });
export const PipePipe = createToken({ name: "PipePipe", pattern: /\|\|/, label: "'||'" });
export const Pipe = createToken({ name: "Pipe", pattern: /\|/, label: "'|'" });
export const Dot = createToken({ name: "Dot", pattern: /\./, label: "'.'" });
export const At = createToken({ name: "At", pattern: /@/, label: "'@'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /]/, label: "']'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });

valueEnders = new Set<TokenType>([
  Identifier,
  True,
  False,
  Integer,
  Float,
  MultiDotNumber,
  Duration,
  SuffixedNumber,
  SingleString,
  TripleString,
  UnterminatedString,
  UnterminatedTripleString,
  Reference,
  UnterminatedReference,
  RParen,
  RBracket,
]);

/** Order matters: Chevrotain takes the first pattern that matches, not the longest. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  TripleString,
  UnterminatedTripleString,
  SingleString,
  UnterminatedString,
  Reference,
  UnterminatedReference,
  Regex,
  UnterminatedRegex,
  Duration,
  SuffixedNumber,
  MultiDotNumber,
  Float,
  Integer,
  Lambda,
  Var,
  Dbrp,
  True,
  False,
  And,
  Or,
  Identifier,
  Equal,
  RegexMatch,
  NotEqual,
  RegexNotMatch,
  Assign,
  Bang,
  LessEqual,
  Less,
  GreaterEqual,
  Greater,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  AmpAmp,
  PipePipe,
  Pipe,
  Dot,
  At,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  // categories last: they match nothing themselves
  StringLit,
  ReferenceLit,
  RegexLit,
  DurationLit,
  FloatLit,
  EqualityOp,
  RelationalOp,
  AdditiveOp,
  MultiplicativeOp,
];

export const tickLexer = new Lexer(allTokens, {
  ensureOptimizations: true,
  positionTracking: "full",
});
