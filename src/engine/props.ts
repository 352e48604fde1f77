/** Typed reads of a checked node's properties. The checker already enforced the types. */
import type { Expr } from "../../grammar/ast.js";
import { allProperties, lastProperty, type ArgValue, type PropertySetting } from "../pipeline/task-graph.js";

type Owner = { properties: readonly PropertySetting[] };

export function has(o: Owner, name: string): boolean {
  return lastProperty(o, name) !== undefined;
}

export function arg(o: Owner, name: string, i = 0): ArgValue | undefined {
  return lastProperty(o, name)?.args[i];
}

export function str(o: Owner, name: string, i = 0): string | undefined {
  const a = arg(o, name, i);
  return a?.type === "string" ? a.value : undefined;
}

export function dur(o: Owner, name: string, i = 0): number | undefined {
  const a = arg(o, name, i);
  return a?.type === "duration" ? a.ns : undefined;
}

export function int(o: Owner, name: string, i = 0): number | undefined {
  const a = arg(o, name, i);
  return a?.type === "int" ? Number(a.value) : undefined;
}

export function float(o: Owner, name: string, i = 0): number | undefined {
  const a = arg(o, name, i);
  return a?.type === "float" ? a.value : undefined;
}

export function lambda(o: Owner, name: string, i = 0): Expr | undefined {
  const a = arg(o, name, i);
  return a?.type === "lambda" ? a.expr : undefined;
}

/** Every lambda given to a repeatable property (`.where()` on from is ANDed). */
export function lambdas(o: Owner, name: string): Expr[] {
  const out: Expr[] = [];
  for (const p of allProperties(o, name)) for (const a of p.args) if (a.type === "lambda") out.push(a.expr);
  return out;
}

/** String arguments of the last setting, lists flattened (`.groupBy('host', 'cpu')`). */
export function strings(o: Owner, name: string): string[] {
  return flatStrings(lastProperty(o, name)?.args ?? []);
}

export function flatStrings(args: readonly ArgValue[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a.type === "string") out.push(a.value);
    else if (a.type === "list") out.push(...flatStrings(a.items));
  }
  return out;
}

export function hasStar(args: readonly ArgValue[]): boolean {
  return args.some((a) => a.type === "star" || (a.type === "list" && hasStar(a.items)));
}

/** The argument as a plain runtime value (bigint, number, string, boolean, ns). */
export function plain(a: ArgValue): bigint | number | string | boolean | undefined {
  switch (a.type) {
    case "int":
    case "float":
    case "bool":
    case "string":
      return a.value;
    case "duration":
      return a.ns;
    default:
      return undefined;
  }
}
