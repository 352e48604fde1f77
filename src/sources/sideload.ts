/**
 * `|sideload()` file sources (Kapacitor's services/sideload, file scheme): a source is a
 * directory given as `file:///abs/dir`; every `.yml`/`.yaml`/`.json` file under it is read
 * into a map of key → value, found by its path relative to the directory (`host/a.yml`).
 * Other files count as empty. Sources are cached per directory and shared by the tasks that
 * use them; `reload()` reads every cached directory again (Kapacitor's POST
 * /kapacitor/v1/sideload/reload). YAML and JSON numbers are float64s, as in Kapacitor (its
 * YAML goes through JSON), so the node converts them to the default's type.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, isAbsolute, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { SideloadSource } from "../engine/context.js";

type Values = Record<string, unknown>;

class FileSource implements SideloadSource {
  private cache = new Map<string, Values>();
  constructor(readonly dir: string) {
    this.update();
  }

  update(): void {
    const next = new Map<string, Values>();
    const walk = (d: string): void => {
      for (const name of readdirSync(d).sort()) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else next.set(relative(this.dir, p).split(sep).join("/"), readValues(p));
      }
    };
    walk(this.dir);
    this.cache = next;
  }

  lookup(order: readonly string[], key: string): unknown {
    for (const o of order) {
      const values = this.cache.get(o);
      if (values !== undefined && Object.hasOwn(values, key)) return values[key];
    }
    return undefined;
  }
}

function readValues(path: string): Values {
  const ext = extname(path);
  if (ext !== ".yml" && ext !== ".yaml" && ext !== ".json") return {};
  const text = readFileSync(path, "utf8");
  let v: unknown;
  try {
    v = ext === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`failed to read sideload values file ${path}: ${(e as Error).message}`);
  }
  if (v === null || v === undefined) return {};
  if (typeof v !== "object" || Array.isArray(v))
    throw new Error(`sideload values file ${path} must hold a map of keys to values`);
  return v as Values;
}

export interface SideloadSources {
  /** Opens (or shares) the source of `url`; throws for a scheme other than file or a bad path. */
  open(url: string): SideloadSource;
  /** Reads every open source again; throws naming the first directory that fails. */
  reload(): void;
}

export function createSideloadSources(): SideloadSources {
  const sources = new Map<string, FileSource>();
  return {
    open(url) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw new Error(`sideload source ${JSON.stringify(url)} is not a URL: write file:///absolute/dir`);
      }
      if (u.protocol === "http:" || u.protocol === "https:")
        throw new Error(`sideload source ${url}: tickd reads sideload sources from files only (file:///dir)`);
      if (u.protocol !== "file:")
        throw new Error(
          `unsupported sideload source scheme "${u.protocol.replace(/:$/, "")}", must be 'file'`,
        );
      const dir = normalize(fileURLToPath(u));
      if (!isAbsolute(dir)) throw new Error(`sideload source path must be absolute ${JSON.stringify(dir)}`);
      let src = sources.get(dir);
      if (src === undefined) {
        src = new FileSource(dir);
        sources.set(dir, src);
      }
      return src;
    },
    reload() {
      for (const [dir, src] of sources) {
        try {
          src.update();
        } catch (e) {
          throw new Error(`failed to update source ${JSON.stringify(dir)}: ${(e as Error).message}`);
        }
      }
    },
  };
}
