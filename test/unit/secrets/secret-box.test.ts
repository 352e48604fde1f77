import { describe, expect, it } from "vitest";
import {
  hasStale,
  isSealed,
  openSealed,
  resealAll,
  SecretBox,
  sealKeys,
  sealWhereRedacted,
} from "../../../src/secrets/index.js";
import { redactOptions } from "../../../src/handlers/index.js";
import { TickdError } from "../../../src/core/errors.js";

const K1 = "k1-0123456789abcdef0123456789abcdef";
const K2 = "k2-fedcba9876543210fedcba9876543210";

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof TickdError ? e.code : "not a TickdError";
  }
  return undefined;
}

describe("SecretBox (AES-256-GCM)", () => {
  it("round-trips text, with a fresh IV per value and nothing of the text in the sealed form", () => {
    const box = new SecretBox({ key: K1, oldKeys: [] });
    const a = box.seal("s3cr3t-Pa55w0rd ünïcode");
    const b = box.seal("s3cr3t-Pa55w0rd ünïcode");
    expect(a).not.toBe(b);
    expect(a).not.toContain("s3cr3t");
    expect(isSealed(a)).toBe(true);
    expect(box.open(a)).toBe("s3cr3t-Pa55w0rd ünïcode");
    expect(box.open(b)).toBe("s3cr3t-Pa55w0rd ünïcode");
  });

  it("refuses a value sealed under another key, and a tampered one", () => {
    const sealed = new SecretBox({ key: K1, oldKeys: [] }).seal("x");
    expect(codeOf(() => new SecretBox({ key: K2, oldKeys: [] }).open(sealed))).toBe("E_SECRET_UNREADABLE");
    const box = new SecretBox({ key: K1, oldKeys: [] });
    const last = sealed.at(-2) === "A" ? "B" : "A";
    const tampered = sealed.slice(0, -2) + last + sealed.slice(-1);
    expect(codeOf(() => box.open(tampered))).toBe("E_SECRET_UNREADABLE");
  });

  it("opens values of old-keys and seals them again under the current key (rotation)", () => {
    const old = new SecretBox({ key: K1, oldKeys: [] }).seal("rotate-me");
    const box = new SecretBox({ key: K2, oldKeys: [K1] });
    expect(box.open(old)).toBe("rotate-me");
    expect(box.isStale(old)).toBe(true);
    const again = box.reseal(old);
    expect(box.isStale(again)).toBe(false);
    expect(new SecretBox({ key: K2, oldKeys: [] }).open(again)).toBe("rotate-me");
  });

  it("refuses a key shorter than 32 characters, current or old", () => {
    expect(codeOf(() => new SecretBox({ key: "short", oldKeys: [] }))).toBe("E_SECRET_KEY");
    expect(codeOf(() => new SecretBox({ key: K1, oldKeys: ["x".repeat(31)] }))).toBe("E_SECRET_KEY");
  });

  it("without a key seals with a run-only key another run cannot open", () => {
    const box = new SecretBox({ key: "", oldKeys: [] });
    expect(box.ephemeral).toBe(true);
    const sealed = box.seal("only-this-run");
    expect(box.open(sealed)).toBe("only-this-run");
    expect(codeOf(() => new SecretBox({ key: "", oldKeys: [] }).open(sealed))).toBe("E_SECRET_UNREADABLE");
  });
});

describe("sealing the secret leaves of options", () => {
  const box = new SecretBox({ key: K1, oldKeys: [] });
  const options = {
    url: "https://user:url-pass-123@hooks.example.com/x",
    headers: { Authorization: "Bearer tok-abc", "X-Env": "prod" },
    "basic-auth": { username: "ops", password: "pw-456" },
  };

  it("seals exactly what the kind's redaction hides, and opens it again", () => {
    const sealed = sealWhereRedacted(options, redactOptions("post", options), box) as typeof options;
    const text = JSON.stringify(sealed);
    for (const s of ["url-pass-123", "tok-abc", "pw-456"]) expect(text).not.toContain(s);
    expect(sealed.headers["X-Env"]).toBe("prod");
    expect(sealed["basic-auth"].username).toBe("ops");
    expect(openSealed(sealed, box)).toEqual({ value: options, unreadable: [] });
  });

  it("lists the leaves no key opens and leaves them sealed", () => {
    const sealed = sealWhereRedacted(options, redactOptions("post", options), box);
    const other = new SecretBox({ key: K2, oldKeys: [] });
    const o = openSealed(sealed, other);
    expect(o.unreadable.sort()).toEqual(["basic-auth.password", "headers.Authorization", "url"]);
    expect(o.reason).toContain("neither [secrets] key nor one of [secrets] old-keys");
  });

  it("seals values of secret config keys at any depth; resealAll moves them to the current key", () => {
    const sealed = sealKeys(
      { victorops: { "api-key": "vo-key-789", url: "https://x" } },
      new Set(["api-key"]),
      box,
    );
    expect(JSON.stringify(sealed)).not.toContain("vo-key-789");
    const next = new SecretBox({ key: K2, oldKeys: [K1] });
    expect(hasStale(sealed, next)).toBe(true);
    const moved = resealAll(sealed, next);
    expect(hasStale(moved, next)).toBe(false);
    expect(openSealed(moved, new SecretBox({ key: K2, oldKeys: [] })).value).toEqual({
      victorops: { "api-key": "vo-key-789", url: "https://x" },
    });
  });
});
