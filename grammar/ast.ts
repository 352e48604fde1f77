/**
 * TICKscript abstract syntax tree. Pinned: grammar/ produces it, src/pipeline and src/expr
 * consume it. Every node carries its source span so later stages can report file:line:col.
 */

/** 1-based line and column, 0-based character offset. */
export interface Pos {
  line: number;
  column: number;
  offset: number;
}

/** `end` is the position just after the node's last character. */
export interface Span {
  start: Pos;
  end: Pos;
}

interface NodeBase {
  span: Span;
}

/** `10`, `0644` (octal). int64 values are bigint throughout tickd. */
export interface IntLit extends NodeBase {
  type: "Int";
  value: bigint;
  raw: string;
}

/** `10.0` — any number literal containing a dot. */
export interface FloatLit extends NodeBase {
  type: "Float";
  value: number;
  raw: string;
}

/** `10s`, `5m`, `1w`, `100ms`, `3u`/`3µ`. Nanoseconds. */
export interface DurationLit extends NodeBase {
  type: "Duration";
  ns: number;
  raw: string;
}

/** `'single'` (only `\'` escapes) or `'''triple, may span lines'''` (no escapes). */
export interface StringLit extends NodeBase {
  type: "String";
  value: string;
  triple: boolean;
}

/** `TRUE` / `FALSE` (upper case only). */
export interface BoolLit extends NodeBase {
  type: "Bool";
  value: boolean;
}

/** `/pattern/` with `\/` already unescaped to `/`. Go RE2 syntax. */
export interface RegexLit extends NodeBase {
  type: "Regex";
  pattern: string;
}

/** `*` — as in `.groupBy(*)`. */
export interface StarLit extends NodeBase {
  type: "Star";
}

/** `['a', b, *]` */
export interface ListLit extends NodeBase {
  type: "List";
  items: Expr[];
}

/** `"usage_idle"` — a field or tag inside a lambda; `"time"` is the point time. */
export interface ReferenceExpr extends NodeBase {
  type: "Reference";
  name: string;
}

/** A bare identifier: a var name, `stream`/`batch` at a chain head, or OK/INFO/... in match expressions. */
export interface IdentifierExpr extends NodeBase {
  type: "Identifier";
  name: string;
}

/** `lambda: expr` */
export interface LambdaExpr extends NodeBase {
  type: "Lambda";
  body: Expr;
}

export type UnaryOp = "-" | "!";

export interface UnaryExpr extends NodeBase {
  type: "Unary";
  op: UnaryOp;
  operand: Expr;
}

export type BinaryOp =
  "OR" | "AND" | "==" | "!=" | "=~" | "!~" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%";

export interface BinaryExpr extends NodeBase {
  type: "Binary";
  op: BinaryOp;
  opSpan: Span;
  left: Expr;
  right: Expr;
}

/** A function call inside a lambda: `sigma("value")`, `isPresent("x")`. */
export interface CallExpr extends NodeBase {
  type: "Call";
  name: string;
  nameSpan: Span;
  args: Expr[];
}

/** `|window()` creates a node; `.period(10s)` sets a property; `@myUdf()` calls a UDF. */
export interface ChainLink extends NodeBase {
  type: "NodeLink" | "PropertyLink" | "UdfLink";
  name: string;
  nameSpan: Span;
  args: Expr[];
}

/** `stream |from().measurement('cpu') |alert()` or `data |window()` where data is a var. */
export interface ChainExpr extends NodeBase {
  type: "Chain";
  head: IdentifierExpr;
  links: ChainLink[];
}

export type Expr =
  | IntLit
  | FloatLit
  | DurationLit
  | StringLit
  | BoolLit
  | RegexLit
  | StarLit
  | ListLit
  | ReferenceExpr
  | IdentifierExpr
  | LambdaExpr
  | UnaryExpr
  | BinaryExpr
  | CallExpr
  | ChainExpr;

export type VarType = "int" | "float" | "bool" | "string" | "regex" | "duration" | "lambda" | "list" | "star";

/** `var x = expr` */
export interface VarDecl extends NodeBase {
  type: "VarDecl";
  name: string;
  nameSpan: Span;
  value: Expr;
}

/** `var x float` — the value must come from the task's vars. */
export interface TypedVarDecl extends NodeBase {
  type: "TypedVarDecl";
  name: string;
  nameSpan: Span;
  varType: VarType;
  typeSpan: Span;
}

/** `dbrp "telegraf"."autogen"` */
export interface DbrpStmt extends NodeBase {
  type: "Dbrp";
  db: string;
  rp: string;
}

export interface ExprStatement extends NodeBase {
  type: "ExprStatement";
  expr: Expr;
}

export type Statement = VarDecl | TypedVarDecl | DbrpStmt | ExprStatement;

export interface Comment {
  text: string;
  span: Span;
}

export interface Program {
  type: "Program";
  file: string;
  statements: Statement[];
  comments: Comment[];
}
