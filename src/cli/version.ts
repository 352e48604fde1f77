import { readFileSync } from "node:fs";

/** The package version, read once from package.json (dist/src/cli → ../../../package.json). */
export const VERSION: string = (() => {
  for (const rel of ["../../../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "tickd" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next candidate: tests run from src/, the daemon from dist/src/
    }
  }
  return "0.0.0";
})();
