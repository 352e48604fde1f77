/**
 * Lets a child process run the real src/store code without a build step: transpiles
 * src/store/index.ts and every module it imports at runtime (type-only imports are erased)
 * into `outDir`, which gets a package.json for ESM and a node_modules link to the repo's.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
// Runtime imports only: `import type …` and `export type …` name nothing at run time.
const RUNTIME_IMPORT = /^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)\.js"/gms;

/** Returns the file: URL of the transpiled src/store/index.js. */
export function buildStoreForChild(outDir: string): string {
  const todo = [join(REPO, "src/store/index.ts")];
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
  return pathToFileURL(join(outDir, "src/store/index.js")).href;
}
