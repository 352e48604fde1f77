import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TopicService } from "../../../src/alert/topic-service.js";
import {
  alertEvent,
  Level,
  RecordingFactory,
  RecordingLogger,
  RecordingPersistence,
  useTempDir,
} from "./helpers.js";

const tempDir = useTempDir();

function setup(persistence?: RecordingPersistence) {
  const factory = new RecordingFactory();
  const logger = new RecordingLogger();
  const service = new TopicService({
    factory,
    logger,
    persistTopics: true,
    ...(persistence === undefined ? {} : { persistence }),
  });
  return { factory, logger, service };
}

function write(dir: string, name: string, lines: string[]): void {
  writeFileSync(join(dir, name), lines.join("\n") + "\n");
}

const VICTOROPS = ["topic: cpu", "id: victorops-cpu", "kind: victorops", "options:", "  routing-key: ops"];
const LOG = [
  "topic: cpu",
  "id: log-cpu",
  "kind: log",
  "options:",
  "  path: /var/log/alerts.log",
  "  mode: 0644",
  "match: level() >= WARNING",
];

/** A directory with two good files, one broken YAML file, one schema error and a few more. */
function populate(dir: string): void {
  write(dir, "victorops.yaml", VICTOROPS);
  write(dir, "log.yml", LOG);
  writeFileSync(
    join(dir, "post.json"),
    JSON.stringify(
      { topic: "mem", id: "post-mem", kind: "post", options: { url: "http://x.test/" } },
      null,
      2,
    ),
  );
  write(dir, "broken.yaml", ["topic: cpu", "id: broken", "options:", "  a: [1, 2", "kind: log"]);
  write(dir, "typo.yaml", ["topic: cpu", "id: typo", "kind: log", "optoins:", "  path: /tmp/x"]);
  write(dir, "kind.yaml", ["topic: cpu", "id: pd", "kind: pagerduty"]);
  write(dir, "option.yaml", [
    "topic: cpu",
    "id: opt",
    "kind: log",
    "options:",
    "  path: /tmp/x",
    "  bogus: 1",
  ]);
  write(dir, "match.yaml", ["topic: cpu", "id: m", "kind: log", "match: level() >> WARNING"]);
  write(dir, "README.md", ["# not a handler"]);
  write(dir, ".editor-swap.yaml", ["garbage: ["]);
}

describe("loadHandlerDir", () => {
  it("loads every valid file and reports each invalid one as file:line: reason", async () => {
    const dir = tempDir();
    populate(dir);
    const { factory, service } = setup();
    const report = await service.loadHandlerDir(dir);

    expect(report.loaded.map((h) => `${h.topic}/${h.id}`)).toEqual([
      "cpu/log-cpu",
      "mem/post-mem",
      "cpu/victorops-cpu",
    ]);
    expect(report.removed).toEqual([]);
    expect(report.errors).toHaveLength(5);
    expect(report.errors[0]).toMatch(new RegExp(`^${join(dir, "broken.yaml")}:5: invalid YAML: `));
    expect(report.errors.slice(1)).toEqual([
      `${join(dir, "kind.yaml")}:3: unsupported action kind "pagerduty"`,
      expect.stringMatching(
        new RegExp(`^${join(dir, "match.yaml")}:4: invalid match expression: .*\\(line 1, column \\d+\\)$`),
      ),
      `${join(dir, "option.yaml")}:6: unknown option "bogus" for kind log`,
      `${join(dir, "typo.yaml")}:4: unknown key "optoins" (did you mean "options"?); a handler file has topic, id, kind, options and match`,
    ]);

    const log = service.getHandler("cpu", "log-cpu");
    expect(log).toMatchObject({
      kind: "log",
      options: { path: "/var/log/alerts.log", mode: 420 },
      match: "level() >= WARNING",
      source: { type: "file", path: join(dir, "log.yml") },
    });
    expect(service.listTopics().map((t) => t.id)).toEqual(["cpu", "mem"]);

    service.collect(alertEvent("a", Level.INFO), { topics: ["cpu"], handlers: [] });
    expect(factory.deliveries.map((d) => d.handler)).toEqual(["victorops-cpu"]);
  });

  it("does not store file handlers", async () => {
    const dir = tempDir();
    write(dir, "victorops.yaml", VICTOROPS);
    const p = new RecordingPersistence();
    const { service } = setup(p);
    await service.loadHandlerDir(dir);
    expect(p.calls).toEqual([]);
  });

  it("reports the second file defining the same topic and id", async () => {
    const dir = tempDir();
    write(dir, "a.yaml", VICTOROPS);
    write(dir, "b.yaml", VICTOROPS);
    const { service } = setup();
    const report = await service.loadHandlerDir(dir);
    expect(report.loaded).toHaveLength(1);
    expect(report.errors).toEqual([
      `${join(dir, "b.yaml")}:2: handler "victorops-cpu" for topic "cpu" is already defined in ${join(dir, "a.yaml")}`,
    ]);
  });

  it("throws E_HANDLER_DIR for a directory it cannot read", async () => {
    const { service } = setup();
    await expect(service.loadHandlerDir(join(tempDir(), "missing"))).rejects.toMatchObject({
      code: "E_HANDLER_DIR",
    });
  });

  it("replaces a stored API handler with the file's version", async () => {
    const dir = tempDir();
    write(dir, "victorops.yaml", VICTOROPS);
    const p = new RecordingPersistence();
    const { factory, logger, service } = setup(p);
    service.createHandler({ topic: "cpu", id: "victorops-cpu", kind: "log", options: {}, match: "" });
    await service.loadHandlerDir(dir);
    expect(service.getHandler("cpu", "victorops-cpu")).toMatchObject({
      kind: "victorops",
      source: { type: "file" },
    });
    expect(factory.closed).toEqual(["cpu/victorops-cpu"]);
    expect(p.calls).toEqual(["putHandler cpu victorops-cpu", "deleteHandler cpu victorops-cpu"]);
    expect(logger.entries.filter((e) => e.level === "warn")).toHaveLength(1);
  });
});

describe("reloadHandlerDir", () => {
  it("keeps unchanged handlers, replaces changed ones, removes vanished ones, keeps topic state", async () => {
    const dir = tempDir();
    write(dir, "victorops.yaml", VICTOROPS);
    write(dir, "log.yml", LOG);
    writeFileSync(
      join(dir, "post.json"),
      JSON.stringify({ topic: "mem", id: "post-mem", kind: "post", options: {} }),
    );
    const { factory, service } = setup();
    await service.loadHandlerDir(dir);
    service.collect(alertEvent("a", Level.CRITICAL), { topics: ["cpu"], handlers: [] });
    expect(factory.created).toHaveLength(3);

    write(
      dir,
      "log.yml",
      LOG.map((l) => l.replace("/var/log/alerts.log", "/var/log/other.log")),
    );
    rmSync(join(dir, "post.json"));
    write(dir, "new.yaml", ["topic: disk", "id: disk-log", "kind: log"]);
    const report = await service.reloadHandlerDir(dir);

    expect(report.removed.sort()).toEqual(["cpu/log-cpu", "mem/post-mem"]);
    expect(report.loaded.map((h) => h.id)).toEqual(["log-cpu", "disk-log", "victorops-cpu"]);
    expect(report.errors).toEqual([]);
    // victorops was not re-created; log and the new file were.
    expect(factory.created.slice(3).map((c) => c.id)).toEqual(["log-cpu", "disk-log"]);
    expect(factory.closed.sort()).toEqual(["cpu/log-cpu", "mem/post-mem"]);
    expect(service.getHandler("cpu", "log-cpu")?.options["path"]).toBe("/var/log/other.log");
    expect(service.getHandler("mem", "post-mem")).toBeUndefined();

    // Topic state survived: the next event is not a change for the topic.
    service.collect(alertEvent("a", Level.CRITICAL), { topics: ["cpu"], handlers: [] });
    expect(factory.lines().slice(-2).sort()).toEqual([
      "log-cpu cpu a CRITICAL (prev CRITICAL)",
      "victorops-cpu cpu a CRITICAL (prev CRITICAL)",
    ]);
    expect(service.getTopic("cpu")?.collected).toBe(2);
  });

  it("keeps the previous version of a file that became invalid", async () => {
    const dir = tempDir();
    write(dir, "victorops.yaml", VICTOROPS);
    const { factory, service } = setup();
    await service.loadHandlerDir(dir);
    write(dir, "victorops.yaml", [...VICTOROPS, "  bogus: true"]);
    const report = await service.reloadHandlerDir(dir);
    expect(report.errors).toEqual([
      `${join(dir, "victorops.yaml")}:6: unknown option "bogus" for kind victorops (the previously loaded version stays active)`,
    ]);
    expect(report.removed).toEqual([]);
    expect(report.loaded).toEqual([]);
    service.collect(alertEvent("a", Level.CRITICAL), { topics: ["cpu"], handlers: [] });
    expect(factory.deliveries.map((d) => d.handler)).toEqual(["victorops-cpu"]);
  });

  it("an API change to a file handler is stored and lasts until the next reload", async () => {
    const dir = tempDir();
    write(dir, "victorops.yaml", VICTOROPS);
    const p = new RecordingPersistence();
    const { service } = setup(p);
    await service.loadHandlerDir(dir);
    service.replaceHandler("cpu", "victorops-cpu", {
      topic: "cpu",
      id: "victorops-cpu",
      kind: "victorops",
      options: { "routing-key": "night-shift" },
      match: "",
    });
    expect(service.getHandler("cpu", "victorops-cpu")).toMatchObject({
      options: { "routing-key": "night-shift" },
      source: { type: "api" },
    });
    const report = await service.reloadHandlerDir(dir);
    expect(report.loaded.map((h) => h.options)).toEqual([{ "routing-key": "ops" }]);
    expect(service.getHandler("cpu", "victorops-cpu")?.source.type).toBe("file");
    expect(p.calls).toEqual(["putHandler cpu victorops-cpu", "deleteHandler cpu victorops-cpu"]);
  });

  it("leaves API handlers alone", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "sub"));
    write(dir, "victorops.yaml", VICTOROPS);
    const { service } = setup();
    service.createHandler({ topic: "cpu", id: "api-log", kind: "log", options: {}, match: "" });
    await service.loadHandlerDir(dir);
    rmSync(join(dir, "victorops.yaml"));
    const report = await service.reloadHandlerDir(dir);
    expect(report.removed).toEqual(["cpu/victorops-cpu"]);
    expect(service.listHandlers("cpu").map((h) => h.id)).toEqual(["api-log"]);
  });
});
