import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { Level } from "../../../src/core/types.js";
import { alertEvent, factory, handlerConfig, POST_BODY } from "./helpers.js";

/** `node -e <script> <out>`: copies stdin to <out>. */
const COPY_STDIN = "require('fs').writeFileSync(process.argv[1], require('fs').readFileSync(0))";

describe("exec handler", () => {
  it("runs prog with args and the alert JSON line on stdin, waiting for it", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "tickd-exec-")), "stdin.json");
    const { f, logs } = factory(handlerConfig());
    const h = f.create({
      kind: "exec",
      options: { prog: process.execPath, args: ["-e", COPY_STDIN, out] },
      topic: "t",
      id: "exec",
    });
    await h.handle(alertEvent(), Level.OK);
    expect(readFileSync(out, "utf8")).toBe(POST_BODY);
    expect(logs).toEqual([]);
  });

  it("logs the output and exit status of a failing program", async () => {
    const { f, logs } = factory(handlerConfig());
    const script = "process.stdout.write('some '); process.stderr.write('trouble'); process.exit(3)";
    await f
      .create({
        kind: "exec",
        options: { prog: process.execPath, args: ["-e", script] },
        topic: "t",
        id: "exec",
      })
      .handle(alertEvent(), Level.OK);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.fields?.error).toBe("exec command failed: Output: some trouble: exit status 3");
    expect(logs[0]!.fields).toMatchObject({ handler: "exec", alert: "kapacitor/cpu/serverA" });
  });

  it("logs a program that cannot start", async () => {
    const { f, logs } = factory(handlerConfig());
    await f
      .create({ kind: "exec", options: { prog: "/nonexistent/tickd-prog" }, topic: "t", id: "exec" })
      .handle(alertEvent(), Level.OK);
    expect(logs).toHaveLength(1);
    expect(String(logs[0]!.fields?.error)).toContain("ENOENT");
  });

  it("validates prog and args", () => {
    const { f } = factory(handlerConfig());
    const create = (options: Record<string, unknown>) => () =>
      f.create({ kind: "exec", options, topic: "t", id: "e" });
    expect(create({})).toThrow(/option "prog": is required/);
    expect(create({ prog: "x", args: "a b" })).toThrow(/option "args": expected a list of strings/);
    expect(create({ prog: "x", args: ["a", 1] })).toThrow(/option "args\[1\]"/);
  });
});
