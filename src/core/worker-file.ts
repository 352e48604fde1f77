/**
 * Where a worker thread's compiled module is. Built, it sits next to the module that starts it;
 * under vitest (TypeScript sources) it is the one in dist/, which `npm test` builds first.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * `here`: the starting module's import.meta.url; `srcDir`: its folder under the repo
 * ("src/delivery"); `name`: the worker's file name without extension; `what` names it in the
 * error when the build is missing.
 */
export function compiledWorker(here: string, srcDir: string, name: string, what: string): string {
  const url = here.endsWith(".ts")
    ? new URL(`../../dist/${srcDir}/${name}.js`, here)
    : new URL(`./${name}.js`, here);
  const file = fileURLToPath(url);
  if (!existsSync(file)) throw new Error(`${what} ${file} is missing: run \`npm run build\``);
  return file;
}
