/**
 * `tickctl verify-signature`: checks a signed webhook as tickd's escalation handler sends it
 * (DESIGN §7), offline. Exit 0 prints "signature valid", 1 "signature INVALID", 2 a usage or
 * file error.
 *
 *   --scheme hmac-sha256   --signature is `X-Webhook-Signature` (`sha256=<hex>` or the bare hex),
 *                          computed over the body file's exact bytes.
 *   --scheme victorops     --signature is `X-VictorOps-Signature` (base64 HMAC-SHA1); --url is
 *                          the URL exactly as requested; the form body comes from --form-file
 *                          (or --body-file): `application/x-www-form-urlencoded` text.
 * The key is --key, else the TICKD_SIGNATURE_KEY environment variable (keeps it out of `ps`).
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";

import { coerceError } from "../core/errors.js";
import { verifyHmacSha256Signature, verifyVictorOpsSignature } from "../handlers/escalation.js";

export const SIGNATURE_KEY_ENV = "TICKD_SIGNATURE_KEY";

export interface VerifySignatureOptions {
  scheme: string;
  key?: string | undefined;
  bodyFile?: string | undefined;
  formFile?: string | undefined;
  signature?: string | undefined;
  url?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  out: (s: string) => void;
  err: (s: string) => void;
}

function usage(o: VerifySignatureOptions, message: string): number {
  o.err(`tickctl verify-signature: ${message}\n`);
  return 2;
}

export async function runVerifySignature(o: VerifySignatureOptions): Promise<number> {
  const scheme = o.scheme.trim().toLowerCase();
  if (scheme !== "hmac-sha256" && scheme !== "victorops")
    return usage(o, `unknown --scheme ${JSON.stringify(o.scheme)}: use hmac-sha256 or victorops`);
  const key = o.key ?? (o.env ?? process.env)[SIGNATURE_KEY_ENV];
  if (key === undefined || key === "") return usage(o, `missing key: pass --key or set ${SIGNATURE_KEY_ENV}`);
  if (o.signature === undefined || o.signature.trim() === "") return usage(o, "missing --signature");
  const file = scheme === "victorops" ? (o.formFile ?? o.bodyFile) : o.bodyFile;
  if (file === undefined)
    return usage(o, scheme === "victorops" ? "missing --form-file (or --body-file)" : "missing --body-file");
  if (scheme === "hmac-sha256" && o.formFile !== undefined)
    return usage(o, "--form-file is for --scheme victorops; use --body-file");
  if (scheme === "victorops" && (o.url === undefined || o.url === ""))
    return usage(o, "missing --url: the VictorOps signature covers the URL exactly as requested");
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (e) {
    const err = coerceError(e) as NodeJS.ErrnoException;
    return usage(o, `cannot read ${file}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
  }
  const valid =
    scheme === "victorops"
      ? verifyVictorOpsSignature({
          authKey: key,
          url: o.url ?? "",
          form: body.toString("utf8"),
          signature: o.signature,
        })
      : verifyHmacSha256Signature({ secret: key, body, signature: o.signature });
  if (valid) {
    o.out("signature valid\n");
    return 0;
  }
  o.out("signature INVALID\n");
  return 1;
}

/** Adds `verify-signature` to tickctl. */
export function registerVerifySignatureCommand(program: Command): void {
  program
    .command("verify-signature")
    .description("check the signature of a received signed webhook (exit 0 valid, 1 invalid)")
    .option("--scheme <scheme>", "hmac-sha256 or victorops", "hmac-sha256")
    .option("--key <key>", `the shared HMAC key (default: $${SIGNATURE_KEY_ENV})`)
    .option("--body-file <file>", "the raw request body")
    .option("--form-file <file>", "victorops: the form body (same as --body-file)")
    .option("--signature <sig>", "X-Webhook-Signature (sha256=<hex>) or X-VictorOps-Signature value")
    .option("--url <url>", "victorops: the URL the request was sent to")
    .action(
      async (opts: {
        scheme: string;
        key?: string;
        bodyFile?: string;
        formFile?: string;
        signature?: string;
        url?: string;
      }) => {
        process.exitCode = await runVerifySignature({
          ...opts,
          out: (s) => process.stdout.write(s),
          err: (s) => process.stderr.write(s),
        });
      },
    );
}
