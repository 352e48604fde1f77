import { describe, expect, it } from "vitest";

import { loadConfig } from "../../../src/config/index.js";
import { confFile, kapacitorFixture } from "./helpers.js";

const load = (text: string, env: NodeJS.ProcessEnv = {}) => loadConfig({ file: confFile(text), env });

describe("where the state goes when [storage] dir is not set", () => {
  it("Kapacitor's sample: next to its boltdb file, both keys read (not listed as ignored)", () => {
    const loaded = loadConfig({ file: kapacitorFixture(), env: {} });
    expect(loaded.config.storage.dir).toBe("/var/lib/kapacitor");
    expect(loaded.storageFrom).toBe("[storage] boltdb");
    expect(loaded.ignored).not.toContain("storage.boltdb");
    expect(loaded.ignored).not.toContain("data_dir");
  });

  it("data_dir when there is no boltdb key", () => {
    const loaded = load(`data_dir = "/srv/kapacitor"\n`);
    expect(loaded.config.storage.dir).toBe("/srv/kapacitor");
    expect(loaded.storageFrom).toBe("data_dir");
    expect(loaded.ignored).not.toContain("data_dir");
  });

  it("the boltdb file's directory wins over a different data_dir, which stays ignored", () => {
    const loaded = load(`data_dir = "/srv/meta"\n[storage]\n  boltdb = "/srv/db/kapacitor.db"\n`);
    expect(loaded.config.storage.dir).toBe("/srv/db");
    expect(loaded.ignored).toContain("data_dir");
    expect(loaded.ignored).not.toContain("storage.boltdb");
  });

  it("[storage] dir, from the file or the environment, wins; the Kapacitor keys are then ignored", () => {
    const text = `data_dir = "/srv/meta"\n[storage]\n  dir = "/srv/tickd"\n  boltdb = "/srv/db/kapacitor.db"\n`;
    const fromFile = load(text);
    expect(fromFile.config.storage.dir).toBe("/srv/tickd");
    expect(fromFile.storageFrom).toBe("[storage] dir");
    expect(fromFile.ignored).toEqual(expect.arrayContaining(["data_dir", "storage.boltdb"]));
    const fromEnv = load(`data_dir = "/srv/meta"\n`, { TICKD_STORAGE_DIR: "/env/dir" });
    expect(fromEnv.config.storage.dir).toBe("/env/dir");
    expect(fromEnv.storageFrom).toBe("env TICKD_STORAGE_DIR");
  });

  it("neither: ./data, as before", () => {
    const loaded = load(`hostname = "x"\n`);
    expect(loaded.config.storage.dir).toBe("./data");
    expect(loaded.storageFrom).toBe("default");
  });
});

describe("LoadedConfig.locate", () => {
  it("names the file and line of a key, or the env variable that set it", () => {
    const file = confFile(`hostname = "x"\n[logging]\n  file = "/x/y.log"\n`);
    expect(loadConfig({ file, env: {} }).locate(["logging", "file"])).toBe(`${file}:3`);
    expect(loadConfig({ file, env: { TICKD_LOGGING_FILE: "/z.log" } }).locate(["logging", "file"])).toBe(
      "env TICKD_LOGGING_FILE",
    );
    expect(loadConfig({ env: {} }).locate(["logging", "file"])).toBe("defaults");
  });
});
