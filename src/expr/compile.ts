/**
 * AST → closures, once per lambda. No code is generated from user text: every node becomes a
 * closure chosen for its shape, so the common cases run without a type switch per operator:
 * - `"ref" <op> literal` (and `literal <op> "ref"`) reads the field or tag and compares it with
 *   the literal behind one `typeof` check; other types fall back to the generic operator.
 * - AND/OR over boolean operands are plain `&&`/`||` of two closures.
 * - arithmetic between operands whose types are known at compile time uses JS operators.
 * - literal subtrees are folded (`-10`, `10.0 * 2.0`, `duration(5, 1s)`).
 *
 * Static types: literals, operators over typed operands and functions with one return type have
 * a type known at compile time ("any" otherwise); mismatches between known types are compile
 * problems, the rest are checked at run time with the same messages.
 */
import type { BinaryExpr, CallExpr, Expr, Span, UnaryExpr } from "../../grammar/ast.js";
import { ErrorCodes, TickdError } from "../core/errors.js";
import { ExprCompileError, missingError, notBoolError, type ExprProblem } from "./errors.js";
import {
  BUILTINS,
  UNSUPPORTED_FUNCTIONS,
  badArgs,
  describeSigs,
  type ExprFunction,
  type FunctionImpl,
  type StatefulImpl,
  type StaticType,
} from "./functions.js";
import {
  compareValues,
  isCompareOp,
  isMathOp,
  logicalOperand,
  mathValues,
  mirrorOp,
  negate,
  not,
  regexMatch,
  type CompareOp,
  type MathOp,
} from "./ops.js";
import { compileRegex } from "./regex.js";
import { lookup, lookupOwn, needsOwnLookup, type Scope } from "./scope.js";
import { Duration, Missing, Regex, Time, typeName, type Value } from "./values.js";

/** A var's value as substituted into a lambda: a runtime value, or an expression (e.g. a lambda var). */
export type VarValue = Value | Expr;

export interface CompileOptions {
  /** TICKscript vars: identifiers are replaced by their values at compile time. */
  vars?: ReadonlyMap<string, VarValue>;
  /** Other identifiers, e.g. OK=0n … CRITICAL=3n in topic-handler match expressions. Looked up after vars. */
  identifiers?: ReadonlyMap<string, Value>;
  /** Extra functions (match expressions: level(), changed(), …). They take precedence over built-ins. */
  functions?: ReadonlyMap<string, ExprFunction>;
  /** "bool": a result type known at compile time to be something else is a compile problem. */
  expect?: "bool";
}

type Ev = (s: Scope) => Value;
type BoolEv = (s: Scope) => boolean;

interface CNode {
  /** Result type when known at compile time. */
  t: StaticType;
  ev: Ev;
  /** Set for literals and folded subtrees. */
  isConst: boolean;
  konst: Value;
  /** No state, no clock, no scope access: may be folded when its inputs are constant. */
  pure: boolean;
  /** A plain field/tag reference (not "time") whose lookup can be inlined by the parent. */
  ref: string | undefined;
  missing: Missing | undefined;
}

const DUMMY_SCOPE: Scope = { fields: {}, tags: {}, time: 0n };

/** A compiled lambda. `evalBool`/`evalValue` throw TickdError (E_EXPR_EVAL/TYPE/MISSING) per point. */
export interface CompiledExpr {
  /** Result type when known at compile time, else "any". */
  readonly type: StaticType;
  /** Field/tag names the expression reads ("time" included when used). */
  readonly references: readonly string[];
  /** True when the expression calls a stateful function (sigma, count, spread). */
  readonly stateful: boolean;
  /** The value when the whole expression folded to a constant. */
  readonly constant: Value | undefined;
  /** Evaluates; never returns a Missing value (a missing field is an E_EXPR_MISSING error). */
  evalValue(scope: Scope): Value;
  /** Evaluates a predicate; a non-boolean result is an E_EXPR_TYPE error. */
  evalBool(scope: Scope): boolean;
  /** Forgets the state of stateful functions. */
  reset(): void;
  /** The state of its stateful functions by name (cluster mode carries it); undefined: none. */
  saveState(): Record<string, unknown> | undefined;
  /** Loads what saveState returned; throws when it does not fit this expression. */
  loadState(s: unknown): void;
}

interface Holder {
  fn: FunctionImpl;
  def: ExprFunction;
}

function isExprNode(v: VarValue): v is Expr {
  return typeof v === "object" && v !== null && "span" in v && "type" in v;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest candidate within a small edit distance (or differing only in case). */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : levenshtein(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(1, Math.min(2, Math.floor(name.length / 3))) ? best : undefined;
}

const SAMPLES: Record<Exclude<StaticType, "any">, Value> = {
  int: 2n,
  float: 1.5,
  string: "a",
  bool: true,
  duration: new Duration(1e9),
  time: new Time(0n),
  regex: new Regex("a", /a/),
};

const COUNT_WORDS = ["no arguments", "1 argument", "2 arguments", "3 arguments", "4 arguments"];

function countWords(n: number): string {
  return COUNT_WORDS[n] ?? `${n} arguments`;
}

class Compiler {
  readonly problems: ExprProblem[] = [];
  readonly holders = new Map<string, Holder>();
  readonly refs = new Set<string>();
  stateful = false;
  private readonly inlining = new Set<string>();

  constructor(private readonly opts: CompileOptions) {}

  problem(code: string, message: string, span: Span, hint?: string): CNode {
    const p: ExprProblem = { code, message, span };
    if (hint !== undefined) p.hint = hint;
    this.problems.push(p);
    return this.poison();
  }

  poison(): CNode {
    return {
      t: "any",
      ev: () => {
        throw new TickdError(ErrorCodes.EXPR_EVAL, "expression did not compile");
      },
      isConst: false,
      konst: false,
      pure: false,
      ref: undefined,
      missing: undefined,
    };
  }

  constant(v: Value): CNode {
    const t = typeName(v);
    return {
      t: t === "missing" ? "any" : t,
      ev: () => v,
      isConst: true,
      konst: v,
      pure: true,
      ref: undefined,
      missing: undefined,
    };
  }

  dynamic(t: StaticType, ev: Ev, pure: boolean): CNode {
    return { t, ev, isConst: false, konst: false, pure, ref: undefined, missing: undefined };
  }

  /** Folds `node` when all its inputs are constants and it is pure; a folding error is a compile problem. */
  fold(node: CNode, inputs: readonly CNode[], span: Span): CNode {
    if (!node.pure || !inputs.every((n) => n.isConst)) return node;
    try {
      return this.constant(node.ev(DUMMY_SCOPE));
    } catch (e) {
      const code = e instanceof TickdError ? e.code : ErrorCodes.EXPR_EVAL;
      return this.problem(code, e instanceof Error ? e.message : String(e), span);
    }
  }

  compile(e: Expr): CNode {
    switch (e.type) {
      case "Int":
        return this.constant(e.value);
      case "Float":
        return this.constant(e.value);
      case "Duration":
        return this.constant(new Duration(e.ns));
      case "String":
        return this.constant(e.value);
      case "Bool":
        return this.constant(e.value);
      case "Regex":
        try {
          return this.constant(compileRegex(e.pattern));
        } catch (err) {
          return this.problem(
            ErrorCodes.TICK_CHECK,
            `invalid regex /${e.pattern}/: ${(err as Error).message}`,
            e.span,
          );
        }
      case "Reference":
        return this.reference(e.name);
      case "Identifier":
        return this.identifier(e.name, e.span);
      case "Lambda":
        return this.compile(e.body);
      case "Unary":
        return this.unary(e);
      case "Binary":
        return this.binary(e);
      case "Call":
        return this.call(e);
      case "Star":
        return this.problem(ErrorCodes.TICK_CHECK, "* cannot be used in a lambda expression", e.span);
      case "List":
        return this.problem(ErrorCodes.TICK_CHECK, "a list cannot be used in a lambda expression", e.span);
      case "Chain":
        return this.problem(
          ErrorCodes.TICK_CHECK,
          "a node chain cannot be used in a lambda expression",
          e.span,
        );
    }
  }

  reference(name: string): CNode {
    this.refs.add(name);
    if (name === "time") return this.dynamic("time", (s) => new Time(s.time), false);
    const missing = new Missing(name);
    if (needsOwnLookup(name)) return this.dynamic("any", (s) => lookupOwn(s, name, missing), false);
    return {
      t: "any",
      ev: (s) => lookup(s, name, missing),
      isConst: false,
      konst: false,
      pure: false,
      ref: name,
      missing,
    };
  }

  identifier(name: string, span: Span): CNode {
    const v = this.opts.vars?.get(name);
    if (v !== undefined) {
      if (!isExprNode(v)) return this.constant(v);
      if (this.inlining.has(name))
        return this.problem(ErrorCodes.TICK_CHECK, `var ${name} refers to itself`, span);
      this.inlining.add(name);
      try {
        return this.compile(v);
      } finally {
        this.inlining.delete(name);
      }
    }
    const id = this.opts.identifiers?.get(name);
    if (id !== undefined) return this.constant(id);
    const known = [...(this.opts.vars?.keys() ?? []), ...(this.opts.identifiers?.keys() ?? [])];
    const guess = didYouMean(name, known);
    const hint =
      guess !== undefined
        ? `did you mean ${guess}?`
        : `fields and tags are written in double quotes inside a lambda: "${name}"`;
    return this.problem(ErrorCodes.TICK_CHECK, `unknown identifier ${name}`, span, hint);
  }

  unary(e: UnaryExpr): CNode {
    const o = this.compile(e.operand);
    const oe = o.ev;
    let node: CNode;
    if (e.op === "!") {
      if (o.t !== "any" && o.t !== "bool") {
        return this.problem(ErrorCodes.EXPR_TYPE, `invalid unary operator ! for type ${o.t}`, e.span);
      }
      node = this.dynamic("bool", o.t === "bool" ? (s) => !(oe(s) as boolean) : (s) => not(oe(s)), o.pure);
    } else {
      if (o.t !== "any" && o.t !== "int" && o.t !== "float" && o.t !== "duration") {
        return this.problem(ErrorCodes.EXPR_TYPE, `invalid unary operator - for type ${o.t}`, e.span);
      }
      node = this.dynamic(o.t, o.t === "float" ? (s) => -(oe(s) as number) : (s) => negate(oe(s)), o.pure);
    }
    return this.fold(node, [o], e.span);
  }

  /** Checks an operator over two statically typed operands by running it on sample values. */
  staticBinary(
    op: BinaryExpr["op"],
    lt: StaticType,
    rt: StaticType,
  ): { t: StaticType } | { error: TickdError } {
    if (op === "AND" || op === "OR") {
      for (const t of [lt, rt]) {
        if (t !== "any" && t !== "bool")
          return {
            error: new TickdError(ErrorCodes.EXPR_TYPE, `invalid logical operator ${op} for type ${t}`),
          };
      }
      return { t: "bool" };
    }
    if (lt === "any" || rt === "any") return { t: isMathOp(op) ? "any" : "bool" };
    try {
      const l = SAMPLES[lt];
      const r = SAMPLES[rt];
      let v: Value;
      if (isCompareOp(op)) v = compareValues(op, l, r);
      else if (isMathOp(op)) v = mathValues(op, l, r);
      else v = regexMatch(op, l, r);
      const t = typeName(v);
      return { t: t === "missing" ? "any" : t };
    } catch (err) {
      return { error: err as TickdError };
    }
  }

  binary(e: BinaryExpr): CNode {
    const l = this.compile(e.left);
    const r = this.compile(e.right);
    const st = this.staticBinary(e.op, l.t, r.t);
    if ("error" in st) return this.problem(st.error.code, st.error.message, e.opSpan);
    const op = e.op;
    const pure = l.pure && r.pure;
    let ev: Ev;
    if (op === "AND" || op === "OR") {
      const lb = this.operandBool(l, op);
      const rb = this.operandBool(r, op);
      ev = op === "AND" ? (s) => lb(s) && rb(s) : (s) => lb(s) || rb(s);
    } else if (isCompareOp(op)) {
      ev = this.compare(op, l, r);
    } else if (isMathOp(op)) {
      ev = this.math(op, l, r);
    } else {
      ev = this.regex(op, l, r);
    }
    return this.fold(this.dynamic(st.t, ev, pure), [l, r], e.opSpan);
  }

  operandBool(n: CNode, op: "AND" | "OR"): BoolEv {
    const ev = n.ev;
    if (n.t === "bool") return ev as BoolEv;
    return (s) => logicalOperand(op, ev(s));
  }

  compare(op: CompareOp, l: CNode, r: CNode): Ev {
    if (l.ref !== undefined && r.isConst) return refVsConst(op, l.ref, l.missing!, r.konst, false);
    if (r.ref !== undefined && l.isConst) return refVsConst(op, r.ref, r.missing!, l.konst, true);
    const le = l.ev;
    const re = r.ev;
    if (l.t === "float" && r.t === "float") {
      switch (op) {
        case "<":
          return (s) => (le(s) as number) < (re(s) as number);
        case "<=":
          return (s) => (le(s) as number) <= (re(s) as number);
        case ">":
          return (s) => (le(s) as number) > (re(s) as number);
        case ">=":
          return (s) => (le(s) as number) >= (re(s) as number);
        case "==":
          return (s) => le(s) === re(s);
        case "!=":
          return (s) => le(s) !== re(s);
      }
    }
    return (s) => compareValues(op, le(s), re(s));
  }

  math(op: MathOp, l: CNode, r: CNode): Ev {
    const le = l.ev;
    const re = r.ev;
    if (l.t === "float" && r.t === "float") {
      switch (op) {
        case "+":
          return (s) => (le(s) as number) + (re(s) as number);
        case "-":
          return (s) => (le(s) as number) - (re(s) as number);
        case "*":
          return (s) => (le(s) as number) * (re(s) as number);
        case "/":
          return (s) => (le(s) as number) / (re(s) as number);
        default:
          break;
      }
    }
    if (l.ref !== undefined && r.isConst && typeof r.konst === "number" && op !== "%") {
      // "x" * 2.0 and friends: one typeof check, no generic dispatch.
      const name = l.ref;
      const missing = l.missing!;
      const k = r.konst;
      const slow = (v: Value): Value => mathValues(op, v, k);
      switch (op) {
        case "+":
          return (s) => {
            const v = lookup(s, name, missing);
            return typeof v === "number" ? v + k : slow(v);
          };
        case "-":
          return (s) => {
            const v = lookup(s, name, missing);
            return typeof v === "number" ? v - k : slow(v);
          };
        case "*":
          return (s) => {
            const v = lookup(s, name, missing);
            return typeof v === "number" ? v * k : slow(v);
          };
        case "/":
          return (s) => {
            const v = lookup(s, name, missing);
            return typeof v === "number" ? v / k : slow(v);
          };
      }
    }
    return (s) => mathValues(op, le(s), re(s));
  }

  regex(op: "=~" | "!~", l: CNode, r: CNode): Ev {
    const want = op === "=~";
    if (l.ref !== undefined && r.isConst && r.konst instanceof Regex) {
      const name = l.ref;
      const missing = l.missing!;
      const rx = r.konst;
      const re = rx.re;
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "string" ? re.test(v) === want : regexMatch(op, v, rx);
      };
    }
    const le = l.ev;
    const re = r.ev;
    return (s) => regexMatch(op, le(s), re(s));
  }

  functionNames(): string[] {
    return [...BUILTINS.keys(), ...(this.opts.functions?.keys() ?? [])];
  }

  call(e: CallExpr): CNode {
    const def = this.opts.functions?.get(e.name) ?? BUILTINS.get(e.name);
    const args = e.args.map((a) => this.compile(a));
    if (def === undefined) {
      if (UNSUPPORTED_FUNCTIONS.has(e.name)) {
        return this.problem(
          ErrorCodes.TICK_CHECK,
          `function ${e.name}() is not supported by tickd`,
          e.nameSpan,
        );
      }
      const guess = didYouMean(e.name, this.functionNames());
      return this.problem(
        ErrorCodes.TICK_CHECK,
        `unknown function ${e.name}()`,
        e.nameSpan,
        guess !== undefined ? `did you mean ${guess}()?` : undefined,
      );
    }
    const arities = [...new Set(def.sigs.map((s) => s.args.length))].sort((a, b) => a - b);
    if (!arities.includes(args.length)) {
      const expected = arities.map((n) => String(n)).join(" or ");
      const words = arities.length === 1 ? countWords(arities[0]!) : `${expected} arguments`;
      return this.problem(
        ErrorCodes.TICK_CHECK,
        `${e.name}() expects ${words}, got ${args.length}`,
        e.span,
        `accepted: ${e.name}${describeSigs(def)}`,
      );
    }
    const matching = def.sigs.filter(
      (s) =>
        s.args.length === args.length &&
        s.args.every((t, i) => t === "any" || args[i]!.t === "any" || args[i]!.t === t),
    );
    if (matching.length === 0) {
      const err = badArgs(
        e.name,
        def,
        args.map((a) => a.t),
      );
      return this.problem(ErrorCodes.EXPR_TYPE, err.message, e.span);
    }
    const rets = new Set(matching.map((s) => s.ret));
    const t: StaticType = rets.size === 1 ? [...rets][0]! : "any";
    const holder = this.holder(e.name, def);
    const check =
      def.sigs.length === 1 && args.some((a, i) => a.t === "any" && def.sigs[0]!.args[i] !== "any");
    const ev = callClosure(e.name, holder, args, check);
    if (def.stateful) this.stateful = true;
    const node = this.dynamic(t, ev, def.pure === true && args.every((a) => a.pure));
    return this.fold(node, args, e.span);
  }

  /** One implementation per function name and expression, as Kapacitor's per-expression function table. */
  holder(name: string, def: ExprFunction): Holder {
    let h = this.holders.get(name);
    if (h === undefined) {
      h = { fn: def.create(), def };
      this.holders.set(name, h);
    }
    return h;
  }
}

function callClosure(name: string, h: Holder, args: readonly CNode[], check: boolean): Ev {
  const def = h.def;
  const acceptsMissing = def.acceptsMissing === true;
  const expected = def.sigs[0]?.args ?? [];
  const evs = args.map((a) => a.ev);
  const buf: Value[] = args.map(() => false);
  const validate = (vals: readonly Value[]): void => {
    for (let i = 0; i < vals.length; i++) {
      const want = expected[i];
      if (want !== "any" && typeName(vals[i]!) !== want) throw badArgs(name, def, vals.map(typeName));
    }
  };
  const take = (v: Value): Value => {
    if (!acceptsMissing && v instanceof Missing) throw missingError(v.name);
    return v;
  };
  if (evs.length === 0) return (s) => h.fn(buf, s);
  if (evs.length === 1) {
    const a0 = evs[0]!;
    return (s) => {
      buf[0] = take(a0(s));
      if (check) validate(buf);
      return h.fn(buf, s);
    };
  }
  return (s) => {
    for (let i = 0; i < evs.length; i++) buf[i] = take(evs[i]!(s));
    if (check) validate(buf);
    return h.fn(buf, s);
  };
}

/**
 * `"ref" op k` (or `k op "ref"` when `flipped`): the field/tag lookup and the comparison in one
 * closure, with a single `typeof` guard for the literal's own type; anything else (int vs float,
 * missing, wrong type) goes through the generic operator so messages keep the source order.
 */
function refVsConst(op: CompareOp, name: string, missing: Missing, k: Value, flipped: boolean): BoolEv {
  const slow = flipped
    ? (v: Value): boolean => compareValues(op, k, v)
    : (v: Value): boolean => compareValues(op, v, k);
  const m = flipped ? mirrorOp(op) : op;
  const kt = typeof k;
  const orderedBool = kt === "boolean" && m !== "==" && m !== "!=";
  if ((kt !== "number" && kt !== "bigint" && kt !== "string" && kt !== "boolean") || orderedBool) {
    return (s) => slow(lookup(s, name, missing));
  }
  if (kt === "number") return numberVsConst(m, name, missing, k as number, slow);
  if (kt === "string") return stringVsConst(m, name, missing, k as string, slow);
  const kp = k as bigint | boolean;
  switch (m) {
    case "<":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === kt ? (v as bigint) < (kp as bigint) : slow(v);
      };
    case "<=":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === kt ? (v as bigint) <= (kp as bigint) : slow(v);
      };
    case ">":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === kt ? (v as bigint) > (kp as bigint) : slow(v);
      };
    case ">=":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === kt ? (v as bigint) >= (kp as bigint) : slow(v);
      };
    case "==":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === kt ? v === kp : slow(v);
      };
    case "!=":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === kt ? v !== kp : slow(v);
      };
  }
}

// The two hottest shapes get a literal `typeof` test, which the JIT folds into a map check.
function numberVsConst(
  m: CompareOp,
  name: string,
  missing: Missing,
  k: number,
  slow: (v: Value) => boolean,
): BoolEv {
  switch (m) {
    case "<":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "number" ? v < k : slow(v);
      };
    case "<=":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "number" ? v <= k : slow(v);
      };
    case ">":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "number" ? v > k : slow(v);
      };
    case ">=":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "number" ? v >= k : slow(v);
      };
    case "==":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "number" ? v === k : slow(v);
      };
    case "!=":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "number" ? v !== k : slow(v);
      };
  }
}

function stringVsConst(
  m: CompareOp,
  name: string,
  missing: Missing,
  k: string,
  slow: (v: Value) => boolean,
): BoolEv {
  switch (m) {
    case "<":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "string" ? v < k : slow(v);
      };
    case "<=":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "string" ? v <= k : slow(v);
      };
    case ">":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "string" ? v > k : slow(v);
      };
    case ">=":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "string" ? v >= k : slow(v);
      };
    case "==":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "string" ? v === k : slow(v);
      };
    case "!=":
      return (s) => {
        const v = lookup(s, name, missing);
        return typeof v === "string" ? v !== k : slow(v);
      };
  }
}

class Compiled implements CompiledExpr {
  readonly constant: Value | undefined;
  readonly evalValue: (scope: Scope) => Value;
  readonly evalBool: (scope: Scope) => boolean;
  constructor(
    root: CNode,
    readonly type: StaticType,
    readonly references: readonly string[],
    readonly stateful: boolean,
    private readonly holders: ReadonlyMap<string, Holder>,
  ) {
    const ev = root.ev;
    this.constant = root.isConst ? root.konst : undefined;
    if (root.t === "bool") {
      this.evalBool = ev as BoolEv;
    } else {
      this.evalBool = (s) => {
        const v = ev(s);
        if (typeof v === "boolean") return v;
        if (v instanceof Missing) throw missingError(v.name);
        throw notBoolError(v);
      };
    }
    this.evalValue =
      root.t !== "any"
        ? ev
        : (s) => {
            const v = ev(s);
            if (v instanceof Missing) throw missingError(v.name);
            return v;
          };
  }

  reset(): void {
    for (const h of this.holders.values()) {
      if (h.def.stateful) h.fn = h.def.create();
    }
  }

  saveState(): Record<string, unknown> | undefined {
    if (!this.stateful) return undefined;
    const out: Record<string, unknown> = {};
    for (const [name, h] of this.holders) if (h.def.stateful) out[name] = (h.fn as StatefulImpl).save();
    return out;
  }

  loadState(s: unknown): void {
    if (s === undefined || s === null) return;
    if (typeof s !== "object" || Array.isArray(s)) throw new Error("saved expression state is not an object");
    const saved = s as Record<string, unknown>;
    for (const [name, h] of this.holders) {
      if (!h.def.stateful || !Object.hasOwn(saved, name)) continue;
      (h.fn as StatefulImpl).load(saved[name]);
    }
  }
}

/** Compiles and returns the problems instead of throwing; `compiled` is set only when there are none. */
export function tryCompileExpression(
  expr: Expr,
  opts: CompileOptions = {},
): { compiled?: CompiledExpr; problems: ExprProblem[] } {
  const c = new Compiler(opts);
  const root = c.compile(expr);
  if (opts.expect === "bool" && root.t !== "any" && root.t !== "bool" && c.problems.length === 0) {
    c.problem(ErrorCodes.EXPR_TYPE, `expression must evaluate to a boolean, got ${root.t}`, expr.span);
  }
  if (c.problems.length > 0) return { problems: c.problems };
  return { compiled: new Compiled(root, root.t, [...c.refs], c.stateful, c.holders), problems: [] };
}

/** Compiles a lambda (or its body) once; throws ExprCompileError listing every problem. */
export function compileExpression(expr: Expr, opts: CompileOptions = {}): CompiledExpr {
  const { compiled, problems } = tryCompileExpression(expr, opts);
  if (compiled === undefined) throw new ExprCompileError(problems);
  return compiled;
}

/** The compile problems of an expression, for the pipeline checker (empty when it compiles). */
export function checkExpression(expr: Expr, opts: CompileOptions = {}): ExprProblem[] {
  return tryCompileExpression(expr, opts).problems;
}
