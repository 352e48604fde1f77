/**
 * Builds plain objects whose key list repeats record after record (the tags and fields of a
 * line-protocol body). Growing an object key by key costs a megamorphic keyed store per key
 * and, past four keys, reallocations of its property backing store; an object literal of the
 * whole key list is allocated in one go with every property in place. So once a key list
 * repeats, it gets a compiled literal ("maker"), cached process-wide by key list.
 *
 * The keys are data: they enter the generated source only as JSON string literals, never as
 * code, and lists with `__proto__` (a literal would set the prototype) or a duplicate key
 * keep the key-by-key path.
 */

export type Maker<V> = (values: readonly V[]) => Record<string, V>;

const MAX_KEYS = 64;
/** Compiled makers kept for the process; further key lists use the key-by-key path. */
const MAX_MAKERS = 4096;
const makers = new Map<string, Maker<unknown>>();

/** The maker for keys[0..n), or undefined when the list does not qualify. */
function makerFor<V>(keys: readonly string[], n: number): Maker<V> | undefined {
  if (n === 0 || n > MAX_KEYS) return undefined;
  // Keys cannot contain a newline (it ends a line-protocol record), so it separates them.
  const id = keys.slice(0, n).join("\n");
  let make = makers.get(id);
  if (make === undefined) {
    if (makers.size >= MAX_MAKERS) return undefined;
    const distinct = new Set(keys.slice(0, n));
    if (distinct.size !== n || distinct.has("__proto__")) return undefined;
    const props = keys.slice(0, n).map((k, i) => `${JSON.stringify(k)}: v[${i}]`);
    // Safe: the keys appear in the source only as JSON string literals.
    make = new Function("v", `"use strict"; return { ${props.join(", ")} };`) as Maker<unknown>;
    makers.set(id, make);
  }
  return make as Maker<V>;
}

function sameKeys(a: readonly string[], b: readonly string[], n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `o[key] = v` would set the prototype for `__proto__`; make it a plain own property. */
export function defineOwn(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Collects one record's keys and values (reused across records: no allocation per record)
 * and builds the object. Keep one builder per kind of object per key sequence source (e.g.
 * per measurement), so that its "last key list" tracks one stream of similar records.
 */
export class RecordBuilder<V> {
  /** The current record's keys and values; only [0, n) of each is meaningful. */
  readonly keys: string[] = [];
  readonly values: V[] = [];
  private made: { keys: readonly string[]; make: Maker<V> } | undefined;
  /** The key list of the last record built key by key. */
  private last: string[] | undefined;
  /** For `has` on records with many keys: keys[0, indexed) of the current record. */
  private index: Set<string> | undefined;
  private indexed = 0;

  /** The object of keys[i] → values[i] for i < n; a later duplicate key overwrites. */
  build(n: number): Record<string, V> {
    const keys = this.keys;
    const made = this.made;
    if (made !== undefined && sameKeys(made.keys, keys, n)) return made.make(this.values);
    const last = this.last;
    if (last !== undefined && sameKeys(last, keys, n)) {
      const make = makerFor<V>(last, n);
      if (make !== undefined) {
        this.made = { keys: last, make };
        return make(this.values);
      }
    } else this.last = keys.slice(0, n);
    const o: Record<string, V> = {};
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      if (k === "__proto__") defineOwn(o, k, this.values[i]);
      else o[k] = this.values[i]!;
    }
    return o;
  }

  /**
   * True when keys[0..n) already holds `key` (a duplicate tag key is an error). Within a
   * record, call it for n = 1, 2, 3… in turn, as each key arrives.
   */
  has(key: string, n: number): boolean {
    const keys = this.keys;
    if (n <= LINEAR_LOOKUP) {
      for (let i = 0; i < n; i++) if (keys[i] === key) return true;
      return false;
    }
    // A record with very many keys: index them once so the check stays linear overall.
    if (this.index === undefined || n === LINEAR_LOOKUP + 1) {
      this.index = new Set();
      this.indexed = 0;
    }
    while (this.indexed < n) this.index.add(keys[this.indexed++]!);
    return this.index.has(key);
  }
}

const LINEAR_LOOKUP = 16;
