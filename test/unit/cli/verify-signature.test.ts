import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { runVerifySignature, type VerifySignatureOptions } from "../../../src/cli/verify-signature.js";
import { hmacSha256Signature, victorOpsSignature } from "../../../src/handlers/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tickd-verify-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function run(
  o: Omit<VerifySignatureOptions, "out" | "err">,
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runVerifySignature({ env: {}, ...o, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const BODY = '{"event":"incident.created","timestamp":1700000000,"data":{"id":"cpu"}}';

describe("tickctl verify-signature", () => {
  it("hmac-sha256: valid with or without the sha256= prefix, INVALID otherwise", async () => {
    const body = file("body.json", BODY);
    const sig = hmacSha256Signature("k", BODY);
    expect(await run({ scheme: "hmac-sha256", key: "k", bodyFile: body, signature: sig })).toEqual({
      code: 0,
      out: "signature valid\n",
      err: "",
    });
    expect(
      (await run({ scheme: "hmac-sha256", key: "k", bodyFile: body, signature: sig.slice(7) })).code,
    ).toBe(0);
    expect(await run({ scheme: "hmac-sha256", key: "other", bodyFile: body, signature: sig })).toEqual({
      code: 1,
      out: "signature INVALID\n",
      err: "",
    });
    // The exact bytes count: a trailing newline changes the signature.
    const nl = file("nl.json", BODY + "\n");
    expect((await run({ scheme: "hmac-sha256", key: "k", bodyFile: nl, signature: sig })).code).toBe(1);
  });

  it("takes the key from TICKD_SIGNATURE_KEY", async () => {
    const body = file("body.json", BODY);
    const r = await run({
      scheme: "hmac-sha256",
      bodyFile: body,
      signature: hmacSha256Signature("envkey", BODY),
      env: { TICKD_SIGNATURE_KEY: "envkey" },
    });
    expect(r.code).toBe(0);
  });

  it("victorops: checks the form body against the URL", async () => {
    const form = "Incident=cpu&Level=CRITICAL&Message=m&Summary=s&Time=1970-01-01T00%3A00%3A00Z";
    const url = "http://receiver.example/hook";
    const sig = victorOpsSignature("k", url, form);
    const f = file("form.txt", form);
    expect((await run({ scheme: "victorops", key: "k", formFile: f, url, signature: sig })).out).toBe(
      "signature valid\n",
    );
    expect((await run({ scheme: "victorops", key: "k", bodyFile: f, url, signature: sig })).code).toBe(0);
    expect(
      (await run({ scheme: "victorops", key: "k", formFile: f, url: url + "x", signature: sig })).out,
    ).toBe("signature INVALID\n");
  });

  it("exits 2 with a message on usage and file errors", async () => {
    const body = file("body.json", BODY);
    const cases: [Omit<VerifySignatureOptions, "out" | "err">, RegExp][] = [
      [{ scheme: "md5", key: "k", bodyFile: body, signature: "x" }, /unknown --scheme "md5"/],
      [
        { scheme: "hmac-sha256", bodyFile: body, signature: "x" },
        /missing key: pass --key or set TICKD_SIGNATURE_KEY/,
      ],
      [{ scheme: "hmac-sha256", key: "k", bodyFile: body }, /missing --signature/],
      [{ scheme: "hmac-sha256", key: "k", signature: "x" }, /missing --body-file/],
      [{ scheme: "victorops", key: "k", bodyFile: body, signature: "x" }, /missing --url/],
      [
        { scheme: "hmac-sha256", key: "k", bodyFile: join(dir, "nope"), signature: "x" },
        /cannot read .*nope: no such file/,
      ],
    ];
    for (const [o, msg] of cases) {
      const r = await run(o);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(msg);
    }
  });
});
