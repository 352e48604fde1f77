/**
 * A reusable byte buffer for building ASCII strings on hot paths (the alert JSON body, JSON and
 * HTML escaping of every alert's details). Appending to a JavaScript string piece by piece
 * leaves a rope of small strings behind (one per `+=`, each escape a slice and two joins): the
 * dispatch bench measured 10–20 KB of such garbage per notification. Writing the bytes into one
 * buffer and reading them out once allocates only the result.
 *
 * ASCII only: {@link AsciiBuilder.text} refuses a string with any code unit ≥ 0x80 (returns
 * false), and the caller then takes its general path. Callers must finish with `done()` before
 * anything else can use the builder (they run synchronously; `take()` hands out the shared one
 * or, when it is in use, a fresh one).
 */
export class AsciiBuilder {
  private buf: Buffer;
  n = 0;
  busy = false;

  constructor(size = 4096) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < this.n + need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  /** Appends an ASCII string as is; false (nothing written) when it has a code unit ≥ 0x80. */
  text(s: string): boolean {
    const len = s.length;
    if (this.n + len > this.buf.length) this.grow(len);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      b[n++] = c;
    }
    this.n = n;
    return true;
  }

  byte(c: number): void {
    if (this.n >= this.buf.length) this.grow(1);
    this.buf[this.n++] = c;
  }

  /**
   * Appends `s` with each code unit below 0x80 replaced by `table[c]` when that is not "" (a
   * replacement is ASCII); false (stopped part way) at a code unit ≥ 0x80 in either.
   */
  escaped(s: string, table: readonly string[]): boolean {
    const len = s.length;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      const r = table[c]!;
      if (r === "") {
        if (this.n >= this.buf.length) this.grow(1);
        this.buf[this.n++] = c;
      } else if (!this.text(r)) return false;
    }
    return true;
  }

  /** `escaped` between double quotes: a JSON string literal with `table`'s escapes. */
  quoted(s: string, table: readonly string[]): boolean {
    this.byte(34);
    if (!this.escaped(s, table)) return false;
    this.byte(34);
    return true;
  }

  /** The bytes written as a string; releases the builder. */
  done(): string {
    const s = this.buf.toString("latin1", 0, this.n);
    this.release();
    return s;
  }

  /** Releases the builder without reading it (the caller fell back to its general path). */
  release(): void {
    this.n = 0;
    this.busy = false;
  }
}

const shared = new AsciiBuilder(16384);

/** The shared builder, or a fresh one while it is in use (a nested call). Release it when done. */
export function takeBuilder(): AsciiBuilder {
  const b = shared.busy ? new AsciiBuilder(256) : shared;
  b.busy = true;
  b.n = 0;
  return b;
}
