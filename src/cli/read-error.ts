/** Why a file the user named could not be read, in the CLIs' words. */
import { coerceError } from "../core/errors.js";

export function readErrorReason(e: unknown): string {
  const err = coerceError(e) as NodeJS.ErrnoException;
  if (err.code === "ENOENT") return "no such file";
  if (err.code === "EISDIR") return "is a directory";
  return err.message;
}
