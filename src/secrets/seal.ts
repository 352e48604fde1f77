/**
 * Sealing the secret leaves of a JSON value (handler options, config overrides) and opening
 * them again. Which leaves are secret is decided by whoever knows: the handler registry's
 * redaction (a leaf the redacted copy shows differently is a secret) or a list of key names.
 */
import { coerceError } from "../core/errors.js";
import { isSealed, type SecretBox } from "./secret-box.js";

type Json = unknown;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * A copy of `value` with every string leaf that `redacted` shows differently sealed (a
 * password replaced by "<redacted>", a URL whose user-info was hidden). Leaves already sealed
 * stay as they are.
 */
export function sealWhereRedacted(value: Json, redacted: Json, box: SecretBox): Json {
  if (typeof value === "string") {
    return value !== redacted && !isSealed(value) && value !== "" ? box.seal(value) : value;
  }
  if (Array.isArray(value)) {
    const r = Array.isArray(redacted) ? redacted : [];
    return value.map((v, i) => sealWhereRedacted(v, r[i], box));
  }
  if (isObject(value)) {
    const r = isObject(redacted) ? redacted : {};
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sealWhereRedacted(v, r[k], box)]));
  }
  return value;
}

/** A copy with the string values under any of `keys` (at any depth) sealed. */
export function sealKeys(value: Json, keys: ReadonlySet<string>, box: SecretBox): Json {
  if (Array.isArray(value)) return value.map((v) => sealKeys(v, keys, box));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      keys.has(k) && typeof v === "string" && v !== "" && !isSealed(v) ? box.seal(v) : sealKeys(v, keys, box),
    ]),
  );
}

export interface Opened {
  readonly value: Json;
  /** Paths (`basic-auth.password`) of the sealed leaves no configured key opens; they stay sealed. */
  readonly unreadable: string[];
  /** Why the first unreadable leaf could not be opened. */
  readonly reason?: string;
}

/** A copy with every sealed leaf opened; those that cannot be are listed and left sealed. */
export function openSealed(value: Json, box: SecretBox): Opened {
  const unreadable: string[] = [];
  let reason: string | undefined;
  const walk = (v: Json, path: string): Json => {
    if (isSealed(v)) {
      try {
        return box.open(v);
      } catch (e) {
        unreadable.push(path);
        reason ??= coerceError(e).message;
        return v;
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (isObject(v))
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, walk(x, path === "" ? k : `${path}.${k}`)]),
      );
    return v;
  };
  const out = walk(value, "");
  return reason === undefined ? { value: out, unreadable } : { value: out, unreadable, reason };
}

/** A copy with every sealed leaf sealed again under the current key; throws when one cannot be opened. */
export function resealAll(value: Json, box: SecretBox): Json {
  if (isSealed(value)) return box.reseal(value);
  if (Array.isArray(value)) return value.map((v) => resealAll(v, box));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resealAll(v, box)]));
  return value;
}

/** True when a sealed leaf is not under the current key. */
export function hasStale(value: Json, box: SecretBox): boolean {
  if (isSealed(value)) return box.isStale(value);
  if (Array.isArray(value)) return value.some((v) => hasStale(v, box));
  if (isObject(value)) return Object.values(value).some((v) => hasStale(v, box));
  return false;
}
