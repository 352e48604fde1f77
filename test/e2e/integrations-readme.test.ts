/**
 * The README's "Inbound integrations" section lists every source with its endpoint and one
 * example curl, and each curl works as written against a daemon with the default config: the
 * request (path, headers, fixture file) is read from the README and sent to a spawned tickd.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SOURCES } from "../../src/integrations/sources/index.js";
import { REPO } from "../support/cli.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";

const readme = readFileSync(join(REPO, "README.md"), "utf8");
const section = /## Inbound integrations\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";

interface Curl {
  path: string;
  headers: Record<string, string>;
  file: string;
}

function curls(): Curl[] {
  const out: Curl[] = [];
  for (const m of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const cmd = m[1]!.replace(/\\\n/g, " ");
    const url = /'http:\/\/127\.0\.0\.1:9092([^']+)'/.exec(cmd)?.[1];
    const file = /--data-binary @(\S+)/.exec(cmd)?.[1];
    if (!cmd.trim().startsWith("curl") || url === undefined || file === undefined) continue;
    const headers: Record<string, string> = {};
    for (const h of cmd.matchAll(/-H '([^:]+): ([^']*)'/g)) headers[h[1]!] = h[2]!;
    out.push({ path: url, headers, file });
  }
  return out;
}

let daemon: TickdProcess;
beforeAll(async () => {
  daemon = await startTickd();
});
afterAll(async () => {
  await daemon?.stop("SIGKILL");
  if (daemon !== undefined) rmSync(daemon.dir, { recursive: true, force: true });
});

describe("README: inbound integrations", () => {
  it("lists every source in the table with its endpoint, and one curl each", () => {
    const listed = curls().map((c) => /\/tickd\/v1\/integrations\/([^?]+)/.exec(c.path)?.[1]);
    for (const s of SOURCES) {
      expect(section).toContain(`| \`${s.name}\` \`/tickd/v1/integrations/${s.name}\` |`);
    }
    expect(listed).toEqual(SOURCES.map((s) => s.name));
  });

  it("every example curl is accepted by a default daemon", async () => {
    for (const c of curls()) {
      const res = await fetch(`${daemon.url}${c.path}`, {
        method: "POST",
        headers: c.headers,
        body: readFileSync(join(REPO, c.file)),
      });
      const body = (await res.json()) as Record<string, unknown>;
      expect({ path: c.path, status: res.status < 300, body }).toMatchObject({ path: c.path, status: true });
    }
  });
});
