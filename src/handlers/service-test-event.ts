/**
 * Helpers for the kinds' service tests ({@link ServiceTestSpec}): the sample event a test
 * sends, and readers for the posted options. Options arrive as Kapacitor's test structs
 * decode them: JSON keys as Kapacitor spells them, levels as "CRITICAL"/"OK", a missing key
 * keeping its default. A value of the wrong type is an E_HANDLER_OPTIONS error naming the key.
 */
import type { AlertEvent } from "../core/alert-event.js";
import { Level, levelName, type FieldValue } from "../core/types.js";
import { optionError } from "./options.js";
import { timeFromMs } from "../core/time.js";

export interface TestEventSpec {
  id: string;
  message: string;
  level: Level;
  details?: string;
  /** Wall clock in ms. */
  timeMs: number;
  name?: string;
  taskName?: string;
  tags?: Record<string, string>;
  fields?: Record<string, FieldValue>;
  topic?: string;
}

/** One alert event as a service test sends it: no series unless tags or fields are given. */
export function testEvent(s: TestEventSpec): AlertEvent {
  const time = timeFromMs(s.timeMs);
  const tags = s.tags ?? {};
  const fields = s.fields ?? {};
  const hasRow = Object.keys(tags).length > 0 || Object.keys(fields).length > 0;
  return {
    topic: s.topic ?? "service-test",
    state: {
      id: s.id,
      message: s.message,
      details: s.details ?? "",
      time,
      duration: 0,
      level: s.level,
    },
    data: {
      name: s.name ?? "",
      taskName: s.taskName ?? "",
      category: "",
      group: "",
      tags,
      fields,
      series: hasRow
        ? [
            {
              name: s.name ?? "",
              tags,
              columns: ["time", ...Object.keys(fields)],
              values: [[time, ...Object.values(fields)]],
            },
          ]
        : [],
      recoverable: true,
    },
  };
}

/** Reads one service's posted options (already merged over its defaults). */
export class TestOptions {
  constructor(
    private readonly service: string,
    private readonly o: Record<string, unknown>,
  ) {}

  private bad(key: string, want: string): Error {
    return optionError(`${this.service} service test`, key, `expected ${want}`);
  }

  string(key: string): string {
    const v = this.o[key];
    if (v === undefined || v === null) return "";
    if (typeof v !== "string") throw this.bad(key, "a string");
    return v;
  }

  bool(key: string): boolean {
    const v = this.o[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== "boolean") throw this.bad(key, "true or false");
    return v;
  }

  number(key: string): number {
    const v = this.o[key];
    if (v === undefined || v === null) return 0;
    if (typeof v !== "number") throw this.bad(key, "a number");
    return v;
  }

  strings(key: string): string[] {
    const v = this.o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw this.bad(key, "a list of strings");
    return v as string[];
  }

  stringMap(key: string): Record<string, string> {
    const v = this.o[key];
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v)) throw this.bad(key, "a map of strings");
    for (const x of Object.values(v as Record<string, unknown>))
      if (typeof x !== "string") throw this.bad(key, "a map of strings");
    return v as Record<string, string>;
  }

  /** A level as Kapacitor's JSON writes it ("OK", "INFO", "WARNING", "CRITICAL"; case-insensitive). */
  level(key: string): Level {
    const v = this.o[key];
    if (v === undefined || v === null || v === "") return Level.OK;
    if (typeof v === "string") {
      const found = [Level.OK, Level.INFO, Level.WARNING, Level.CRITICAL].find(
        (l) => levelName(l) === v.toUpperCase(),
      );
      if (found !== undefined) return found;
    }
    throw this.bad(key, "a level: OK, INFO, WARNING or CRITICAL");
  }
}
