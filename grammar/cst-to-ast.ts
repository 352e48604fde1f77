/**
 * CST → AST. Written as plain functions over the generated CST types (grammar/cst.d.ts)
 * rather than Chevrotain's reflective visitor: each function returns its own precise AST type,
 * and the compiler checks every child name against the grammar.
 *
 * Recovery can leave any child missing, even ones the grammar makes mandatory, so every
 * access is guarded and a piece that cannot be built is left out (its parse error has
 * already been reported). This is also where malformed-but-tokenised literals and the
 * "almost right" operators the grammar tolerates are turned into diagnostics.
 */
import type { IToken } from "chevrotain";
import type {
  BinaryOp,
  ChainLink,
  Comment,
  Expr,
  IdentifierExpr,
  Pos,
  Program,
  Span,
  Statement,
  VarType,
} from "./ast.js";
import type {
  AdditiveExprCstNode,
  AndExprCstNode,
  ArgListCstNode,
  ChainLinkCstNode,
  DbrpStmtCstNode,
  EqualityExprCstNode,
  ExpressionCstNode,
  IdentExprCstNode,
  LambdaExprCstNode,
  ListItemCstNode,
  ListLitCstNode,
  MultiplicativeExprCstNode,
  OrExprCstNode,
  PrimaryCstNode,
  ProgramCstNode,
  RelationalExprCstNode,
  StatementCstNode,
  UnaryExprCstNode,
  VarDeclCstNode,
} from "./cst.js";
import type { Diagnostic } from "./diagnostic.js";
import { LEX, literalMessages, makeDiagnostic, PARSE } from "./messages.js";
import * as T from "./tokens.js";

const VAR_TYPES: ReadonlySet<string> = new Set<VarType>([
  "int",
  "float",
  "bool",
  "string",
  "regex",
  "duration",
  "lambda",
  "list",
  "star",
]);

const UNIT_NS: Record<string, bigint> = {
  u: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};
const INT64_MAX = 9_223_372_036_854_775_807n;

const OPERATOR_OF: Record<string, BinaryOp> = {
  OR: "OR",
  AND: "AND",
  "==": "==",
  "!=": "!=",
  "=~": "=~",
  "!~": "!~",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
  "+": "+",
  "-": "-",
  "*": "*",
  "/": "/",
  "%": "%",
};
const COMPARISON_OR_LOGIC = new Set<BinaryOp>(["OR", "AND", "==", "!=", "=~", "!~", "<", "<=", ">", ">="]);

function first<X>(xs: readonly X[] | undefined): X | undefined {
  return xs?.[0];
}

function real(tok: IToken | undefined): tok is IToken {
  return tok !== undefined && !Number.isNaN(tok.startOffset) && tok.isInsertedInRecovery !== true;
}

function startPos(tok: IToken): Pos {
  return { line: tok.startLine ?? 1, column: tok.startColumn ?? 1, offset: tok.startOffset };
}

function endPos(tok: IToken): Pos {
  return {
    line: tok.endLine ?? tok.startLine ?? 1,
    column: (tok.endColumn ?? tok.startColumn ?? 0) + 1,
    offset: (tok.endOffset ?? tok.startOffset) + 1,
  };
}

function tokSpan(tok: IToken): Span {
  return { start: startPos(tok), end: endPos(tok) };
}

function join(a: Span, b: Span): Span {
  return { start: a.start, end: b.end };
}

export interface AstContext {
  file: string;
  text: string;
  diagnostics: Diagnostic[];
  /** Names declared with `var`, so a var legitimately called `true` is not flagged. */
  declared: Set<string>;
  /** Structural diagnostics and their start offsets; index.ts drops those that follow an error. */
  structural: Map<Diagnostic, number>;
}

class Builder {
  constructor(private readonly ctx: AstContext) {}

  /**
   * `structural`: a judgement about the shape of the tree, which is unreliable downstream of a
   * parse error in the same statement (recovery may have glued or split pieces).
   */
  private report(
    code: string,
    span: Span,
    p: { message: string; hint?: string; expected?: string[] },
    structural = false,
  ): void {
    const d = makeDiagnostic(
      code,
      this.ctx.file,
      {
        line: span.start.line,
        column: span.start.column,
        endLine: span.end.line,
        endColumn: span.end.column,
      },
      p.message,
      {
        ...(p.hint === undefined ? {} : { hint: p.hint }),
        ...(p.expected === undefined ? {} : { expected: p.expected }),
      },
    );
    if (structural) this.ctx.structural.set(d, span.start.offset);
    this.ctx.diagnostics.push(d);
  }

  // ---- statements

  program(cst: ProgramCstNode, comments: IToken[]): Program {
    for (const st of cst.children.statement ?? []) {
      const name = first(first(st.children.varDecl)?.children.name);
      if (real(name)) this.ctx.declared.add(name.image);
    }
    const statements: Statement[] = [];
    for (const st of cst.children.statement ?? []) {
      const s = this.statement(st);
      if (s !== undefined) statements.push(s);
    }
    const cs: Comment[] = comments.map((c) => ({ text: c.image, span: tokSpan(c) }));
    return { type: "Program", file: this.ctx.file, statements, comments: cs };
  }

  private statement(cst: StatementCstNode): Statement | undefined {
    const c = cst.children;
    const v = first(c.varDecl);
    if (v !== undefined) return this.varDecl(v);
    const d = first(c.dbrpStmt);
    if (d !== undefined) return this.dbrp(d);
    const e = first(c.identExpr);
    if (e === undefined) return undefined;
    const expr = this.identExpr(e, false, true);
    return expr === undefined ? undefined : { type: "ExprStatement", expr, span: expr.span };
  }

  private varDecl(cst: VarDeclCstNode): Statement | undefined {
    const c = cst.children;
    const kw = first(c.Var);
    const name = first(c.name);
    if (!real(kw) || !real(name)) return undefined;
    const typeTok = first(c.varType);
    if (real(typeTok)) {
      if (!VAR_TYPES.has(typeTok.image)) {
        this.report(PARSE, tokSpan(typeTok), literalMessages.badVarType(name.image, typeTok.image));
        return undefined;
      }
      return {
        type: "TypedVarDecl",
        name: name.image,
        nameSpan: tokSpan(name),
        varType: typeTok.image as VarType,
        typeSpan: tokSpan(typeTok),
        span: join(tokSpan(kw), tokSpan(typeTok)),
      };
    }
    const valueCst = first(c.expression);
    const value = valueCst === undefined ? undefined : this.expression(valueCst, false);
    if (value === undefined) return undefined;
    this.checkNeedsLambda(value);
    return {
      type: "VarDecl",
      name: name.image,
      nameSpan: tokSpan(name),
      value,
      span: join(tokSpan(kw), value.span),
    };
  }

  private dbrp(cst: DbrpStmtCstNode): Statement | undefined {
    const c = cst.children;
    const kw = first(c.Dbrp);
    const db = first(c.db);
    const rp = first(c.rp);
    if (!real(kw) || !real(db) || !real(rp)) return undefined;
    return {
      type: "Dbrp",
      db: this.referenceName(db),
      rp: this.referenceName(rp),
      span: join(tokSpan(kw), tokSpan(rp)),
    };
  }

  // ---- expressions

  /** `inLambda`: inside `lambda:` (or a bare match expression), where fields may be read. */
  expression(cst: ExpressionCstNode, inLambda: boolean): Expr | undefined {
    const c = cst.children;
    const l = first(c.lambdaExpr);
    if (l !== undefined) return this.lambda(l);
    const list = first(c.listLit);
    if (list !== undefined) return this.list(list);
    const o = first(c.orExpr);
    return o === undefined ? undefined : this.orExpr(o, inLambda);
  }

  private lambda(cst: LambdaExprCstNode): Expr | undefined {
    const kw = first(cst.children.Lambda);
    const bodyCst = first(cst.children.orExpr);
    const body = bodyCst === undefined ? undefined : this.orExpr(bodyCst, true);
    if (!real(kw) || body === undefined) return undefined;
    return { type: "Lambda", body, span: join(tokSpan(kw), body.span) };
  }

  private list(cst: ListLitCstNode): Expr | undefined {
    const open = first(cst.children.LBracket);
    if (!real(open)) return undefined;
    const items: Expr[] = [];
    for (const item of cst.children.listItem ?? []) {
      const e = this.listItem(item);
      if (e !== undefined) items.push(e);
    }
    const close = first(cst.children.RBracket);
    const last = items[items.length - 1];
    const end = real(close) ? tokSpan(close) : (last?.span ?? tokSpan(open));
    return { type: "List", items, span: join(tokSpan(open), end) };
  }

  private listItem(cst: ListItemCstNode): Expr | undefined {
    const c = cst.children;
    const id = first(c.Identifier);
    if (real(id)) return this.identifier(id);
    const s = first(c.StringLit);
    if (real(s)) return this.literal(s);
    const star = first(c.Star);
    if (real(star)) return { type: "Star", span: tokSpan(star) };
    return undefined;
  }

  /** Folds one precedence level's `operand (op operand)*` into left-associative Binary nodes. */
  private binaryChain<N>(
    operands: N[] | undefined,
    operators: IToken[] | undefined,
    sub: (n: N) => Expr | undefined,
  ): Expr | undefined {
    const ops = operators ?? [];
    const items = operands ?? [];
    const firstOperand = items[0];
    let left = firstOperand === undefined ? undefined : sub(firstOperand);
    for (let i = 0; i < ops.length; i++) {
      const opTok = ops[i];
      const rightCst = items[i + 1];
      const right = rightCst === undefined ? undefined : sub(rightCst);
      if (left === undefined || right === undefined || !real(opTok)) return left ?? right;
      const op = this.operator(opTok);
      left = { type: "Binary", op, opSpan: tokSpan(opTok), left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  /** Maps the token to its operator, reporting the tolerated look-alikes. */
  private operator(tok: IToken): BinaryOp {
    const t = tok.tokenType;
    const span = tokSpan(tok);
    if (t === T.Assign) {
      this.report(PARSE, span, literalMessages.assignInExpression());
      return "==";
    }
    if (t === T.AmpAmp || (t === T.Identifier && tok.image.toLowerCase() === "and")) {
      this.report(PARSE, span, literalMessages.wordOperator(tok.image, "AND"));
      return "AND";
    }
    if (t === T.PipePipe || (t === T.Identifier && tok.image.toLowerCase() === "or")) {
      this.report(PARSE, span, literalMessages.wordOperator(tok.image, "OR"));
      return "OR";
    }
    return OPERATOR_OF[tok.image] ?? "==";
  }

  orExpr(cst: OrExprCstNode, inLambda: boolean): Expr | undefined {
    return this.binaryChain(cst.children.operands, cst.children.operators, (n: AndExprCstNode) =>
      this.binaryChain(n.children.operands, n.children.operators, (e: EqualityExprCstNode) =>
        this.binaryChain(e.children.operands, e.children.operators, (r: RelationalExprCstNode) =>
          this.binaryChain(r.children.operands, r.children.operators, (a: AdditiveExprCstNode) =>
            this.binaryChain(a.children.operands, a.children.operators, (m: MultiplicativeExprCstNode) =>
              this.binaryChain(m.children.operands, m.children.operators, (u: UnaryExprCstNode) =>
                this.unary(u, inLambda),
              ),
            ),
          ),
        ),
      ),
    );
  }

  private unary(cst: UnaryExprCstNode, inLambda: boolean): Expr | undefined {
    const c = cst.children;
    const op = first(c.operator);
    if (op !== undefined) {
      const inner = first(c.unaryExpr);
      const operand = inner === undefined ? undefined : this.unary(inner, inLambda);
      if (!real(op) || operand === undefined) return operand;
      return {
        type: "Unary",
        op: op.tokenType === T.Bang ? "!" : "-",
        operand,
        span: join(tokSpan(op), operand.span),
      };
    }
    const p = first(c.primary);
    return p === undefined ? undefined : this.primary(p, inLambda);
  }

  private primary(cst: PrimaryCstNode, inLambda: boolean): Expr | undefined {
    const c = cst.children;
    const paren = first(c.parenExpr);
    if (paren !== undefined) {
      const inner = first(paren.children.orExpr);
      return inner === undefined ? undefined : this.orExpr(inner, inLambda);
    }
    const id = first(c.identExpr);
    if (id !== undefined) return this.identExpr(id, inLambda);
    const tok =
      first(c.Integer) ??
      first(c.FloatLit) ??
      first(c.DurationLit) ??
      first(c.StringLit) ??
      first(c.ReferenceLit) ??
      first(c.RegexLit) ??
      first(c.True) ??
      first(c.False) ??
      first(c.Star);
    return real(tok) ? this.literal(tok) : undefined;
  }

  /** A name, a call, or a chain. */
  identExpr(cst: IdentExprCstNode, inLambda: boolean, isStatement = false): Expr | undefined {
    const c = cst.children;
    const head = first(c.head);
    if (!real(head)) return undefined;
    const argsCst = first(c.argList);
    const linksCst = c.chainLink ?? [];
    if (argsCst !== undefined) {
      const call = this.call(head, argsCst, inLambda);
      if (isStatement) {
        this.report(PARSE, call.span, literalMessages.callAsStatement(head.image), true);
      } else if (linksCst.length > 0) {
        const firstLink = first(linksCst);
        const kind = firstLink === undefined ? undefined : first(firstLink.children.kind);
        if (real(kind)) {
          this.report(
            PARSE,
            join(tokSpan(head), tokSpan(kind)),
            literalMessages.callAsChainHead(head.image),
            true,
          );
        }
      }
      return call;
    }
    const ident = this.identifier(head);
    if (linksCst.length === 0) return ident;
    const links: ChainLink[] = [];
    for (const l of linksCst) {
      const link = this.chainLink(l, inLambda);
      if (link !== undefined) links.push(link);
    }
    const last = links[links.length - 1];
    if (last === undefined) return ident;
    if (inLambda) {
      const firstLink = links[0];
      if (firstLink !== undefined) this.report(PARSE, firstLink.span, literalMessages.chainInLambda(), true);
    }
    return { type: "Chain", head: ident, links, span: join(ident.span, last.span) };
  }

  private identifier(tok: IToken): IdentifierExpr {
    const lower = tok.image.toLowerCase();
    if ((lower === "true" || lower === "false") && !this.ctx.declared.has(tok.image)) {
      this.report(PARSE, tokSpan(tok), literalMessages.lowercaseBool(tok.image));
    }
    return { type: "Identifier", name: tok.image, span: tokSpan(tok) };
  }

  private call(name: IToken, argsCst: ArgListCstNode, inLambda: boolean): Expr {
    const { args, end } = this.args(argsCst, inLambda, tokSpan(name));
    return { type: "Call", name: name.image, nameSpan: tokSpan(name), args, span: join(tokSpan(name), end) };
  }

  private args(cst: ArgListCstNode, inLambda: boolean, fallback: Span): { args: Expr[]; end: Span } {
    const args: Expr[] = [];
    for (const e of cst.children.expression ?? []) {
      const a = this.expression(e, inLambda);
      if (a === undefined) continue;
      if (!inLambda) this.checkNeedsLambda(a);
      args.push(a);
    }
    const close = first(cst.children.RParen);
    const open = first(cst.children.LParen);
    const last = args[args.length - 1];
    const end = real(close) ? tokSpan(close) : (last?.span ?? (real(open) ? tokSpan(open) : fallback));
    return { args, end };
  }

  private chainLink(cst: ChainLinkCstNode, inLambda: boolean): ChainLink | undefined {
    const c = cst.children;
    const kind = first(c.kind);
    const name = first(c.name);
    if (!real(kind) || !real(name)) return undefined;
    const argsCst = first(c.argList);
    const { args, end } =
      argsCst === undefined ? { args: [], end: tokSpan(name) } : this.args(argsCst, inLambda, tokSpan(name));
    const type =
      kind.tokenType === T.Pipe ? "NodeLink" : kind.tokenType === T.At ? "UdfLink" : "PropertyLink";
    return { type, name: name.image, nameSpan: tokSpan(name), args, span: join(tokSpan(kind), end) };
  }

  /**
   * Outside a lambda, an expression that compares, negates or reads a field is almost
   * certainly a lambda missing its keyword (`.crit("value" > 90)`). Plain arithmetic on
   * constants (`.period(5m + 30s)`) is fine: Kapacitor folds it.
   */
  private checkNeedsLambda(e: Expr): void {
    const needs =
      (e.type === "Binary" && (COMPARISON_OR_LOGIC.has(e.op) || readsField(e))) ||
      (e.type === "Unary" && (e.op === "!" || readsField(e))) ||
      (e.type === "Call" && readsField(e));
    if (!needs) return;
    const text = this.ctx.text.slice(e.span.start.offset, e.span.end.offset);
    const suggestion = text.length <= 60 && !/[\r\n]/.test(text) ? text : undefined;
    this.report(PARSE, e.span, literalMessages.missingLambda(suggestion), true);
  }

  // ---- literals

  private referenceName(tok: IToken): string {
    if (tok.tokenType === T.UnterminatedReference) {
      this.report(LEX, tokSpan(tok), literalMessages.unterminatedReference());
      return tok.image.slice(1).replace(/\\"/g, '"');
    }
    return tok.image.slice(1, -1).replace(/\\"/g, '"');
  }

  private literal(tok: IToken): Expr | undefined {
    const span = tokSpan(tok);
    const raw = tok.image;
    const t = tok.tokenType;
    switch (t) {
      case T.Integer:
        return { type: "Int", value: this.integer(raw, span), raw, span };
      case T.Float:
        return { type: "Float", value: Number(raw), raw, span };
      case T.MultiDotNumber:
        this.report(LEX, span, literalMessages.multipleDecimals(raw));
        return { type: "Float", value: Number.NaN, raw, span };
      case T.Duration:
        return { type: "Duration", ns: this.duration(raw, span), raw, span };
      case T.SuffixedNumber:
        this.report(LEX, span, literalMessages.suffixedNumber(raw));
        return { type: "Duration", ns: 0, raw, span };
      case T.SingleString:
        return { type: "String", value: raw.slice(1, -1).replace(/\\'/g, "'"), triple: false, span };
      case T.UnterminatedString:
        this.report(LEX, span, literalMessages.unterminatedString());
        return { type: "String", value: raw.slice(1).replace(/\\'/g, "'"), triple: false, span };
      case T.TripleString:
        return { type: "String", value: raw.slice(3, -3), triple: true, span };
      case T.UnterminatedTripleString:
        this.report(
          LEX,
          { start: span.start, end: { ...span.start, column: span.start.column + 3 } },
          {
            ...literalMessages.unterminatedTripleString(),
          },
        );
        return { type: "String", value: raw.slice(3), triple: true, span };
      case T.Reference:
      case T.UnterminatedReference:
        return { type: "Reference", name: this.referenceName(tok), span };
      case T.Regex:
        return { type: "Regex", pattern: raw.slice(1, -1).replace(/\\\//g, "/"), span };
      case T.UnterminatedRegex:
        this.report(LEX, span, literalMessages.unterminatedRegex());
        return { type: "Regex", pattern: raw.slice(1).replace(/\\\//g, "/"), span };
      case T.True:
        return { type: "Bool", value: true, span };
      case T.False:
        return { type: "Bool", value: false, span };
      case T.Star:
        return { type: "Star", span };
      default:
        return undefined;
    }
  }

  /** Kapacitor parses ints with Go's base prefix rules: a leading 0 means octal. */
  private integer(raw: string, span: Span): bigint {
    let value: bigint;
    if (raw.length > 1 && raw.startsWith("0")) {
      if (!/^[0-7]+$/.test(raw)) {
        this.report(LEX, span, literalMessages.invalidOctal(raw));
        return 0n;
      }
      value = BigInt(`0o${raw.slice(1)}`);
    } else value = BigInt(raw);
    if (value > INT64_MAX) {
      this.report(LEX, span, literalMessages.intTooLarge(raw));
      return 0n;
    }
    return value;
  }

  private duration(raw: string, span: Span): number {
    const unit = raw.endsWith("ms") ? "ms" : raw.slice(-1);
    const digits = raw.slice(0, raw.length - unit.length);
    const ns = BigInt(digits) * (UNIT_NS[unit] ?? 1n);
    if (ns > INT64_MAX) {
      this.report(LEX, span, literalMessages.durationTooLong(raw));
      return 0;
    }
    return Number(ns);
  }
}

function readsField(e: Expr): boolean {
  switch (e.type) {
    case "Reference":
      return true;
    case "Binary":
      return readsField(e.left) || readsField(e.right);
    case "Unary":
      return readsField(e.operand);
    case "Call":
      return e.args.some(readsField);
    default:
      return false;
  }
}

export function programToAst(cst: ProgramCstNode, comments: IToken[], ctx: AstContext): Program {
  return new Builder(ctx).program(cst, comments);
}

/** A bare expression (topic-handler `match`): lambda rules apply without the keyword. */
export function expressionToAst(cst: OrExprCstNode, ctx: AstContext): Expr | undefined {
  return new Builder(ctx).orExpr(cst, true);
}
