/**
 * Small in-memory TaskService and TopicApi for the HTTP API tests (the real ones live in
 * src/server/task-manager.ts and src/alert; the e2e tests exercise the real composition).
 */
import type { TopicHandlerSpec } from "../../../src/alert/handler.js";
import type { TopicApi, TopicHandlerInfo, TopicSummary } from "../../../src/alert/topic-api.js";
import type { AlertEventState } from "../../../src/core/alert-event.js";
import { TickdError } from "../../../src/core/errors.js";
import { Level, type Point } from "../../../src/core/types.js";
import type { HttpOutResult } from "../../../src/engine/nodes/http-out-node.js";
import type { TaskInput, TaskService, TaskView } from "../../../src/server/task-service.js";
import { createApiServer } from "../../../src/server/http/index.js";
import type { ApiServerDeps } from "../../../src/server/http/index.js";
import { compileGlob } from "../../../src/store/glob.js";

/** 2024-11-24T04:00:00Z in ns. */
export const T0 = 1_732_420_800_000_000_000;

export class MemoryTasks implements TaskService {
  readonly tasks = new Map<string, TaskView>();
  readonly writes: { db: string; rp: string; points: Point[] }[] = [];
  readonly outputs = new Map<string, HttpOutResult>();
  clock = T0;
  writeError: Error | undefined;

  define(input: TaskInput): TaskView {
    const id = input.id ?? "generated-id";
    if (!/^[-._\p{L}0-9]+$/u.test(id))
      throw new TickdError("E_TASK_INVALID", `invalid id ${JSON.stringify(id)}`);
    if (this.tasks.has(id)) throw new TickdError("E_TASK_INVALID", `task ${id} already exists`);
    if (input.script === undefined) throw new TickdError("E_TASK_INVALID", "must provide TICKscript");
    if (input.dbrps === undefined) throw new TickdError("E_TASK_INVALID", "must specify dbrp");
    const enabled = input.status === "enabled";
    const view: TaskView = {
      id,
      templateId: input.templateId ?? "",
      type: input.script.includes("batch") ? "batch" : "stream",
      dbrps: input.dbrps,
      script: input.script,
      status: input.status ?? "disabled",
      vars: input.vars ?? {},
      error: "",
      created: this.clock,
      modified: this.clock,
      lastEnabled: enabled ? this.clock : 0,
      executing: enabled,
      dot: `digraph ${id} {\nstream0 -> from1;\n}`,
      dotLabels: `digraph ${id} {\nstream0 -> from1;\n}`,
      nodeStats: enabled ? this.stats() : [],
      throughput: 0,
    };
    this.tasks.set(id, view);
    return view;
  }

  private stats(): TaskView["nodeStats"] {
    return [
      {
        name: "stream0",
        kind: "stream",
        collected: 3,
        emitted: 3,
        errors: 0,
        workingCardinality: 0,
        avgExecTimeNs: 0,
        extra: {},
        edges: [{ child: "from1", processed: 3 }],
      },
      {
        name: "from1",
        kind: "from",
        collected: 3,
        emitted: 0,
        errors: 1,
        workingCardinality: 0,
        avgExecTimeNs: 1500,
        extra: {},
        edges: [],
      },
    ];
  }

  update(id: string, patch: TaskInput): TaskView {
    const old = this.tasks.get(id);
    if (old === undefined) throw new TickdError("E_TASK_UNKNOWN", "task does not exist, cannot update");
    if (patch.script === "bad")
      throw new TickdError("E_TASK_INVALID", "invalid TICKscript: line 1 char 1: bad");
    const next: TaskView = { ...old, modified: this.clock };
    if (patch.id !== undefined) next.id = patch.id;
    if (patch.script !== undefined) next.script = patch.script;
    if (patch.dbrps !== undefined) next.dbrps = patch.dbrps;
    if (patch.vars !== undefined) next.vars = patch.vars;
    if (patch.status !== undefined && patch.status !== old.status) {
      next.status = patch.status;
      next.executing = patch.status === "enabled";
      next.nodeStats = next.executing ? this.stats() : [];
      if (next.executing) next.lastEnabled = this.clock;
    }
    this.tasks.delete(id);
    this.tasks.set(next.id, next);
    return next;
  }

  delete(id: string): void {
    this.tasks.delete(id);
  }

  get(id: string): TaskView | undefined {
    return this.tasks.get(id);
  }

  list(opts: { pattern?: string; offset?: number; limit?: number }): TaskView[] {
    const match = opts.pattern ? compileGlob(opts.pattern) : () => true;
    const all = [...this.tasks.values()].filter((t) => match(t.id)).sort((a, b) => (a.id < b.id ? -1 : 1));
    const offset = opts.offset ?? 0;
    return all.slice(offset, opts.limit === undefined ? undefined : offset + opts.limit);
  }

  httpOut(taskId: string, name: string): HttpOutResult | undefined {
    return this.outputs.get(`${taskId}/${name}`);
  }

  write(db: string, rp: string, points: readonly Point[]): void {
    if (this.writeError !== undefined) throw this.writeError;
    this.writes.push({ db, rp, points: [...points] });
  }
}

interface MemTopic {
  collected: number;
  events: Map<string, AlertEventState>;
}

const KINDS = new Set(["post", "log", "tcp", "victorops", "exec"]);

export class MemoryTopics implements TopicApi {
  readonly topics = new Map<string, MemTopic>();
  readonly handlers = new Map<string, Map<string, TopicHandlerInfo>>();

  addEvent(topic: string, e: AlertEventState): void {
    const t = this.ensure(topic);
    t.collected++;
    t.events.set(e.id, e);
  }

  private ensure(topic: string): MemTopic {
    let t = this.topics.get(topic);
    if (t === undefined) {
      t = { collected: 0, events: new Map() };
      this.topics.set(topic, t);
    }
    return t;
  }

  private summary(id: string, t: MemTopic): TopicSummary {
    let level = Level.OK;
    for (const e of t.events.values()) if (e.level > level) level = e.level;
    return { id, level, collected: t.collected };
  }

  listTopics(pattern?: string, minLevel?: Level): TopicSummary[] {
    const match = pattern ? compileGlob(pattern) : () => true;
    return [...this.topics.entries()]
      .filter(([id]) => match(id))
      .map(([id, t]) => this.summary(id, t))
      .filter((s) => s.level >= (minLevel ?? Level.OK))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  getTopic(id: string): TopicSummary | undefined {
    const t = this.topics.get(id);
    return t === undefined ? undefined : this.summary(id, t);
  }

  deleteTopic(id: string): boolean {
    return this.topics.delete(id);
  }

  topicEvents(topic: string, minLevel?: Level): AlertEventState[] | undefined {
    const t = this.topics.get(topic);
    if (t === undefined) return undefined;
    return [...t.events.values()].filter((e) => e.level >= (minLevel ?? Level.OK));
  }

  topicEvent(topic: string, eventId: string): AlertEventState | undefined {
    return this.topics.get(topic)?.events.get(eventId);
  }

  listHandlers(topic: string, pattern?: string): TopicHandlerInfo[] {
    const match = pattern ? compileGlob(pattern) : () => true;
    return [...(this.handlers.get(topic)?.values() ?? [])].filter((h) => match(h.id));
  }

  getHandler(topic: string, id: string): TopicHandlerInfo | undefined {
    return this.handlers.get(topic)?.get(id);
  }

  private validate(spec: TopicHandlerSpec): void {
    if (!/^[-._\p{L}0-9]+$/u.test(spec.id)) {
      throw new TickdError(
        "E_HANDLER_SPEC",
        `invalid handler spec: handler ID must contain only letters, numbers, '-', '.' and '_'. ${JSON.stringify(spec.id)}`,
      );
    }
    if (spec.kind === "")
      throw new TickdError("E_HANDLER_SPEC", "invalid handler spec: must specify a handler kind");
    if (!KINDS.has(spec.kind))
      throw new TickdError("E_HANDLER_KIND", `unsupported action kind ${JSON.stringify(spec.kind)}`);
    if (Object.hasOwn(spec.options, "bogus"))
      throw new TickdError("E_HANDLER_OPTIONS", `unknown option "bogus" for kind ${spec.kind}`);
  }

  createHandler(spec: TopicHandlerSpec): TopicHandlerInfo {
    this.validate(spec);
    const hs = this.handlers.get(spec.topic) ?? new Map<string, TopicHandlerInfo>();
    if (hs.has(spec.id))
      throw new TickdError("E_HANDLER_EXISTS", `handler ${JSON.stringify(spec.id)} already exists`);
    const info: TopicHandlerInfo = { ...spec, source: { type: "api" } };
    hs.set(spec.id, info);
    this.handlers.set(spec.topic, hs);
    this.ensure(spec.topic);
    return info;
  }

  replaceHandler(topic: string, id: string, spec: TopicHandlerSpec): TopicHandlerInfo {
    const hs = this.handlers.get(topic);
    if (hs?.has(id) !== true) throw new TickdError("E_HANDLER_UNKNOWN", `unknown handler ${id}`);
    this.validate(spec);
    if (spec.id !== id && hs.has(spec.id)) {
      throw new TickdError("E_HANDLER_EXISTS", `handler ${JSON.stringify(spec.id)} already exists`);
    }
    hs.delete(id);
    const info: TopicHandlerInfo = { ...spec, source: { type: "api" } };
    hs.set(spec.id, info);
    return info;
  }

  deleteHandler(topic: string, id: string): boolean {
    return this.handlers.get(topic)?.delete(id) ?? false;
  }
}

/** Replaces secrets the way HandlerFactory.redact does (enough for the tests). */
export function redact(_kind: string, options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === "password" || k === "routing-key") out[k] = "<redacted>";
    else if (k === "headers" && typeof v === "object" && v !== null) {
      out[k] = Object.fromEntries(Object.keys(v).map((h) => [h, "<redacted>"]));
    } else out[k] = v;
  }
  return out;
}

export interface TestServer {
  url: string;
  tasks: MemoryTasks;
  topics: MemoryTopics;
  logs: { level: string; msg: string; fields?: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function startServer(overrides: Partial<ApiServerDeps> = {}): Promise<TestServer> {
  const tasks = new MemoryTasks();
  const topics = new MemoryTopics();
  const logs: TestServer["logs"] = [];
  const api = createApiServer({
    tasks,
    topics,
    redactHandlerOptions: redact,
    logger: {
      log: (level, msg, fields) => logs.push(fields === undefined ? { level, msg } : { level, msg, fields }),
    },
    version: "1.8.0-tickd",
    ...overrides,
  });
  const srv = await api.listen("127.0.0.1:0");
  return { url: `http://127.0.0.1:${srv.port}`, tasks, topics, logs, close: srv.close };
}

/** Kapacitor's pretty JSON (4-space indent, no trailing newline). */
export function pretty(v: unknown): string {
  return JSON.stringify(v, null, 4);
}
