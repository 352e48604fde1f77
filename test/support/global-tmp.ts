/**
 * Vitest global setup: every temp dir a test run makes (mkdtemp under os.tmpdir(), the
 * spawned daemons' state, log files) goes under one fresh folder, removed when the run ends,
 * so `npm test` leaves nothing behind in /tmp however a test exits.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "tickd-test-run-"));
  // os.tmpdir() reads TMPDIR on every call; test workers and spawned daemons inherit it.
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
