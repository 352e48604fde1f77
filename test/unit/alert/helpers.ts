/**
 * Stand-ins for the handler kinds (written elsewhere) and for the SQLite store: real objects
 * that record what they are asked to do, so tests assert on deliveries and stored rows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { AlertEvent, AlertEventState } from "../../../src/core/alert-event.js";
import { TickdError } from "../../../src/core/errors.js";
import { Level, levelName } from "../../../src/core/types.js";
import type { EngineLogger, LogLevel } from "../../../src/engine/context.js";
import type { AlertHandler, HandlerFactory, TopicHandlerSpec } from "../../../src/alert/handler.js";
import type { StoredEventState, TopicPersistence } from "../../../src/alert/topic-service.js";
import type { HandlerSpec } from "../../../src/pipeline/task-graph.js";

export interface Delivery {
  /** The id the handler was created with. */
  handler: string;
  kind: string;
  topic: string;
  event: string;
  level: string;
  previousLevel: string;
}

const KINDS = ["log", "post", "victorops", "aggregate", "publish"];

/**
 * Creates handlers that record every event. Options drive failures: `fail: "throw"` makes
 * handle() throw, `fail: "reject"` makes it reject; an option named `bogus` is refused as the
 * real kinds refuse unknown options.
 */
export class RecordingFactory implements HandlerFactory {
  readonly created: { kind: string; topic: string; id: string; options: Record<string, unknown> }[] = [];
  readonly deliveries: Delivery[] = [];
  readonly closed: string[] = [];
  readonly converted: HandlerSpec[] = [];

  kinds(): readonly string[] {
    return KINDS;
  }

  create(spec: { kind: string; options: Record<string, unknown>; topic: string; id: string }): AlertHandler {
    if (!KINDS.includes(spec.kind)) {
      throw new TickdError("E_HANDLER_KIND", `unsupported action kind ${JSON.stringify(spec.kind)}`);
    }
    if ("bogus" in spec.options) {
      throw new TickdError("E_HANDLER_OPTIONS", `unknown option "bogus" for kind ${spec.kind}`);
    }
    this.created.push({ ...spec });
    const fail = spec.options["fail"];
    return {
      handle: (event: AlertEvent, previousLevel: Level) => {
        if (fail === "throw") throw new Error(`${spec.id} exploded`);
        if (fail === "reject") return Promise.reject(new Error(`${spec.id} rejected`));
        this.deliveries.push({
          handler: spec.id,
          kind: spec.kind,
          topic: event.topic,
          event: event.state.id,
          level: levelName(event.state.level),
          previousLevel: levelName(previousLevel),
        });
        return fail === "async" ? Promise.resolve() : undefined;
      },
      close: () => {
        this.closed.push(`${spec.topic}/${spec.id}`);
      },
    };
  }

  fromTickscript(spec: HandlerSpec): { kind: string; options: Record<string, unknown> } {
    this.converted.push(spec);
    if (!spec.implemented) throw new TickdError("E_HANDLER_KIND", `unsupported action kind "${spec.kind}"`);
    const url = spec.args[0];
    return { kind: spec.kind.toLowerCase(), options: url?.type === "string" ? { url: url.value } : {} };
  }

  redact(_kind: string, options: Record<string, unknown>): Record<string, unknown> {
    return "password" in options ? { ...options, password: "<redacted>" } : options;
  }

  /** Deliveries as `handler topic event LEVEL (prev PREV)` lines, easy to compare. */
  lines(): string[] {
    return this.deliveries.map(
      (d) => `${d.handler} ${d.topic} ${d.event} ${d.level} (prev ${d.previousLevel})`,
    );
  }
}

export interface LogEntry {
  level: LogLevel;
  msg: string;
  fields: Record<string, unknown>;
}

export class RecordingLogger implements EngineLogger {
  readonly entries: LogEntry[] = [];
  log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level, msg, fields });
  }
  errors(): LogEntry[] {
    return this.entries.filter((e) => e.level === "error");
  }
}

/** Keeps what it is given, like the SQLite store, and records every call. */
export class RecordingPersistence implements TopicPersistence {
  readonly calls: string[] = [];
  readonly events = new Map<string, StoredEventState>();
  readonly handlers = new Map<string, TopicHandlerSpec>();
  failEvents = false;

  loadEvents(): Iterable<StoredEventState> {
    return [...this.events.values()];
  }
  putEvent(topic: string, state: AlertEventState): void {
    this.calls.push(`putEvent ${topic} ${state.id} ${levelName(state.level)}`);
    if (this.failEvents) throw new Error("disk full");
    this.events.set(`${topic}/${state.id}`, { topic, state: { ...state } });
  }
  deleteEvent(topic: string, eventId: string): void {
    this.calls.push(`deleteEvent ${topic} ${eventId}`);
    this.events.delete(`${topic}/${eventId}`);
  }
  deleteTopic(topic: string): void {
    this.calls.push(`deleteTopic ${topic}`);
    for (const [k, v] of this.events) if (v.topic === topic) this.events.delete(k);
  }
  loadHandlers(): Iterable<TopicHandlerSpec> {
    return [...this.handlers.values()];
  }
  putHandler(spec: TopicHandlerSpec): void {
    this.calls.push(`putHandler ${spec.topic} ${spec.id}`);
    this.handlers.set(`${spec.topic}/${spec.id}`, structuredClone(spec));
  }
  deleteHandler(topic: string, id: string): void {
    this.calls.push(`deleteHandler ${topic} ${id}`);
    this.handlers.delete(`${topic}/${id}`);
  }
}

export const SECOND = 1_000_000_000;
export const T0 = 31_536_010 * SECOND; // 1971-01-01T00:00:10Z

export interface EventOptions {
  tags?: Record<string, string>;
  name?: string;
  taskName?: string;
  duration?: number;
  time?: number;
  noExternal?: boolean;
}

export function alertEvent(id: string, level: Level, o: EventOptions = {}): AlertEvent {
  const e: AlertEvent = {
    topic: "",
    state: {
      id,
      message: `${id} is ${levelName(level)}`,
      details: "",
      time: BigInt(o.time ?? T0),
      duration: o.duration ?? 0,
      level,
    },
    data: {
      name: o.name ?? "cpu",
      taskName: o.taskName ?? "cpu_alert",
      category: "",
      group: "nil",
      tags: o.tags ?? { host: "serverA" },
      fields: { value: 97.5 },
      series: [],
      recoverable: true,
    },
  };
  if (o.noExternal !== undefined) e.noExternal = o.noExternal;
  return e;
}

const AT = { line: 7, column: 5, offset: 100 };

export function tickHandler(kind: string, url?: string, implemented = true): HandlerSpec {
  const span = { start: AT, end: AT };
  return {
    kind,
    args: url === undefined ? [] : [{ type: "string", value: url, span }],
    properties: [],
    span,
    implemented,
  };
}

/** A fresh temp dir per test, removed afterwards. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => (dir ??= mkdtempSync(join(tmpdir(), "tickd-alert-")));
}

export { Level };
