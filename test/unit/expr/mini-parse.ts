/**
 * Test-only: a tiny TICKscript *expression* parser producing the pinned AST, so expression tests
 * read like TICKscript until grammar/ exports parseExpression. Single line, no error recovery.
 */
import type { BinaryOp, Expr, Pos, Span } from "../../../grammar/ast.js";

type Tok = { kind: string; text: string; start: number; end: number };

const DURATION = /^(\d+)(ns|ms|u|µ|s|m|h|d|w)(?![A-Za-z0-9_])/;
const NS: Record<string, number> = {
  ns: 1,
  u: 1e3,
  µ: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 604800e9,
};

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    let m: RegExpExecArray | null;
    if ((m = DURATION.exec(rest))) {
      toks.push({ kind: "dur", text: m[0], start: i, end: i + m[0].length });
    } else if ((m = /^\d+\.\d*|^\d+/.exec(rest))) {
      toks.push({ kind: "num", text: m[0], start: i, end: i + m[0].length });
    } else if (c === "'") {
      let j = i + 1;
      let v = "";
      while (j < src.length && src[j] !== "'") {
        if (src[j] === "\\" && src[j + 1] === "'") j++;
        v += src[j++];
      }
      toks.push({ kind: "str", text: v, start: i, end: j + 1 });
      i = j + 1;
      continue;
    } else if (c === '"') {
      let j = i + 1;
      let v = "";
      while (j < src.length && src[j] !== '"') {
        if (src[j] === "\\" && src[j + 1] === '"') j++;
        v += src[j++];
      }
      toks.push({ kind: "ref", text: v, start: i, end: j + 1 });
      i = j + 1;
      continue;
    } else if (c === "/" && (toks.length === 0 || isOperatorTok(toks[toks.length - 1]!))) {
      let j = i + 1;
      let v = "";
      while (j < src.length && src[j] !== "/") {
        if (src[j] === "\\" && src[j + 1] === "/") j++;
        v += src[j++];
      }
      toks.push({ kind: "regex", text: v, start: i, end: j + 1 });
      i = j + 1;
      continue;
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      toks.push({ kind: "ident", text: m[0], start: i, end: i + m[0].length });
    } else if ((m = /^(==|!=|=~|!~|<=|>=|<|>|\+|-|\*|\/|%|!|\(|\)|,)/.exec(rest))) {
      toks.push({ kind: "op", text: m[0], start: i, end: i + m[0].length });
    } else {
      throw new Error(`mini-parse: unexpected ${c} at ${i}`);
    }
    i = toks[toks.length - 1]!.end;
  }
  return toks;
}

function isOperatorTok(t: Tok): boolean {
  return (t.kind === "op" && t.text !== ")") || (t.kind === "ident" && (t.text === "AND" || t.text === "OR"));
}

const LEVELS: BinaryOp[][] = [
  ["OR"],
  ["AND"],
  ["==", "!=", "=~", "!~"],
  ["<", "<=", ">", ">="],
  ["+", "-"],
  ["*", "/", "%"],
];

export function parseExpr(src: string): Expr {
  const toks = lex(src);
  let p = 0;
  const pos = (offset: number): Pos => ({ line: 1, column: offset + 1, offset });
  const span = (a: number, b: number): Span => ({ start: pos(a), end: pos(b) });
  const peek = (): Tok | undefined => toks[p];
  const expect = (text: string): Tok => {
    const t = toks[p++];
    if (t === undefined || t.text !== text) throw new Error(`mini-parse: expected ${text}`);
    return t;
  };

  function binary(level: number): Expr {
    if (level === LEVELS.length) return unary();
    let left = binary(level + 1);
    for (;;) {
      const t = peek();
      if (
        t === undefined ||
        !(t.kind === "op" || t.kind === "ident") ||
        !(LEVELS[level] as string[]).includes(t.text)
      )
        return left;
      p++;
      const right = binary(level + 1);
      left = {
        type: "Binary",
        op: t.text as BinaryOp,
        opSpan: span(t.start, t.end),
        left,
        right,
        span: { start: left.span.start, end: right.span.end },
      };
    }
  }

  function unary(): Expr {
    const t = peek();
    if (t && t.kind === "op" && (t.text === "-" || t.text === "!")) {
      p++;
      const operand = unary();
      return { type: "Unary", op: t.text, operand, span: { start: pos(t.start), end: operand.span.end } };
    }
    return primary();
  }

  function primary(): Expr {
    const t = toks[p++];
    if (t === undefined) throw new Error("mini-parse: unexpected end");
    const sp = span(t.start, t.end);
    switch (t.kind) {
      case "dur": {
        const m = DURATION.exec(t.text)!;
        return { type: "Duration", ns: Number(m[1]) * NS[m[2]!]!, raw: t.text, span: sp };
      }
      case "num":
        if (t.text.includes(".")) return { type: "Float", value: Number(t.text), raw: t.text, span: sp };
        return {
          type: "Int",
          value:
            t.text.length > 1 && t.text.startsWith("0") ? BigInt("0o" + t.text.slice(1)) : BigInt(t.text),
          raw: t.text,
          span: sp,
        };
      case "str":
        return { type: "String", value: t.text, triple: false, span: sp };
      case "ref":
        return { type: "Reference", name: t.text, span: sp };
      case "regex":
        return { type: "Regex", pattern: t.text, span: sp };
      case "ident": {
        if (t.text === "TRUE" || t.text === "FALSE")
          return { type: "Bool", value: t.text === "TRUE", span: sp };
        if (peek()?.text === "(") {
          p++;
          const args: Expr[] = [];
          while (peek()?.text !== ")") {
            args.push(binary(0));
            if (peek()?.text === ",") p++;
          }
          const close = expect(")");
          return { type: "Call", name: t.text, nameSpan: sp, args, span: span(t.start, close.end) };
        }
        return { type: "Identifier", name: t.text, span: sp };
      }
      case "op":
        if (t.text === "(") {
          const e = binary(0);
          expect(")");
          return e;
        }
    }
    throw new Error(`mini-parse: unexpected ${t.text}`);
  }

  const e = binary(0);
  if (p !== toks.length) throw new Error(`mini-parse: trailing ${toks[p]!.text}`);
  return e;
}
