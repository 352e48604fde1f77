/** Shared fixtures for the store tests: a fresh temp directory per test, sample records. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { Level } from "../../../src/core/types.js";
import type { AlertStateRecord, Store, TaskRecord, TopicEventRecord } from "../../../src/store/index.js";

/** A present-day ns timestamp above 2^53: 1_732_420_800_123_456_768 is a multiple of 256, so exact. */
export const T0 = 1_732_420_800_123_456_768;
export const SECOND = 1e9;

/**
 * Registers a fresh temp directory for each test of the calling file, removed afterwards
 * together with every store opened through `track`.
 */
export function useTempDir(): { dir: () => string; track: (s: Store) => Store } {
  let dir = "";
  let open: Store[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tickd-store-"));
    open = [];
  });
  afterEach(() => {
    for (const s of open) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    track: (s) => {
      open.push(s);
      return s;
    },
  };
}

export function sampleTask(id: string, over: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    templateId: "",
    type: "stream",
    dbrps: [{ db: "telegraf", rp: "autogen" }],
    script: `stream\n    |from()\n        .measurement('cpu')\n`,
    status: "disabled",
    vars: {},
    error: "",
    created: T0,
    modified: T0 + SECOND,
    lastEnabled: 0,
    ...over,
  };
}

export function sampleEvent(
  topic: string,
  eventId: string,
  over: Partial<TopicEventRecord> = {},
): TopicEventRecord {
  return {
    topic,
    eventId,
    level: Level.CRITICAL,
    message: `${eventId} is CRITICAL`,
    details: "<b>details</b>",
    time: BigInt(T0),
    duration: 90 * SECOND,
    ...over,
  };
}

export function sampleState(
  task: string,
  group: string,
  over: Partial<AlertStateRecord> = {},
): AlertStateRecord {
  return {
    task,
    node: "alert2",
    group,
    eventId: `cpu:${group}`,
    state: {
      level: Level.CRITICAL,
      prev: Level.WARNING,
      firstTriggered: BigInt(T0 - 60 * SECOND),
      lastTriggered: BigInt(T0),
      flapping: false,
    },
    ...over,
  };
}
