/**
 * Lets a child process run real src/ code (the store and delivery crash tests) without a build step:
 * transpiles the entry modules and every module they import at run time (type-only imports
 * are erased) into `outDir`, with a package.json for ESM and a link to the repo's node_modules.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const RUNTIME_IMPORT = /^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)\.js"/gms;

/** Returns the file: URL of each entry's transpiled .js, in order. */
export function buildForChild(outDir: string, entries: readonly string[]): string[] {
  const todo = entries.map((e) => join(REPO, e));
  const done = new Set<string>();
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, "utf8");
    for (const m of source.matchAll(RUNTIME_IMPORT)) todo.push(resolve(dirname(file), `${m[1]}.ts`));
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    }).outputText;
    const out = join(outDir, relative(REPO, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
  }
  writeFileSync(join(outDir, "package.json"), `{"type":"module"}\n`);
  symlinkSync(join(REPO, "node_modules"), join(outDir, "node_modules"), "dir");
  return entries.map((e) => pathToFileURL(join(outDir, e).replace(/\.ts$/, ".js")).href);
}
