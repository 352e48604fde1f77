/**
 * TICKscript AST → checked task graph (Kapacitor's `pipeline.CreatePipeline` + `validate`, with
 * messages an SRE can act on). Every problem becomes a Diagnostic; nothing throws on user input.
 *
 * The script is evaluated as Kapacitor does, statement by statement:
 * - the task type comes from the roots the script uses (`stream` or `batch`, never both), and its
 *   root node is created first, so it is always node 0;
 * - `var x = …` binds a value or a node (immutable); `var x <type>` takes its value from the
 *   task's vars, which may also override the default of an untyped var of the same type;
 * - `|node()` creates a node after the current one, checked against the catalogue for where it
 *   may appear and for its arguments; `.prop()` sets a property of the current node or of the
 *   current handler object (which falls back to its alert node's properties);
 * - lambdas are checked by src/expr (unknown functions, argument counts, literal type errors)
 *   with the vars in scope, and stored in the graph with those vars substituted.
 * `checkProgram` returns a graph only when there is no error; warnings do not stop it.
 */
import type {
  ChainExpr,
  ChainLink,
  Expr,
  IdentifierExpr,
  LambdaExpr,
  Program,
  Span,
  VarType,
} from "../../grammar/ast.js";
import { type Diagnostic, type Severity, sortDiagnostics } from "../../grammar/diagnostic.js";
import { parse } from "../../grammar/index.js";
import {
  Duration,
  checkExpression,
  compileRegex,
  didYouMean,
  formatDuration,
  parseDuration,
  tryCompileExpression,
  type CompileOptions,
  type Value,
  type VarValue,
} from "../expr/index.js";
import {
  CHAIN_NODE_KINDS,
  HANDLERS,
  KAFKA_PARTITION_ALGORITHMS,
  KAPACITOR_ONLY_HANDLERS,
  KAPACITOR_ONLY_NODES,
  NODES,
  propertyNames,
  type NodeSpec,
  type Param,
  type PropertySpec,
  type Signature,
} from "./catalogue.js";
import {
  describeExpected,
  describeGot,
  formatExpr,
  formatFloat,
  quoteString,
  typePlural,
  type Described,
} from "./describe.js";
import type {
  ArgValue,
  Dbrp,
  EdgeType,
  HandlerSpec,
  PropertySetting,
  TaskGraph,
  TaskNode,
  TaskType,
} from "./task-graph.js";

/** Diagnostic codes of the checker (lambda problems keep src/expr's codes). */
export const CheckCodes = {
  UNKNOWN_NODE: "E_TICK_UNKNOWN_NODE",
  UNKNOWN_PROPERTY: "E_TICK_UNKNOWN_PROPERTY",
  ARG_COUNT: "E_TICK_ARG_COUNT",
  ARG_TYPE: "E_TICK_ARG_TYPE",
  EDGE: "E_TICK_EDGE",
  VAR: "E_TICK_VAR",
  TASK_TYPE: "E_TICK_TASK_TYPE",
  DBRP: "E_TICK_DBRP",
  INVALID: "E_TICK_INVALID",
  UNSUPPORTED: "E_TICK_UNSUPPORTED",
  ALIAS: "W_TICK_ALIAS",
  REPEATED: "W_TICK_REPEATED",
  NO_EFFECT: "W_TICK_NO_EFFECT",
  UNUSED_TASK_VAR: "W_TICK_UNUSED_TASK_VAR",
  DUPLICATE_DBRP: "W_TICK_DUPLICATE_DBRP",
  WINDOW: "W_TICK_WINDOW",
} as const;

/** A task var as in Kapacitor's task JSON: `{"type": "float", "value": 0.5}`. */
export interface TaskVar {
  type: VarType;
  /** int: number or bigint; duration: ns number or "10s"; regex and lambda: their text; list: TaskVar[]. */
  value: unknown;
  description?: string;
}

export interface CheckOptions {
  file: string;
  /** Task vars (Kapacitor's `vars` JSON). */
  vars?: Record<string, TaskVar>;
  /** dbrps given outside the script (API/CLI). Not allowed together with `dbrp` statements. */
  dbrps?: Dbrp[];
  /** Task type given outside the script; it must match the root the script uses. */
  type?: TaskType;
  /**
   * Require at least one dbrp (from statements or `dbrps`), as defining a task does ("must
   * specify dbrp"). Off by default so `tickctl check` accepts a script meant to get its dbrp
   * from the command line.
   */
  requireDbrp?: boolean;
  /**
   * Check a template (Kapacitor's NewTemplate): a typed var declared without a value
   * (`var period duration`) is not an error; its uses stay unresolved.
   */
  template?: boolean;
}

/** A var the script declares, for a template's `vars`: its type and value (undefined when none). */
export interface DeclaredVar {
  name: string;
  type: VarType;
  value: ArgValue | undefined;
  /** Line of the declaration (its comment is the var's description). */
  line: number;
}

export interface CheckResult {
  /** Undefined when any error was found. */
  graph: TaskGraph | undefined;
  /** Sorted by position. */
  diagnostics: Diagnostic[];
  /** Vars holding a value (not a node), in declaration order. */
  declaredVars?: DeclaredVar[];
}

/** Parses and checks in one go: parser and checker diagnostics together, sorted. */
export function checkScript(text: string, file: string, opts: Omit<CheckOptions, "file"> = {}): CheckResult {
  const parsed = parse(text, file);
  if (parsed.ast === undefined) return { graph: undefined, diagnostics: sortDiagnostics(parsed.diagnostics) };
  const checked = checkProgram(parsed.ast, { ...opts, file });
  const parseFailed = parsed.diagnostics.some((d) => d.severity === "error");
  // A parse error already explains its position (e.g. "missing 'lambda:'"); do not say it twice.
  const taken = new Set(parsed.diagnostics.map((d) => `${d.line}:${d.column}`));
  const semantic = checked.diagnostics.filter((d) => !taken.has(`${d.line}:${d.column}`));
  return {
    graph: parseFailed ? undefined : checked.graph,
    diagnostics: sortDiagnostics([...parsed.diagnostics, ...semantic]),
    ...(checked.declaredVars !== undefined ? { declaredVars: checked.declaredVars } : {}),
  };
}

/**
 * Whether the script names its own dbrps with `dbrp "db"."rp"` statements. A stored task keeps
 * the dbrps it was defined with; restoring it must pass them again only when they came from
 * outside the script (API `dbrps`, `tickctl define -dbrp`), since giving both is an error.
 */
export function declaresDbrp(text: string): boolean {
  return parse(text, "<script>").ast?.statements.some((s) => s.type === "Dbrp") ?? false;
}

export function checkProgram(ast: Program, opts: CheckOptions): CheckResult {
  return new Checker(opts).run(ast);
}

// ---------------------------------------------------------------------------------------------

interface Target {
  node: TaskNode;
  handler?: HandlerSpec;
}

interface VarEntry {
  name: string;
  nameSpan: Span;
  /** Undefined when the value could not be computed (already reported): uses stay quiet. */
  value: ArgValue | undefined;
  /** For vars holding a chain: the node (and handler object) the chain ended at. */
  target?: Target;
  declaredType?: VarType;
}

const FILE_START: Span = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 2, offset: 1 } };

const NODE_VALUE_TYPES: Record<ArgValue["type"], VarType | undefined> = {
  int: "int",
  float: "float",
  bool: "bool",
  string: "string",
  duration: "duration",
  regex: "regex",
  lambda: "lambda",
  star: "star",
  list: "list",
  node: undefined,
  time: undefined,
};

class Checker {
  private readonly diags: Diagnostic[] = [];
  private readonly nodes: TaskNode[] = [];
  private readonly vars = new Map<string, VarEntry>();
  private readonly roots = new Map<TaskType, TaskNode>();
  private readonly setOnce = new WeakMap<object, Map<string, PropertySetting>>();
  /** Property names written on a node, valid or not, so later checks stay quiet about one already reported. */
  private readonly written = new WeakMap<TaskNode, Set<string>>();
  private readonly dbrps: { dbrp: Dbrp; span: Span }[] = [];
  private nextId = 0;
  private taskType: TaskType | undefined;

  constructor(private readonly opts: CheckOptions) {}

  run(ast: Program): CheckResult {
    this.decideTaskType(ast);
    for (const st of ast.statements) {
      switch (st.type) {
        case "Dbrp":
          this.dbrpStatement(st.db, st.rp, st.span);
          break;
        case "VarDecl":
          this.varDecl(st.name, st.nameSpan, st.value);
          break;
        case "TypedVarDecl":
          this.typedVarDecl(st.name, st.nameSpan, st.varType, st.span);
          break;
        case "ExprStatement":
          if (st.expr.type === "Chain") this.evalChain(st.expr);
          else if (st.expr.type === "Identifier" && (st.expr.name === "stream" || st.expr.name === "batch"))
            this.root(st.expr);
          else {
            if (st.expr.type === "Identifier") this.lookupVar(st.expr);
            this.warn(CheckCodes.NO_EFFECT, "this statement has no effect", st.span, {
              hint: "a statement is a var declaration, a dbrp or a chain such as stream |from()",
            });
          }
          break;
      }
    }
    this.checkTaskVarsUsed();
    for (const n of this.nodes) this.validateNode(n);
    const dbrps = this.resolveDbrps();
    const diagnostics = sortDiagnostics(this.diags);
    const failed = diagnostics.some((d) => d.severity === "error");
    const declaredVars = this.declaredVars();
    if (failed || this.taskType === undefined) return { graph: undefined, diagnostics, declaredVars };
    const nodes = [...this.nodes].sort((a, b) => a.id - b.id);
    return { graph: { type: this.taskType, dbrps, nodes }, diagnostics, declaredVars };
  }

  private declaredVars(): DeclaredVar[] {
    const out: DeclaredVar[] = [];
    for (const e of this.vars.values()) {
      const type = e.declaredType ?? (e.value !== undefined ? NODE_VALUE_TYPES[e.value.type] : undefined);
      if (type === undefined) continue;
      out.push({ name: e.name, type, value: e.value, line: e.nameSpan.start.line });
    }
    return out;
  }

  // ----- diagnostics ---------------------------------------------------------------------------

  private report(
    severity: Severity,
    code: string,
    message: string,
    span: Span,
    extra: { hint?: string | undefined; expected?: string[] } = {},
  ): void {
    const d: Diagnostic = {
      code,
      severity,
      message,
      file: this.opts.file,
      line: span.start.line,
      column: span.start.column,
      endLine: span.end.line,
      endColumn: span.end.column,
    };
    if (extra.expected !== undefined) d.expected = extra.expected;
    if (extra.hint !== undefined) d.hint = extra.hint;
    this.diags.push(d);
  }

  private error(
    code: string,
    message: string,
    span: Span,
    extra: { hint?: string | undefined; expected?: string[] } = {},
  ): void {
    this.report("error", code, message, span, extra);
  }

  private warn(code: string, message: string, span: Span, extra: { hint?: string | undefined } = {}): void {
    this.report("warning", code, message, span, extra);
  }

  // ----- task type and dbrps -------------------------------------------------------------------

  /** Finds the roots the script uses; creates the task's root first so it is node 0, as in Kapacitor. */
  private decideTaskType(ast: Program): void {
    const uses: IdentifierExpr[] = [];
    const visit = (e: Expr): void => {
      switch (e.type) {
        case "Identifier":
          if (e.name === "stream" || e.name === "batch") uses.push(e);
          break;
        case "Chain":
          visit(e.head);
          for (const l of e.links) l.args.forEach(visit);
          break;
        case "List":
          e.items.forEach(visit);
          break;
        default:
          break; // lambdas and literals cannot hold a root
      }
    };
    for (const st of ast.statements) {
      if (st.type === "VarDecl") visit(st.value);
      else if (st.type === "ExprStatement") visit(st.expr);
    }
    const first = uses[0];
    const other = uses.find((u) => u.name !== first?.name);
    if (first !== undefined && other !== undefined) {
      this.error(
        CheckCodes.TASK_TYPE,
        `a script is either stream or batch, but this one uses both: ${first.name} at line ${first.span.start.line} and ${other.name} here`,
        other.span,
        { hint: "split it into two tasks" },
      );
    }
    const detected = first?.name as TaskType | undefined;
    if (this.opts.type !== undefined && detected !== undefined && detected !== this.opts.type) {
      const wrong = uses.find((u) => u.name !== this.opts.type);
      this.error(
        CheckCodes.TASK_TYPE,
        `the task type is ${this.opts.type}, but the script reads from ${detected}`,
        wrong?.span ?? FILE_START,
      );
    }
    this.taskType = this.opts.type ?? detected;
    const hasChain = ast.statements.some(
      (st) =>
        (st.type === "VarDecl" && st.value.type === "Chain") ||
        (st.type === "ExprStatement" && st.expr.type === "Chain"),
    );
    // With chains whose heads are unknown identifiers, "unknown identifier" says it better.
    if (this.taskType === undefined && !hasChain) {
      this.error(CheckCodes.TASK_TYPE, "the script has no chain starting at stream or batch", FILE_START, {
        hint: "a stream task starts with stream |from(), a batch task with batch |query('…')",
      });
      return;
    }
    if (this.taskType === undefined) return;
    const firstOfType = uses.find((u) => u.name === this.taskType);
    this.makeRoot(this.taskType, firstOfType?.span ?? FILE_START);
  }

  private makeRoot(kind: TaskType, span: Span): TaskNode {
    const spec = NODES[kind]!;
    const n = this.createNode(spec, [], [], span, false);
    this.roots.set(kind, n);
    return n;
  }

  private root(id: IdentifierExpr): Target {
    const kind = id.name as TaskType;
    return { node: this.roots.get(kind) ?? this.makeRoot(kind, id.span) };
  }

  private dbrpStatement(db: string, rp: string, span: Span): void {
    if (this.opts.dbrps !== undefined && this.opts.dbrps.length > 0) {
      this.error(CheckCodes.DBRP, "cannot specify dbrp in both implicitly and explicitly", span, {
        hint: "remove this dbrp statement or the dbrps given with the task",
      });
    }
    if (this.dbrps.some((d) => d.dbrp.db === db && d.dbrp.rp === rp)) {
      this.warn(CheckCodes.DUPLICATE_DBRP, `dbrp "${db}"."${rp}" is listed twice`, span);
      return;
    }
    this.dbrps.push({ dbrp: { db, rp }, span });
  }

  private resolveDbrps(): Dbrp[] {
    const fromScript = this.dbrps.map((d) => d.dbrp);
    const dbrps = fromScript.length > 0 ? fromScript : [...(this.opts.dbrps ?? [])];
    if (dbrps.length === 0 && this.opts.requireDbrp === true) {
      this.error(CheckCodes.DBRP, "must specify dbrp", FILE_START, {
        hint: 'add a line such as dbrp "telegraf"."autogen" or give the dbrp with the task',
      });
    }
    return dbrps;
  }

  // ----- vars -----------------------------------------------------------------------------------

  private varDecl(name: string, nameSpan: Span, valueExpr: Expr): void {
    const existing = this.vars.get(name);
    if (existing !== undefined || name === "stream" || name === "batch") {
      const where =
        existing !== undefined
          ? `it is already defined at line ${existing.nameSpan.start.line}, column ${existing.nameSpan.start.column}`
          : `${name} is the task's root`;
      this.error(CheckCodes.VAR, `cannot redefine var ${name}: ${where}`, nameSpan, {
        hint: "vars are immutable; choose another name",
      });
      this.evalValue(valueExpr);
      return;
    }
    const entry: VarEntry = { name, nameSpan, value: undefined };
    if (valueExpr.type === "Chain") {
      const target = this.evalChain(valueExpr);
      if (target !== undefined) {
        entry.target = target;
        entry.value = { type: "node", id: target.node.id, span: valueExpr.span };
      }
    } else {
      const v = this.evalValue(valueExpr);
      if (v?.type === "reference") {
        this.error(
          CheckCodes.VAR,
          `a var cannot hold the field reference "${v.name}" outside a lambda`,
          v.span,
          {
            hint: `write ${quoteString(v.name)} for a string, or lambda: "${v.name}" for an expression`,
          },
        );
      } else entry.value = v;
    }
    const supplied = this.opts.vars?.[name];
    if (supplied !== undefined && entry.value !== undefined) {
      const own = NODE_VALUE_TYPES[entry.value.type];
      if (own === undefined) {
        this.error(
          CheckCodes.VAR,
          `task var "${name}" cannot replace var ${name}, which holds a node`,
          nameSpan,
        );
      } else if (supplied.type !== own) {
        this.error(
          CheckCodes.VAR,
          `task var "${name}" has type ${supplied.type}, but var ${name} is ${own}`,
          nameSpan,
        );
      } else {
        const v = this.taskVarValue(name, supplied, nameSpan);
        if (v !== undefined) entry.value = v;
      }
    }
    this.vars.set(name, entry);
  }

  private typedVarDecl(name: string, nameSpan: Span, varType: VarType, span: Span): void {
    const existing = this.vars.get(name);
    if (existing !== undefined) {
      this.error(
        CheckCodes.VAR,
        `cannot redefine var ${name}: it is already defined at line ${existing.nameSpan.start.line}, column ${existing.nameSpan.start.column}`,
        nameSpan,
        { hint: "vars are immutable; choose another name" },
      );
      return;
    }
    const entry: VarEntry = { name, nameSpan, value: undefined, declaredType: varType };
    this.vars.set(name, entry);
    const supplied = this.opts.vars?.[name];
    if (supplied === undefined && this.opts.template === true) return;
    if (supplied === undefined) {
      this.error(CheckCodes.VAR, `missing value for var "${name}"`, span, {
        hint: `give it in the task's vars, e.g. {"${name}": {"type": "${varType}", "value": ${exampleValue(varType)}}}`,
      });
      return;
    }
    if (supplied.type !== varType) {
      this.error(
        CheckCodes.VAR,
        `task var "${name}" has type ${supplied.type}, but the script declares ${name} as ${varType}`,
        span,
      );
      return;
    }
    entry.value = this.taskVarValue(name, supplied, span);
  }

  /** Converts a task var (JSON) to a value; problems are reported at `span`. */
  private taskVarValue(name: string, tv: TaskVar, span: Span): ArgValue | undefined {
    const bad = (what: string): undefined => {
      this.error(
        CheckCodes.VAR,
        `task var "${name}" of type ${tv.type} needs ${what}, got ${JSON.stringify(jsonSafe(tv.value))}`,
        span,
      );
      return undefined;
    };
    const v = tv.value;
    switch (tv.type) {
      case "int":
        if (typeof v === "bigint") return { type: "int", value: v, span };
        if (typeof v === "number" && Number.isInteger(v)) return { type: "int", value: BigInt(v), span };
        if (typeof v === "string" && /^-?\d+$/.test(v)) return { type: "int", value: BigInt(v), span };
        return bad("an integer");
      case "float":
        if (typeof v === "number") return { type: "float", value: v, span };
        return bad("a number");
      case "bool":
        if (typeof v === "boolean") return { type: "bool", value: v, span };
        return bad("true or false");
      case "string":
        if (typeof v === "string") return { type: "string", value: v, span };
        return bad("a string");
      case "regex":
        if (typeof v !== "string") return bad("the regex text");
        try {
          compileRegex(v);
        } catch (e) {
          return bad(`a valid regex (${(e as Error).message})`);
        }
        return { type: "regex", pattern: v, span };
      case "duration": {
        if (typeof v === "number" && Number.isInteger(v)) return { type: "duration", ns: v, span };
        const ns = typeof v === "string" ? parseDuration(v) : undefined;
        if (ns !== undefined) return { type: "duration", ns, span };
        return bad('nanoseconds or a duration such as "10s"');
      }
      case "star":
        return { type: "star", span };
      case "list": {
        if (!Array.isArray(v)) return bad("a list of {type, value} objects");
        const items: ArgValue[] = [];
        for (const item of v as unknown[]) {
          if (typeof item !== "object" || item === null || !("type" in item))
            return bad("a list of {type, value} objects");
          const converted = this.taskVarValue(name, item as TaskVar, span);
          if (converted === undefined) return undefined;
          items.push(converted);
        }
        return { type: "list", items, span };
      }
      case "lambda": {
        if (typeof v !== "string") return bad("the lambda expression text");
        const text = v.trim().replace(/^lambda:\s*/, "");
        const parsed = parse(`var v = lambda: ${text}\n`, this.opts.file);
        const st = parsed.ast?.statements[0];
        if (
          parsed.diagnostics.some((d) => d.severity === "error") ||
          st?.type !== "VarDecl" ||
          st.value.type !== "Lambda"
        ) {
          return bad("a valid lambda expression");
        }
        const problems = checkExpression(st.value.body, this.compileOptions(false));
        if (problems.length > 0) return bad(`a valid lambda expression (${problems[0]!.message})`);
        return { type: "lambda", expr: this.substitute(st.value.body), span };
      }
    }
  }

  private checkTaskVarsUsed(): void {
    for (const name of Object.keys(this.opts.vars ?? {})) {
      if (!this.vars.has(name)) {
        this.warn(
          CheckCodes.UNUSED_TASK_VAR,
          `task var "${name}" is not declared in the script`,
          FILE_START,
          {
            hint: `declare it with var ${name} ${this.opts.vars?.[name]?.type ?? "<type>"}`,
          },
        );
      }
    }
  }

  private lookupVar(id: IdentifierExpr): VarEntry | undefined {
    const v = this.vars.get(id.name);
    if (v !== undefined) return v;
    const guess = didYouMean(id.name, [...this.vars.keys(), "stream", "batch"]);
    this.error(CheckCodes.VAR, `unknown identifier ${id.name}`, id.span, {
      hint: guess !== undefined ? `did you mean ${guess}?` : "declare it first with var",
    });
    return undefined;
  }

  /** The vars as src/expr wants them, so lambdas see them (and unknown names are reported). */
  private compileOptions(predicate: boolean): CompileOptions {
    const vars = new Map<string, VarValue>();
    for (const [name, entry] of this.vars) {
      const v = entry.value;
      const placeholder: Expr = { type: "Reference", name: `${name} (unresolved var)`, span: entry.nameSpan };
      if (v === undefined) {
        vars.set(name, placeholder);
        continue;
      }
      const value = argToExprValue(v);
      vars.set(name, value ?? placeholder);
    }
    const opts: CompileOptions = { vars };
    if (predicate) opts.expect = "bool";
    return opts;
  }

  /** The lambda body with var identifiers replaced by literals (or by a lambda var's body). */
  private substitute(e: Expr): Expr {
    switch (e.type) {
      case "Identifier": {
        const v = this.vars.get(e.name)?.value;
        if (v === undefined) return e;
        return argToExpr(v, e.span) ?? e;
      }
      case "Lambda":
        return { ...e, body: this.substitute(e.body) };
      case "Unary":
        return { ...e, operand: this.substitute(e.operand) };
      case "Binary":
        return { ...e, left: this.substitute(e.left), right: this.substitute(e.right) };
      case "Call":
        return { ...e, args: e.args.map((a) => this.substitute(a)) };
      case "List":
        return { ...e, items: e.items.map((a) => this.substitute(a)) };
      default:
        return e;
    }
  }

  // ----- values ---------------------------------------------------------------------------------

  private checkLambda(lambda: LambdaExpr, predicate: boolean): ArgValue | undefined {
    const problems = checkExpression(lambda.body, this.compileOptions(predicate));
    for (const p of problems) this.error(p.code, p.message, p.span, { hint: p.hint });
    if (problems.length > 0) return undefined;
    return { type: "lambda", expr: this.substitute(lambda.body), span: lambda.span };
  }

  /** Evaluates an argument or var value outside a lambda. Undefined: reported already. */
  private evalValue(e: Expr, predicate = false): Described | undefined {
    switch (e.type) {
      case "Int":
        return { type: "int", value: e.value, span: e.span };
      case "Float":
        return { type: "float", value: e.value, span: e.span };
      case "Duration":
        return { type: "duration", ns: e.ns, span: e.span };
      case "String":
        return { type: "string", value: e.value, span: e.span };
      case "Bool":
        return { type: "bool", value: e.value, span: e.span };
      case "Regex":
        try {
          compileRegex(e.pattern);
        } catch (err) {
          this.error(CheckCodes.INVALID, `invalid regex /${e.pattern}/: ${(err as Error).message}`, e.span);
          return undefined;
        }
        return { type: "regex", pattern: e.pattern, span: e.span };
      case "Star":
        return { type: "star", span: e.span };
      case "Reference":
        return { type: "reference", name: e.name, span: e.span };
      case "List": {
        const items: ArgValue[] = [];
        let ok = true;
        for (const item of e.items) {
          const v = this.evalValue(item);
          if (v === undefined) ok = false;
          else if (v.type === "reference") {
            this.error(
              CheckCodes.ARG_TYPE,
              `a list holds values such as 'host' or *, not the field reference "${v.name}"`,
              item.span,
              {
                hint: `write ${quoteString(v.name)}: single quotes make a string`,
              },
            );
            ok = false;
          } else items.push(v);
        }
        return ok ? { type: "list", items, span: e.span } : undefined;
      }
      case "Identifier": {
        if (e.name === "stream" || e.name === "batch")
          return { type: "node", id: this.root(e).node.id, span: e.span };
        const entry = this.lookupVar(e);
        if (entry?.value === undefined) return undefined;
        return { ...entry.value, span: e.span } as ArgValue;
      }
      case "Lambda":
        return this.checkLambda(e, predicate);
      case "Chain": {
        const t = this.evalChain(e);
        return t === undefined ? undefined : { type: "node", id: t.node.id, span: e.span };
      }
      case "Call": {
        if (e.name === "time" && e.args.length === 1 && e.args[0]?.type === "Duration") {
          return { type: "time", ns: e.args[0].ns, span: e.span };
        }
        // `time(length, offset)` (Kapacitor's groupByTime): the offset moves the bucket edges.
        const [len, off] = e.args;
        if (
          e.name === "time" &&
          e.args.length === 2 &&
          len?.type === "Duration" &&
          off?.type === "Duration"
        ) {
          return { type: "time", ns: len.ns, offset: off.ns, span: e.span };
        }
        return this.constant(e);
      }
      case "Unary":
      case "Binary":
        return this.constant(e);
    }
  }

  /** Folds a constant expression outside a lambda (`-5m`, `10s * 2`) with src/expr. */
  private constant(e: Expr): ArgValue | undefined {
    const { compiled, problems } = tryCompileExpression(e, this.compileOptions(false));
    if (compiled === undefined) {
      for (const p of problems) this.error(p.code, p.message, p.span, { hint: p.hint });
      return undefined;
    }
    const v = compiled.constant === undefined ? undefined : valueToArg(compiled.constant, e.span);
    if (v === undefined) {
      this.error(CheckCodes.ARG_TYPE, `${formatExpr(e)} is not a constant here`, e.span, {
        hint: `expressions that read fields or tags belong in a lambda: lambda: ${formatExpr(e)}`,
      });
    }
    return v;
  }

  // ----- chains ---------------------------------------------------------------------------------

  private evalChain(chain: ChainExpr): Target | undefined {
    let target = this.chainHead(chain.head);
    for (const link of chain.links) {
      if (target === undefined) {
        // Keep checking the arguments of the rest of the chain (lambdas, vars) for their own errors.
        for (const a of link.args) if (a.type === "Lambda") this.checkLambda(a, false);
        continue;
      }
      if (link.type === "NodeLink") target = this.nodeLink(target, link);
      else if (link.type === "PropertyLink") target = this.propertyLink(target, link);
      else {
        this.error(
          CheckCodes.UNSUPPORTED,
          `tickd does not run user-defined functions: @${link.name}() needs a Kapacitor UDF agent, and tickd has no UDF agents`,
          link.span,
          {
            hint: "express it with built-in nodes (eval, InfluxQL functions) or keep this task on Kapacitor",
          },
        );
        target = undefined;
      }
    }
    return target;
  }

  private chainHead(head: IdentifierExpr): Target | undefined {
    if (head.name === "stream" || head.name === "batch") return this.root(head);
    const entry = this.lookupVar(head);
    if (entry === undefined || entry.value === undefined) return undefined;
    if (entry.target !== undefined) return entry.target;
    this.error(CheckCodes.ARG_TYPE, `${head.name} holds ${describeGot(entry.value)}, not a node`, head.span, {
      hint: "a chain starts at stream, batch or a var holding a chain",
    });
    return undefined;
  }

  private nodeLink(target: Target, link: ChainLink): Target | undefined {
    const parent = target.node;
    const spec = NODES[link.name];
    if (spec === undefined || spec.internal === true) {
      this.unknownNode(parent, target.handler, link);
      return undefined;
    }
    if (!this.checkFollows(spec, parent, link)) {
      this.checkArgs(`\`|${link.name}()\``, spec.args, link);
      return undefined;
    }
    const args = this.checkArgs(`\`|${link.name}()\``, spec.args, link);
    if (args === undefined) return undefined;
    if (spec.kind === "deadman") return this.deadman(parent, args, link);
    if (spec.kind === "stats") return { node: this.stats(parent, args, link.span, false) };
    if (spec.kind === "join") {
      const others = args.filter((a) => a.type === "node").map((a) => this.nodeOf(a.id));
      return { node: this.createNode(spec, [parent, ...others], args, link.span, false) };
    }
    if (spec.kind === "union") {
      const others = args.filter((a) => a.type === "node").map((a) => this.nodeOf(a.id));
      return { node: this.createNode(spec, [...others, parent], args, link.span, false) };
    }
    return { node: this.createNode(spec, [parent], args, link.span, false) };
  }

  private unknownNode(parent: TaskNode, handler: HandlerSpec | undefined, link: ChainLink): void {
    const name = link.name;
    const isProp = propertyNames(parent.kind, handler?.kind).includes(name);
    if (isProp) {
      this.error(
        CheckCodes.UNKNOWN_NODE,
        `${name} is a property of ${parent.kind}, not a node: write .${name}()`,
        link.nameSpan,
      );
      return;
    }
    if (KAPACITOR_ONLY_NODES.includes(name)) {
      this.error(CheckCodes.UNSUPPORTED, `tickd does not support Kapacitor's |${name}() node`, link.nameSpan);
      return;
    }
    const guess = didYouMean(name, CHAIN_NODE_KINDS);
    this.error(CheckCodes.UNKNOWN_NODE, `unknown node |${name}()`, link.nameSpan, {
      hint: guess !== undefined ? `did you mean |${guess}?` : undefined,
    });
  }

  /** Whether `spec` may be created after `parent` (Kapacitor's chaining methods and edge types). */
  private checkFollows(spec: NodeSpec, parent: TaskNode, link: ChainLink): boolean {
    const name = link.name;
    if (spec.follows === "stream" || spec.follows === "batch") {
      if (parent.kind === spec.follows) return true;
      this.error(
        CheckCodes.EDGE,
        `${name} can only follow ${spec.follows}, not ${parent.name}`,
        link.nameSpan,
        {
          hint: `start a new chain: ${spec.follows} |${name}(${spec.follows === "batch" ? "'SELECT …'" : ""})`,
        },
      );
      return false;
    }
    if (spec.follows === "chain" && (parent.kind === "stream" || parent.kind === "batch")) {
      const first = parent.kind === "stream" ? "|from()" : "|query('…')";
      this.error(CheckCodes.EDGE, `${name} cannot follow ${parent.kind}; add ${first} first`, link.nameSpan);
      return false;
    }
    if (spec.follows === "chain" && parent.provides === "none") {
      this.error(
        CheckCodes.EDGE,
        `${name} cannot follow ${parent.name}: ${parent.kind} passes no data on`,
        link.nameSpan,
        {
          hint: `start the branch from the node before |${parent.kind}()`,
        },
      );
      return false;
    }
    if (spec.wants === "stream" && parent.provides === "batch") {
      this.error(
        CheckCodes.EDGE,
        `${name} needs a stream of points, but ${parent.name} provides batches`,
        link.nameSpan,
        {
          hint:
            spec.kind === "window"
              ? "batch data is already windowed: set .period() and .every() on |query()"
              : undefined,
        },
      );
      return false;
    }
    return true;
  }

  private nodeOf(id: number): TaskNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  /**
   * Adds a node. Like Kapacitor's `linkChild`, each parent link assigns a fresh id, so a node
   * with several parents (join, union) takes the id of its last link.
   */
  private createNode(
    spec: NodeSpec,
    parents: TaskNode[],
    args: ArgValue[],
    span: Span,
    synthetic: boolean,
  ): TaskNode {
    let id = this.nextId++;
    for (let i = 1; i < parents.length; i++) id = this.nextId++;
    const first = parents[0];
    const input: EdgeType = first?.provides ?? "none";
    const n: TaskNode = {
      id,
      name: `${spec.desc}${id}`,
      kind: spec.kind,
      desc: spec.desc,
      parents: parents.map((p) => p.id),
      children: [],
      wants: parents.length === 0 ? "none" : spec.wants === "any" ? input : spec.wants,
      provides: spec.provides === "same" ? input : spec.provides,
      args,
      properties: [],
      handlers: [],
      span,
      implemented: spec.implemented,
      synthetic,
    };
    if (spec.kind === "stream" || spec.kind === "batch") n.wants = "none";
    for (const p of parents) p.children.push(id);
    this.nodes.push(n);
    return n;
  }

  /** `|stats(interval)`: a source node reporting on `of`; `of` gets a noop child if it has none. */
  private stats(of: TaskNode, args: ArgValue[], span: Span, synthetic: boolean): TaskNode {
    const s = this.createNode(NODES.stats!, [], args, span, synthetic);
    s.statsSource = of.id;
    if (of.children.length === 0) this.createNode(NODES.noop!, [of], [], span, true);
    return s;
  }

  /** `|deadman(threshold, interval, exprs…)` = stats(interval) |derivative('emitted') |alert(). */
  private deadman(parent: TaskNode, args: ArgValue[], link: ChainLink): Target {
    const [threshold, interval, ...exprs] = args;
    const intervalNs = interval?.type === "duration" ? interval.ns : 0;
    const stats = this.stats(parent, interval === undefined ? [] : [interval], link.span, true);
    const derivative = this.createNode(
      NODES.derivative!,
      [stats],
      [{ type: "string", value: "emitted", span: link.span }],
      link.span,
      true,
    );
    derivative.properties.push(
      {
        name: "unit",
        args: interval === undefined ? [] : [interval],
        span: link.span,
        nameSpan: link.nameSpan,
      },
      { name: "nonNegative", args: [], span: link.span, nameSpan: link.nameSpan },
    );
    const alert = this.createNode(NODES.alert!, [derivative], [], link.span, true);
    alert.deadman = {
      threshold: threshold?.type === "float" ? threshold.value : 0,
      intervalNs,
      expressions: exprs.flatMap((e) => (e.type === "lambda" ? [e.expr] : [])),
    };
    return { node: alert };
  }

  private propertyLink(target: Target, link: ChainLink): Target | undefined {
    const { node } = target;
    let written = this.written.get(node);
    if (written === undefined) this.written.set(node, (written = new Set()));
    written.add(link.name);
    written.add(link.name.charAt(0).toLowerCase() + link.name.slice(1));
    const hspec = target.handler !== undefined ? HANDLERS[target.handler.kind] : undefined;
    const own = hspec !== undefined ? byName(hspec.properties, link.name) : undefined;
    if (own !== undefined && target.handler !== undefined) {
      const args = this.checkArgs(`\`.${link.name}()\``, own.sig, link);
      if (args !== undefined)
        this.setProperty(target.handler, own, link, args, `${target.handler.kind} handler of ${node.name}`);
      return target;
    }
    const nodeSpec = NODES[node.kind];
    const spec = nodeSpec !== undefined ? byName(nodeSpec.properties, link.name) : undefined;
    if (spec === undefined) {
      this.unknownProperty(target, link);
      // An unknown handler-creating property would make every following handler property unknown too.
      return target.handler !== undefined ? { node } : target;
    }
    if (spec.aliasOf !== undefined) {
      this.warn(
        CheckCodes.ALIAS,
        `write .${spec.aliasOf}(): Kapacitor only accepts that spelling, .${link.name}() is a tickd alias`,
        link.nameSpan,
      );
    }
    const args = this.checkArgs(`\`.${link.name}()\``, spec.sig, link);
    if (spec.handler !== undefined) {
      const h: HandlerSpec = {
        kind: spec.handler,
        args: args ?? [],
        properties: [],
        span: link.span,
        implemented: HANDLERS[spec.handler]?.implemented ?? false,
      };
      if (args !== undefined) node.handlers.push(h);
      return { node, handler: h };
    }
    if (args !== undefined) this.setProperty(node, spec, link, args, node.name);
    return { node };
  }

  private unknownProperty(target: Target, link: ChainLink): void {
    const { node, handler } = target;
    const name = link.name;
    const spec = NODES[name];
    if (spec !== undefined && spec.internal !== true) {
      this.error(
        CheckCodes.UNKNOWN_PROPERTY,
        `${name} is a node, not a property of ${node.kind}: write |${name}()`,
        link.nameSpan,
      );
      return;
    }
    if (node.kind === "alert" && KAPACITOR_ONLY_HANDLERS.includes(name)) {
      this.error(
        CheckCodes.UNSUPPORTED,
        `tickd does not support Kapacitor's .${name}() alert handler`,
        link.nameSpan,
        {
          hint: "use .post(), .victorOps(), .slack(), .pagerDuty2(), .opsGenie2(), .teams(), .telegram(), .discord() or another supported handler (README), or a topic handler",
        },
      );
      return;
    }
    const candidates = propertyNames(node.kind, handler?.kind).filter(
      (c) => NODES[node.kind]?.properties[c]?.aliasOf === undefined,
    );
    const guess = didYouMean(name, candidates);
    const on = handler !== undefined ? `${handler.kind} handler or alert` : node.kind;
    this.error(CheckCodes.UNKNOWN_PROPERTY, `unknown property .${name} on ${on}`, link.nameSpan, {
      hint: guess !== undefined ? `did you mean .${guess}?` : undefined,
    });
  }

  private setProperty(
    owner: TaskNode | HandlerSpec,
    spec: PropertySpec,
    link: ChainLink,
    args: ArgValue[],
    ownerName: string,
  ): void {
    const setting: PropertySetting = { name: spec.name, args, span: link.span, nameSpan: link.nameSpan };
    if (spec.repeat === "once") {
      let seen = this.setOnce.get(owner);
      if (seen === undefined) this.setOnce.set(owner, (seen = new Map()));
      const before = seen.get(spec.name);
      if (before !== undefined) {
        this.warn(
          CheckCodes.REPEATED,
          `.${spec.name}() is already set on ${ownerName} at line ${before.nameSpan.start.line}; this value replaces it`,
          link.nameSpan,
        );
      }
      seen.set(spec.name, setting);
    }
    owner.properties.push(setting);
    this.validateProperty(spec, setting);
  }

  // ----- arguments ------------------------------------------------------------------------------

  /**
   * Resolves and type-checks the arguments of a node or property. Variadic parameters take the
   * items of a list argument. Returns undefined when anything was wrong (all reported).
   */
  private checkArgs(label: string, s: Signature, link: ChainLink): ArgValue[] | undefined {
    const out: ArgValue[] = [];
    let ok = true;
    const items: { param: Param | undefined; v: Described; expr: Expr }[] = [];
    let count = 0;
    link.args.forEach((a, i) => {
      const param = i < s.params.length ? s.params[i] : s.rest;
      if (
        param !== undefined &&
        param.types.length === 1 &&
        param.types[0] === "lambda" &&
        isBareExpression(a)
      ) {
        const prefix = link.type === "NodeLink" ? "|" : ".";
        this.error(
          CheckCodes.ARG_TYPE,
          `${label} takes a lambda: write ${prefix}${link.name}(lambda: ${formatExpr(a)})`,
          a.span,
        );
        ok = false;
        count++;
        return;
      }
      const v = this.evalValue(a, param?.predicate === true);
      if (v === undefined) {
        ok = false;
        count++;
        return;
      }
      if (v.type === "list" && param !== undefined && param === s.rest && !param.types.includes("list")) {
        for (const item of v.items) items.push({ param, v: item, expr: a });
        count += v.items.length;
        return;
      }
      items.push({ param, v, expr: a });
      count++;
    });
    const required = s.params.filter((p) => p.optional !== true).length + (s.restMin ?? 0);
    const max = s.rest !== undefined ? Infinity : s.params.length;
    if (count < required || count > max) {
      this.error(
        CheckCodes.ARG_COUNT,
        `${label} takes ${arity(s)}, got ${count === 0 ? "none" : count}`,
        link.nameSpan,
      );
      return undefined;
    }
    const single = s.params.length + (s.rest !== undefined ? 1 : 0) === 1;
    for (const { param, v, expr } of items) {
      if (param === undefined) continue;
      if ((param.types as readonly string[]).includes(v.type)) {
        out.push(v as ArgValue);
        continue;
      }
      ok = false;
      const which = single
        ? ""
        : param === s.rest && s.params.length > 0
          ? ` for each ${param.name}`
          : ` for ${param.name}`;
      this.error(
        CheckCodes.ARG_TYPE,
        `${label} takes ${describeExpected(param.types)}${which}, got ${describeGot(v, (id) => this.nodeOf(id).name)}`,
        v.span,
        { hint: typeHint(label, param, v, expr) },
      );
    }
    return ok ? out : undefined;
  }

  // ----- value checks Kapacitor makes when it validates a pipeline --------------------------------

  private validateProperty(spec: PropertySpec, s: PropertySetting): void {
    if (spec.name === "flapping") {
      for (const a of s.args) {
        if (a.type === "float" && (a.value < 0 || a.value > 1)) {
          this.error(
            CheckCodes.INVALID,
            `\`.flapping()\` thresholds are fractions between 0 and 1, got ${formatFloat(a.value)}`,
            a.span,
            {
              hint: a.value > 1 ? `write ${a.value / 100} for ${a.value}%` : undefined,
            },
          );
        }
      }
    } else if (spec.name === "header") {
      const k = s.args[0];
      if (k?.type === "string" && k.value.toLowerCase() === "authenticate") {
        this.error(CheckCodes.INVALID, "cannot set the Authenticate header from TICKscript", k.span, {
          hint: "put credentials in the [[httppost]] endpoint's configuration",
        });
      }
    } else if (spec.name === "partitionAlgorithm") {
      const a = s.args[0];
      if (a?.type === "string" && !KAFKA_PARTITION_ALGORITHMS.includes(a.value)) {
        this.error(CheckCodes.INVALID, `unknown partition algorithm ${quoteString(a.value)}`, a.span, {
          expected: KAFKA_PARTITION_ALGORITHMS.map((x) => quoteString(x)),
        });
      }
    }
  }

  private validateNode(n: TaskNode): void {
    if (n.kind === "join") {
      const as = n.properties.filter((p) => p.name === "as").at(-1);
      if (as === undefined) {
        this.error(
          CheckCodes.INVALID,
          `join needs .as() with a name for each of its ${n.parents.length} parents`,
          n.span,
          {
            hint: `add .as(${n.parents.map((_, i) => `'${String.fromCharCode(97 + i)}'`).join(", ")})`,
          },
        );
      } else if (as.args.length !== n.parents.length) {
        this.error(
          CheckCodes.INVALID,
          `.as() names ${as.args.length} node${as.args.length === 1 ? "" : "s"}, but the join has ${n.parents.length} parents`,
          as.nameSpan,
        );
      } else {
        for (const a of as.args) {
          if (a.type === "string" && a.value.includes(".")) {
            this.error(
              CheckCodes.INVALID,
              `join names cannot contain a dot: ${quoteString(a.value)}`,
              a.span,
            );
          }
        }
      }
    } else if (n.kind === "window") {
      const has = (name: string): boolean => this.written.get(n)?.has(name) === true;
      if ((has("period") || has("every")) && (has("periodCount") || has("everyCount"))) {
        this.error(
          CheckCodes.INVALID,
          "a window is either time based (.period/.every) or count based (.periodCount/.everyCount), not both",
          n.span,
        );
      } else if (!has("period") && !has("periodCount")) {
        this.warn(
          CheckCodes.WINDOW,
          `${n.name} has no .period() or .periodCount(), so its windows are empty`,
          n.span,
        );
      }
    } else if (n.kind === "barrier") {
      // pipeline/barrier.go validate(): exactly one of idle and period, greater than zero.
      const last = (name: string) => n.properties.filter((p) => p.name === name).at(-1);
      const idle = last("idle");
      const period = last("period");
      if (idle !== undefined && period !== undefined) {
        this.error(CheckCodes.INVALID, "a barrier takes .idle() or .period(), not both", period.nameSpan);
      } else if (idle === undefined && period === undefined) {
        this.error(CheckCodes.INVALID, `${n.name} needs .idle(d) or .period(d)`, n.span, {
          hint: "add .idle(10s) to close a group's windows after 10s without data",
        });
      }
      for (const s of [idle, period]) {
        const a = s?.args[0];
        if (a?.type === "duration" && a.ns <= 0) {
          this.error(CheckCodes.INVALID, `\`.${s!.name}()\` must be greater than zero`, a.span);
        }
      }
    } else if (n.kind === "combine") {
      // pipeline/combine.go validate().
      const as = n.properties.filter((p) => p.name === "as").at(-1);
      const delim = n.properties.filter((p) => p.name === "delimiter").at(-1)?.args[0];
      const delimiter = delim?.type === "string" ? delim.value : ".";
      const lambdas = n.args.length;
      if (as === undefined) {
        this.error(
          CheckCodes.INVALID,
          `${n.name} needs .as() with a prefix for each of its ${lambdas} lambdas`,
          n.span,
        );
      } else if (as.args.length !== lambdas) {
        this.error(
          CheckCodes.INVALID,
          `.as() names ${as.args.length} prefixes, but combine has ${lambdas} lambdas`,
          as.nameSpan,
        );
      } else {
        const seen = new Set<string>();
        for (const a of as.args) {
          if (a.type !== "string") continue;
          if (a.value === "") this.error(CheckCodes.INVALID, "a combine prefix cannot be empty", a.span);
          else if (delimiter !== "" && a.value.includes(delimiter))
            this.error(
              CheckCodes.INVALID,
              `cannot use name ${quoteString(a.value)} as a prefix: it contains the delimiter ${quoteString(delimiter)}`,
              a.span,
            );
          else if (seen.has(a.value))
            this.error(CheckCodes.INVALID, `the prefix ${quoteString(a.value)} is used twice`, a.span);
          seen.add(a.value);
        }
      }
    } else if (n.kind === "kapacitorLoopback") {
      // pipeline/kapacitor_loopback.go validate().
      for (const [prop, what] of [
        ["database", "a database"],
        ["retentionPolicy", "a retention policy"],
      ] as const) {
        const v = n.properties.filter((p) => p.name === prop).at(-1)?.args[0];
        if (v?.type !== "string" || v.value === "")
          this.error(CheckCodes.INVALID, `${n.name} must specify ${what}: add .${prop}('…')`, n.span);
      }
    } else if (n.kind === "httpPost") {
      // pipeline/http_post.go validate(): one URL or one endpoint.
      const endpoints = n.properties.filter((p) => p.name === "endpoint");
      if (n.args.length > 1) {
        this.error(CheckCodes.INVALID, `httpPost takes 0 or 1 URLs, got ${n.args.length}`, n.span);
      } else if (endpoints.length > 1) {
        this.error(
          CheckCodes.INVALID,
          `httpPost takes 0 or 1 endpoints, got ${endpoints.length}`,
          endpoints[1]!.nameSpan,
        );
      } else if (n.args.length === 0 && endpoints.length === 0) {
        this.error(CheckCodes.INVALID, `${n.name} needs a URL or .endpoint('name')`, n.span);
      } else if (n.args.length > 0 && endpoints.length > 0) {
        this.error(
          CheckCodes.INVALID,
          "httpPost takes a URL or an endpoint, not both",
          endpoints[0]!.nameSpan,
        );
      }
    } else if (n.kind === "alert") {
      for (const h of n.handlers) {
        if (h.kind === "post" && h.args.length === 0 && !h.properties.some((p) => p.name === "endpoint")) {
          this.error(CheckCodes.INVALID, "`.post()` needs a URL or .endpoint('name')", h.span);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * A property by the name a script wrote. Kapacitor capitalizes the first letter and looks for
 * that Go method or field, so `.URL()` and `.uRL()` (and `.Crit()`) name the same property; the
 * catalogue keeps the first letter lower-cased.
 */
function byName(properties: Readonly<Record<string, PropertySpec>>, name: string): PropertySpec | undefined {
  return Object.hasOwn(properties, name)
    ? properties[name]
    : properties[name.charAt(0).toLowerCase() + name.slice(1)];
}

function isBareExpression(e: Expr): boolean {
  return e.type === "Binary" || e.type === "Unary" || e.type === "Reference" || e.type === "Call";
}

function arity(s: Signature): string {
  const names = s.params.map((p) => p.name);
  const required = s.params.filter((p) => p.optional !== true).length;
  const plural = (n: number): string => (n === 1 ? "argument" : "arguments");
  if (s.rest !== undefined) {
    const min = required + (s.restMin ?? 0);
    const list = [...names, `${s.rest.name}…`].join(", ");
    return min === 0 ? `any number of arguments (${list})` : `at least ${min} ${plural(min)} (${list})`;
  }
  if (names.length === 0) return "no arguments";
  if (required === names.length) return `${required} ${plural(required)} (${names.join(", ")})`;
  return `${required} to ${names.length} arguments (${names.join(", ")})`;
}

function typeHint(label: string, param: Param, v: Described, expr: Expr): string | undefined {
  const types = param.types;
  if (v.type === "int" && types.includes("float")) {
    if (param.fraction === true) {
      const n = Number(v.value);
      return `${label} takes ${typePlural("float")}: write ${n > 1 ? String(n / 100) : formatFloat(n)}, not ${v.value}`;
    }
    return `write ${v.value}.0, not ${v.value}: TICKscript never turns an integer into a float`;
  }
  if (v.type === "float" && types.includes("int")) {
    return Number.isInteger(v.value)
      ? `write ${v.value}, not ${formatFloat(v.value)}: this argument is an integer`
      : "this argument is an integer";
  }
  if (v.type === "string" && types.includes("duration")) {
    return parseDuration(v.value) !== undefined
      ? `write ${v.value} without quotes`
      : "durations are written without quotes, such as 10s or 5m";
  }
  if (v.type === "string" && types.includes("lambda"))
    return 'start the expression with lambda:, such as lambda: "value" > 90';
  if (types.includes("string")) {
    if (v.type === "duration") return `quote it: '${formatExpr(expr)}'`;
    if (v.type === "regex") return `strings are written in single quotes: ${quoteString(v.pattern)}`;
    if (v.type === "reference") {
      return `write ${quoteString(v.name)}: single quotes make a string, double quotes name a field or tag inside a lambda`;
    }
    if (v.type === "int" || v.type === "float") return `quote it: '${formatExpr(expr)}'`;
  }
  if (v.type === "reference" && types.includes("lambda")) return `write lambda: "${v.name}"`;
  return undefined;
}

function exampleValue(t: VarType): string {
  switch (t) {
    case "int":
      return "10";
    case "float":
      return "0.5";
    case "bool":
      return "true";
    case "duration":
      return '"10s"';
    case "list":
      return '[{"type": "string", "value": "host"}]';
    case "star":
      return "null";
    case "lambda":
      return '"\\"value\\" > 90"';
    default:
      return '"text"';
  }
}

function jsonSafe(v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

/** A graph value as a src/expr value (for lambdas): scalars as values, lambdas as their body. */
function argToExprValue(v: ArgValue): VarValue | undefined {
  switch (v.type) {
    case "int":
    case "float":
    case "bool":
    case "string":
      return v.value;
    case "duration":
      return new Duration(v.ns);
    case "regex":
      try {
        return compileRegex(v.pattern);
      } catch {
        return undefined;
      }
    case "lambda":
      return v.expr;
    case "star":
      return { type: "Star", span: v.span };
    case "list":
      return { type: "List", items: [], span: v.span };
    case "node":
    case "time":
      return {
        type: "Chain",
        head: { type: "Identifier", name: "node", span: v.span },
        links: [],
        span: v.span,
      };
  }
}

/** A graph value as a literal AST node at `span` (for substituting vars into lambdas). */
function argToExpr(v: ArgValue, span: Span): Expr | undefined {
  switch (v.type) {
    case "int":
      return { type: "Int", value: v.value, raw: String(v.value), span };
    case "float":
      return { type: "Float", value: v.value, raw: formatFloat(v.value), span };
    case "bool":
      return { type: "Bool", value: v.value, span };
    case "string":
      return { type: "String", value: v.value, triple: false, span };
    case "duration":
      return { type: "Duration", ns: v.ns, raw: formatDuration(v.ns), span };
    case "regex":
      return { type: "Regex", pattern: v.pattern, span };
    case "lambda":
      return v.expr;
    default:
      return undefined;
  }
}

/** A folded constant from src/expr as a graph value. */
function valueToArg(v: Value, span: Span): ArgValue | undefined {
  switch (typeof v) {
    case "bigint":
      return { type: "int", value: v, span };
    case "number":
      return { type: "float", value: v, span };
    case "string":
      return { type: "string", value: v, span };
    case "boolean":
      return { type: "bool", value: v, span };
    default:
      if (v instanceof Duration) return { type: "duration", ns: v.ns, span };
      return undefined;
  }
}
