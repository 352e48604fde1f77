/**
 * TICKscript grammar: a pure CstParser (no embedded actions), one shared instance.
 *
 * Beyond Kapacitor's grammar it accepts a few common mistakes (`=` for `==`, `and`/`or`,
 * `&&`/`||`) as if they were the right operator, so that cst-to-ast reports one precise
 * diagnostic and parsing carries on undisturbed.
 */
import { CstParser, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import * as T from "./tokens.js";

/**
 * Errors carry structured JSON instead of prose: messages.ts turns them into SRE wording
 * once the whole token vector is known (it needs to look around the failing token).
 */
export interface RawParseError {
  kind: "mismatch" | "noViableAlt" | "earlyExit" | "notAllInput";
  rule: string;
  expected: string[];
}

function tokenNames(paths: TokenType[][][] | TokenType[][]): string[] {
  const out = new Set<string>();
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) {
      // Only the first token of each path says what could come next.
      if (x.length > 0 && !Array.isArray(x[0])) {
        const first = x[0] as TokenType;
        out.add(first.name);
      } else for (const y of x) visit(y);
    }
  };
  visit(paths);
  return [...out];
}

const structuredErrors: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    JSON.stringify({ kind: "mismatch", rule: ruleName, expected: [expected.name] } satisfies RawParseError),
  buildNotAllInputParsedMessage: ({ ruleName }) =>
    JSON.stringify({ kind: "notAllInput", rule: ruleName, expected: ["EOF"] } satisfies RawParseError),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) =>
    JSON.stringify({
      kind: "noViableAlt",
      rule: ruleName,
      expected: tokenNames(expectedPathsPerAlt),
    } satisfies RawParseError),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) =>
    JSON.stringify({
      kind: "earlyExit",
      rule: ruleName,
      expected: tokenNames(expectedIterationPaths),
    } satisfies RawParseError),
};

function isWord(tok: IToken, word: string): boolean {
  return (
    tok.tokenType === T.Identifier && tok.image.length === word.length && tok.image.toLowerCase() === word
  );
}

export class TickParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      nodeLocationTracking: "full",
      recoveryEnabled: true,
      maxLookahead: 2,
      errorMessageProvider: structuredErrors,
    });
    this.performSelfAnalysis();
  }

  /** Statements follow each other with no separator, as in Kapacitor. */
  public program = this.RULE("program", () => {
    this.MANY(() => this.SUBRULE(this.statement));
  });

  public statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.varDecl) },
      { ALT: () => this.SUBRULE(this.dbrpStmt) },
      // Only a chain (or a bare name) makes sense as a statement; a stray literal is reported
      // as such instead of being silently evaluated and dropped.
      { ALT: () => this.SUBRULE(this.identExpr) },
    ]);
  });

  /** `var x = expr` or `var x <type>` — the type is a plain name (`float` is also a function). */
  public varDecl = this.RULE("varDecl", () => {
    this.CONSUME(T.Var);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Assign);
          this.SUBRULE(this.expression);
        },
      },
      { ALT: () => this.CONSUME2(T.Identifier, { LABEL: "varType" }) },
    ]);
  });

  public dbrpStmt = this.RULE("dbrpStmt", () => {
    this.CONSUME(T.Dbrp);
    this.CONSUME(T.ReferenceLit, { LABEL: "db" });
    this.CONSUME(T.Dot);
    this.CONSUME2(T.ReferenceLit, { LABEL: "rp" });
  });

  public expression = this.RULE("expression", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.lambdaExpr) },
      { ALT: () => this.SUBRULE(this.listLit) },
      { ALT: () => this.SUBRULE(this.orExpr) },
    ]);
  });

  public lambdaExpr = this.RULE("lambdaExpr", () => {
    this.CONSUME(T.Lambda);
    this.SUBRULE(this.orExpr);
  });

  public listLit = this.RULE("listLit", () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.listItem) });
    this.CONSUME(T.RBracket);
  });

  /** Kapacitor lists hold names, strings and `*` only. */
  public listItem = this.RULE("listItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.Star) },
    ]);
  });

  // ---- lambda expressions, lowest precedence first; every loop is left-associative

  public orExpr = this.RULE("orExpr", () => {
    this.SUBRULE(this.andExpr, { LABEL: "operands" });
    this.MANY({
      GATE: () => this.LA(1).tokenType !== T.Identifier || isWord(this.LA(1), "or"),
      DEF: () => {
        this.OR([
          { ALT: () => this.CONSUME(T.Or, { LABEL: "operators" }) },
          { ALT: () => this.CONSUME(T.PipePipe, { LABEL: "operators" }) },
          { ALT: () => this.CONSUME(T.Identifier, { LABEL: "operators" }) },
        ]);
        this.SUBRULE2(this.andExpr, { LABEL: "operands" });
      },
    });
  });

  public andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.equalityExpr, { LABEL: "operands" });
    this.MANY({
      GATE: () => this.LA(1).tokenType !== T.Identifier || isWord(this.LA(1), "and"),
      DEF: () => {
        this.OR([
          { ALT: () => this.CONSUME(T.And, { LABEL: "operators" }) },
          { ALT: () => this.CONSUME(T.AmpAmp, { LABEL: "operators" }) },
          { ALT: () => this.CONSUME(T.Identifier, { LABEL: "operators" }) },
        ]);
        this.SUBRULE2(this.equalityExpr, { LABEL: "operands" });
      },
    });
  });

  public equalityExpr = this.RULE("equalityExpr", () => {
    this.SUBRULE(this.relationalExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.EqualityOp, { LABEL: "operators" }) },
        // `=` where `==` was meant: parsed as `==`, reported by cst-to-ast.
        { ALT: () => this.CONSUME(T.Assign, { LABEL: "operators" }) },
      ]);
      this.SUBRULE2(this.relationalExpr, { LABEL: "operands" });
    });
  });

  public relationalExpr = this.RULE("relationalExpr", () => {
    this.SUBRULE(this.additiveExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.RelationalOp, { LABEL: "operators" });
      this.SUBRULE2(this.additiveExpr, { LABEL: "operands" });
    });
  });

  public additiveExpr = this.RULE("additiveExpr", () => {
    this.SUBRULE(this.multiplicativeExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.AdditiveOp, { LABEL: "operators" });
      this.SUBRULE2(this.multiplicativeExpr, { LABEL: "operands" });
    });
  });

  /** After an operand, `*` always multiplies; before one it is the star literal. */
  public multiplicativeExpr = this.RULE("multiplicativeExpr", () => {
    this.SUBRULE(this.unaryExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.MultiplicativeOp, { LABEL: "operators" });
      this.SUBRULE2(this.unaryExpr, { LABEL: "operands" });
    });
  });

  public unaryExpr = this.RULE("unaryExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Minus, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.Bang, { LABEL: "operator" }) },
          ]);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  public primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.CONSUME(T.Integer) },
      { ALT: () => this.CONSUME(T.FloatLit) },
      { ALT: () => this.CONSUME(T.DurationLit) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.ReferenceLit) },
      { ALT: () => this.CONSUME(T.RegexLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Star) },
      { ALT: () => this.SUBRULE(this.identExpr) },
    ]);
  });

  public parenExpr = this.RULE("parenExpr", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.orExpr);
    this.CONSUME(T.RParen);
  });

  /**
   * A name, a function call `sigma("x")`, or a chain `stream |from() .where(...)`. A call
   * followed by links parses too, so cst-to-ast can say why it is wrong.
   */
  public identExpr = this.RULE("identExpr", () => {
    this.CONSUME(T.Identifier, { LABEL: "head" });
    this.OPTION(() => this.SUBRULE(this.argList));
    this.MANY(() => this.SUBRULE(this.chainLink));
  });

  public chainLink = this.RULE("chainLink", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Pipe, { LABEL: "kind" }) },
      { ALT: () => this.CONSUME(T.Dot, { LABEL: "kind" }) },
      { ALT: () => this.CONSUME(T.At, { LABEL: "kind" }) },
    ]);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.SUBRULE(this.argList);
  });

  public argList = this.RULE("argList", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
    this.CONSUME(T.RParen);
  });
}

/** Built once: grammar analysis is the expensive part. */
export const tickParser = new TickParser();
