/**
 * The keys of `[secrets]` as the daemon uses them: `key`, else the text of `key-file`
 * (trimmed), plus `old-keys`. A key file that cannot be read, or a key shorter than 32
 * characters, stops the start with a message naming the key.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { SecretsConfig } from "../config/types.js";
import { TickdError } from "../core/errors.js";
import { checkKeyLength, SecretCodes, type SecretKeys } from "./secret-box.js";

export function readSecretKeys(c: SecretsConfig): SecretKeys {
  let key = c.key;
  if (key === "" && c.keyFile !== "") {
    const path = resolve(c.keyFile);
    try {
      key = readFileSync(path, "utf8").trim();
    } catch (e) {
      throw new TickdError(
        SecretCodes.KEY,
        `[secrets] key-file: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        { cause: e },
      );
    }
    if (key === "") throw new TickdError(SecretCodes.KEY, `[secrets] key-file: ${path} is empty`);
    checkKeyLength(key, `[secrets] key-file ${path}`);
  }
  return { key, oldKeys: c.oldKeys };
}
