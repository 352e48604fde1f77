/**
 * Regression: `tickctl verify-signature --scheme victorops --url …` always answered `missing
 * --url`, because tickctl's global `--url` (tickd's address) took the value. The subcommand's
 * `--url` is its own; the global one keeps working before a command and, the Kapacitor way
 * (`-url`), after a client command.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { victorOpsSignature } from "../../src/handlers/index.js";
import { REPO, runBuilt } from "../support/cli.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

let dir: string;
let rx: Receiver | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tickd-verify-e2e-"));
});
afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await rx?.close();
  rx = undefined;
});

const FORM =
  "Incident=cpu%3Aweb1&Level=CRITICAL&Message=idle+4%25&Summary=cpu+is+CRITICAL&Time=2024-01-01T00%3A00%3A00Z";
const URL_SIGNED = "https://hooks.example.com/escalate?team=ops";

/** runBuilt without blocking this process, so the receiver in it can answer. */
function runAsync(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`${REPO}dist/src/cli/tickctl.js`, ...args],
      { timeout: 30_000, env: { ...process.env, TICKD_URL: "", KAPACITOR_URL: "" } },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

describe("tickctl verify-signature --url (built binary)", () => {
  it("checks a VictorOps-scheme signature against the URL given with --url or -url", () => {
    const form = join(dir, "form.txt");
    writeFileSync(form, FORM);
    const sig = victorOpsSignature("k3y", URL_SIGNED, FORM);
    for (const flag of ["--url", "-url"]) {
      const args = ["verify-signature", "--scheme", "victorops", "--key", "k3y", "--form-file", form];
      const ok = runBuilt("tickctl", [...args, flag, URL_SIGNED, "--signature", sig]);
      expect(ok.stderr).toBe("");
      expect(ok.stdout).toBe("signature valid\n");
      expect(ok.status).toBe(0);
      const other = runBuilt("tickctl", [
        ...args,
        flag,
        "https://hooks.example.com/other",
        "--signature",
        sig,
      ]);
      expect(other.stdout).toBe("signature INVALID\n");
      expect(other.status).toBe(1);
    }
    // tickd's own address before the command does not count as the signed URL.
    const globalOnly = runBuilt("tickctl", [
      "-url",
      URL_SIGNED,
      "verify-signature",
      "--scheme",
      "victorops",
      "--key",
      "k3y",
      "--form-file",
      form,
      "--signature",
      sig,
    ]);
    expect(globalOnly.stderr).toContain("missing --url");
    expect(globalOnly.status).toBe(2);
  });

  it("client commands still take tickd's address as -url after the command or --url before it", async () => {
    rx = await startReceiver({
      fallback: { status: 200, body: '{"link":{"rel":"self","href":"/"},"tasks":[]}' },
    });
    for (const args of [
      ["list", "tasks", "-url", rx.url],
      ["list", "tasks", "--url", rx.url],
      ["-url", rx.url, "list", "tasks"],
      ["--url", rx.url, "list", "tasks"],
    ]) {
      const r = await runAsync(args);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
    expect(rx.requests.map((r) => r.path.split("?")[0])).toEqual(Array(4).fill("/kapacitor/v1/tasks"));
  });
});
