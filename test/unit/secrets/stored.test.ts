import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../../src/config/index.js";
import { redactOptions } from "../../../src/handlers/index.js";
import {
  openHandler,
  openOverrides,
  rotateSecrets,
  sealClearSecrets,
  SecretBox,
} from "../../../src/secrets/index.js";
import { openStore } from "../../../src/store/index.js";
import { useTempDir } from "../store/helpers.js";

const K1 = "k1-0123456789abcdef0123456789abcdef";
const K2 = "k2-fedcba9876543210fedcba9876543210";
const { dir, track } = useTempDir();

describe("stored handler options and config overrides", () => {
  it("seals what an older tickd stored in clear, and rotation moves it to a new key", () => {
    const path = join(dir(), "tickd.db");
    const store = track(openStore(path));
    const options = {
      url: "http://127.0.0.1:1/x",
      "basic-auth": { username: "u", password: "clear-pw-1234" },
    };
    store.topicHandlers.put({ topic: "ops", id: "h", kind: "post", options, match: "" });
    store.kv.put("config:overrides", JSON.stringify({ victorops: { "api-key": "clear-vo-5678" } }));
    const box = new SecretBox({ key: K1, oldKeys: [] });
    const deps = { box, store, overridesKey: "config:overrides", redact: redactOptions };
    expect(sealClearSecrets(deps, SECRET_KEYS)).toBe(2);
    expect(sealClearSecrets(deps, SECRET_KEYS)).toBe(0);
    store.close();
    const bytes = readFileSync(path);
    expect(bytes.includes("clear-pw-1234")).toBe(false);
    expect(bytes.includes("clear-vo-5678")).toBe(false);

    const again = track(openStore(path));
    const next = new SecretBox({ key: K2, oldKeys: [K1] });
    const log = (): void => {};
    expect(openHandler(again.topicHandlers.get("ops", "h")!, next, log).options).toEqual(options);
    const report = rotateSecrets({
      ...deps,
      box: next,
      store: again,
      connectors: () => ({ resealed: 0, unreadable: [] }),
    });
    expect(report.resealed).toEqual({ connectors: 0, handlers: 1, overrides: 1 });
    const only = new SecretBox({ key: K2, oldKeys: [] });
    expect(openHandler(again.topicHandlers.get("ops", "h")!, only, log).options).toEqual(options);
    expect(openOverrides(again.kv.get("config:overrides")!, only, log)).toEqual({
      victorops: { "api-key": "clear-vo-5678" },
    });
  });

  it("drops an override secret no key opens (the file's value applies) and logs it", () => {
    const store = track(openStore(join(dir(), "tickd.db")));
    const box = new SecretBox({ key: K1, oldKeys: [] });
    const deps = { box, store, overridesKey: "config:overrides", redact: redactOptions };
    store.kv.put("config:overrides", JSON.stringify({ victorops: { "api-key": "vo", url: "https://x" } }));
    sealClearSecrets(deps, SECRET_KEYS);
    const logs: string[] = [];
    const opened = openOverrides(
      store.kv.get("config:overrides")!,
      new SecretBox({ key: K2, oldKeys: [] }),
      (_l, m) => logs.push(m),
    );
    expect(opened).toEqual({ victorops: { url: "https://x" } });
    expect(logs[0]).toContain("cannot read");
  });
});
