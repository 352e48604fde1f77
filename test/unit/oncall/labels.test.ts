import { describe, expect, it } from "vitest";
import { fingerprint } from "../../../src/oncall/labels.js";

/** Alertmanager's scheme written the plain way (BigInt per byte), as the reference. */
function reference(labels: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  const add = (bytes: Iterable<number>): void => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  const enc = new TextEncoder();
  for (const k of Object.keys(labels).sort()) {
    add(enc.encode(k));
    add([0xff]);
    add(enc.encode(labels[k]!));
    add([0xff]);
  }
  return h.toString(16).padStart(16, "0");
}

describe("label fingerprint", () => {
  it("is FNV-1a 64 over the sorted labels, as the BigInt reference computes it", () => {
    const cases: Record<string, string>[] = [
      {},
      { a: "b" },
      { alertname: "cpu:host=a", host: "a", severity: "critical", task: "cpu", topic: "main:cpu:alert2" },
      { zeta: "1", alpha: "2" },
      { é: "日本語", emoji: "\u{1F600}", lone: "\ud800x" },
    ];
    // Deterministic pseudo-random label sets: ASCII and wide characters, empty values.
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 300; i++) {
      const l: Record<string, string> = {};
      for (let j = rnd(6); j > 0; j--) {
        const chars = Array.from({ length: rnd(12) }, () =>
          i % 3 === 0 ? 0x20 + rnd(0x3000) : 0x20 + rnd(95),
        );
        l[`k${rnd(1000)}`] = String.fromCharCode(...chars);
      }
      cases.push(l);
    }
    for (const c of cases) expect(fingerprint(c), JSON.stringify(c)).toBe(reference(c));
    expect(fingerprint({})).toBe("cbf29ce484222325");
  });
});
