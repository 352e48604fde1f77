/**
 * What a lambda reads. A Point is a Scope as it is: the engine passes points straight in, and
 * nothing is allocated per evaluation to look a name up.
 *
 * Name resolution follows Kapacitor's `fillScope` (expr.go): `"time"` is always the point time;
 * otherwise a field or a tag of that name; a name that is both a field and a tag is an error
 * ("cannot have field and tags with same name"); a name that is neither is the missing value.
 */
import type { FieldValue } from "../core/types.js";
import { evalError } from "./errors.js";
import type { Missing } from "./values.js";

export interface Scope {
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly tags: Readonly<Record<string, string>>;
  /** ns since the Unix epoch. */
  readonly time: bigint;
}

export function collisionError(name: string): Error {
  return evalError(`cannot have field and tags with same name "${name}"`);
}

/** Field or tag `name` (not `"time"`). Only for names that are not Object.prototype keys. */
export function lookup(s: Scope, name: string, missing: Missing): FieldValue | Missing {
  const f = s.fields[name];
  if (f === undefined) {
    const t = s.tags[name];
    return t === undefined ? missing : t;
  }
  if (s.tags[name] !== undefined) throw collisionError(name);
  return f;
}

/** The same for names such as `constructor` that plain objects inherit. */
export function lookupOwn(s: Scope, name: string, missing: Missing): FieldValue | Missing {
  const hasField = Object.hasOwn(s.fields, name);
  const hasTag = Object.hasOwn(s.tags, name);
  if (hasField && hasTag) throw collisionError(name);
  if (hasField) return s.fields[name]!;
  if (hasTag) return s.tags[name]!;
  return missing;
}

/** True when `lookup` cannot be used for `name`. */
export function needsOwnLookup(name: string): boolean {
  return name in Object.prototype;
}
