/**
 * The task manager: task definitions (persisted in SQLite), their running engine Tasks, and
 * the routing of written points to enabled stream tasks. Implements TaskService for the
 * HTTP API and tickctl.
 *
 * States of a task: defined+disabled (stored, not running) → enabled (stored; running when
 * its graph built, else `error` says why and `executing` is false). Changing the script of
 * an enabled task restarts it; deleting stops it and drops its alert state.
 *
 * A stored task is rebuilt at start from its record: the script plus the dbrps and type it
 * was defined with, so a task defined with the API's `dbrps` or `tickctl define -dbrp` runs
 * again after a restart exactly as one with `dbrp` statements in its script.
 */
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type {
  AlertSink,
  AlertStatePersistence,
  EngineLogger,
  HttpPostAccess,
  InfluxAccess,
  ServerInfo,
  SideloadSource,
  TaskContext,
} from "../engine/context.js";
import type { InhibitorRegistry } from "../engine/inhibitors.js";
import { HttpOutNode, type HttpOutResult } from "../engine/nodes/http-out-node.js";
import { taskStatistics } from "../engine/stats.js";
import { Task } from "../engine/task.js";
import { coerceError, TickdError } from "../core/errors.js";
import type { Point } from "../core/types.js";
import type { BatchMsg } from "../engine/messages.js";
import type { FieldFilter } from "../core/line-protocol.js";
import { FieldDemandFilter } from "../engine/field-demand.js";
import { checkScript, declaresDbrp } from "../pipeline/check.js";
import type { TaskGraph } from "../pipeline/task-graph.js";
import { groupKey, type AlertStateRecord, type Store } from "../store/index.js";
import { encodeJson } from "../store/codec.js";
import type { TaskRecord } from "../store/tasks.js";
import { formatDiagnostic } from "../../grammar/diagnostic.js";
import { executingDot, pipelineDot } from "./task-dot.js";
import type { IngressCounter } from "./observe/ingress.js";
import type { TaskInput, TaskService, TaskView } from "./task-service.js";

const MAX_LOOPBACK_DEPTH = 16;

const ID_RE = /^[-._\p{L}0-9]+$/u;

export type WriteListener = (db: string, rp: string, points: readonly Point[]) => void;

export interface TaskManagerDeps {
  store: Store;
  alerts: AlertSink;
  logger: EngineLogger;
  serverInfo: ServerInfo;
  inhibitors: InhibitorRegistry;
  /** ns; see TaskContext.idleFlush. */
  idleFlush?: number;
  /** ns; per-group state unseen this long is dropped (alert groups only when OK). */
  groupTtl?: number;
  /**
   * Handler kinds added to every alert node that has none of that kind (`[victorops] global
   * = true` → "victorOps"), as Kapacitor's global services do.
   */
  globalHandlers?: readonly string[];
  /** A global service has `state-changes-only = true`: alert nodes send level changes only. */
  globalStateChangesOnly?: boolean;
  /** InfluxDB access for batch queries and influxDBOut; without it those tasks fail to query. */
  influx?: InfluxAccess;
  /** Where `|httpPost()` nodes send (src/server/http-post.ts). */
  httpPost?: HttpPostAccess;
  /** Opens `|sideload()` sources (src/sources/sideload.ts). */
  sideload?: (url: string) => SideloadSource;
  /**
   * Define-time check of the graph's TICKscript handlers (DESIGN §8): throws when one cannot
   * send under the current config (`.victorOps()` with `[victorops]` disabled, a literal
   * `.post(url)` outside `[webhook] allowed-hosts`). Not applied when stored tasks start.
   */
  checkHandlers?: (graph: TaskGraph) => void;
  /** Kapacitor's `ingress` statistic: every point written, wanted by a task or not. */
  ingress?: IngressCounter;
  /** Templates a task's `template-id` names (src/server/template-service.ts); without it none exist. */
  templates?: { get(id: string): { script: string } | undefined };
  now: () => number;
  /**
   * Cluster mode: tasks here only define and describe; stream tasks run per input partition
   * (src/cluster/partition-engine.ts), batch, stats and deadman tasks once per cluster
   * (src/cluster/wide-tasks.ts), so the wall-clock tick skips every task here.
   */
  streamTasksElsewhere?: boolean;
}

/** What a per-partition engine instance of a stream task gets instead of the daemon's own ports. */
export interface InstanceContext {
  alerts: AlertSink;
  alertStates: AlertStatePersistence;
  loopback: (db: string, rp: string, p: Point) => void;
  /** Nodes track which groups changed, so their state can go to the changelog. */
  trackGroupState?: boolean;
}

interface Running {
  task: Task;
  graph: TaskGraph;
}

interface Route {
  tasks: Task[];
  fields: FieldFilter | undefined;
}

export class TaskManager implements TaskService {
  private readonly running = new Map<string, Running>();
  private readonly writeListeners = new Set<WriteListener>();
  private readonly changeListeners = new Set<() => void>();
  /**
   * Running stream tasks by "db\0rp", rebuilt when tasks start or stop, with the fields they
   * can read (undefined: all) for the parser.
   */
  private routes = new Map<string, Route>();
  /** {@link idleDot}'s cache by task id. */
  private readonly idleDots = new Map<string, { script: string; dot: string }>();

  constructor(private readonly d: TaskManagerDeps) {}

  /** Starts every enabled task from the store (daemon start); see {@link failed} for the rest. */
  startAll(): void {
    // Cluster mode may have started some already, applying the config topic.
    for (const t of this.d.store.tasks.list())
      if (t.status === "enabled" && !this.running.has(t.id)) this.start(t);
    this.rebuildRoutes();
  }

  /**
   * Enabled tasks that are not running because they could not start, with the reason (also
   * their `error`). Startup counts them as problems; `/metrics` shows them as failed.
   */
  failed(): { id: string; error: string }[] {
    return this.d.store.tasks
      .list()
      .filter((t) => t.status === "enabled" && !this.running.has(t.id))
      .map((t) => ({ id: t.id, error: t.error }));
  }

  define(input: TaskInput): TaskView {
    const { record, graph } = this.prepareDefine(input);
    this.d.store.tasks.put(record);
    if (record.status === "enabled") this.start(record, graph);
    this.rebuildRoutes();
    return this.view(this.d.store.tasks.get(record.id)!);
  }

  /**
   * Cluster mode (src/cluster/config-writes.ts): checks a define as {@link define} does and
   * returns the record it would store, storing and starting nothing; the config topic gets it.
   */
  planDefine(input: TaskInput): TaskRecord {
    return this.prepareDefine(input).record;
  }

  private prepareDefine(input: TaskInput): { record: TaskRecord; graph: TaskGraph } {
    const id = input.id ?? randomUUID();
    if (!ID_RE.test(id))
      invalid(`task ID must contain only letters, numbers, '-', '.' and '_': ${JSON.stringify(id)}`);
    if (this.d.store.tasks.get(id) !== undefined) invalid(`task ${id} already exists`);
    // A task made from a template runs the template's script (Kapacitor ignores a script given with it).
    if (input.templateId !== undefined && input.templateId !== "")
      input = { ...input, script: this.templateScript(input.templateId) };
    if (input.script === undefined || input.script.trim() === "") invalid("must provide TICKscript");
    const now = this.d.now();
    const record: TaskRecord = {
      id,
      templateId: input.templateId ?? "",
      type: "stream",
      dbrps: [],
      script: input.script,
      status: input.status ?? "disabled",
      vars: input.vars ?? {},
      error: "",
      created: now,
      modified: now,
      lastEnabled: 0,
    };
    const graph = this.compile(record, input);
    this.checkHandlers(graph);
    record.type = graph.type;
    record.dbrps = graph.dbrps;
    if (record.status === "enabled") record.lastEnabled = now;
    return { record, graph };
  }

  update(id: string, patch: TaskInput): TaskView {
    const { next, graph, scriptChanged, newId } = this.prepareUpdate(id, patch);
    const wasRunning = this.running.has(id);
    const starting = next.status === "enabled" && (!wasRunning || scriptChanged || newId !== undefined);
    if (wasRunning && (next.status !== "enabled" || scriptChanged || newId !== undefined)) void this.stop(id);
    this.d.store.transaction(() => {
      if (newId !== undefined) {
        this.d.store.tasks.rename(id, newId);
        this.d.store.alertStates.deleteTask(id);
      }
      this.d.store.tasks.put(next);
    });
    if (starting) this.start(next, graph);
    this.rebuildRoutes();
    return this.view(this.d.store.tasks.get(next.id)!);
  }

  /**
   * Cluster mode: checks an update as {@link update} does and returns the record it would
   * store (and the old id when it renames), changing nothing. `template` stands in for the
   * stored template of that id (a template update re-plans the tasks made from it).
   */
  planUpdate(
    id: string,
    patch: TaskInput,
    template?: { id: string; script: string },
  ): { record: TaskRecord; renamedFrom?: string } {
    const { next, newId } = this.prepareUpdate(id, patch, template);
    return newId === undefined ? { record: next } : { record: next, renamedFrom: id };
  }

  private prepareUpdate(
    id: string,
    patch: TaskInput,
    template?: { id: string; script: string },
  ): {
    old: TaskRecord;
    next: TaskRecord;
    graph: TaskGraph;
    scriptChanged: boolean;
    newId: string | undefined;
  } {
    const old = this.d.store.tasks.get(id);
    if (old === undefined) throw new TickdError("E_TASK_UNKNOWN", "task does not exist, cannot update");
    const next: TaskRecord = { ...old };
    const newId = patch.id !== undefined && patch.id !== "" && patch.id !== id ? patch.id : undefined;
    if (newId !== undefined) {
      if (!ID_RE.test(newId))
        invalid(`task ID must contain only letters, numbers, '-', '.' and '_': ${JSON.stringify(newId)}`);
      if (this.d.store.tasks.get(newId) !== undefined) invalid(`task ${newId} already exists`);
      next.id = newId;
    }
    if (patch.templateId !== undefined && patch.templateId !== "") next.templateId = patch.templateId;
    if (patch.script !== undefined && patch.script !== "") next.script = patch.script;
    if (next.templateId !== "")
      next.script = template?.id === next.templateId ? template.script : this.templateScript(next.templateId);
    if (patch.vars !== undefined) next.vars = patch.vars;
    if (patch.status !== undefined) next.status = patch.status;
    const scriptChanged =
      next.script !== old.script ||
      patch.vars !== undefined ||
      patch.dbrps !== undefined ||
      patch.type !== undefined;
    const graph = this.compile(next, {
      ...(patch.dbrps !== undefined && patch.dbrps.length > 0
        ? { dbrps: patch.dbrps }
        : declaresDbrp(next.script)
          ? {}
          : { dbrps: old.dbrps }),
      ...(patch.type !== undefined ? { type: patch.type } : {}),
    });
    if (scriptChanged) this.checkHandlers(graph);
    next.type = graph.type;
    next.dbrps = graph.dbrps;
    const now = this.d.now();
    next.modified = now;
    if (next.status === "enabled" && old.status !== "enabled") next.lastEnabled = now;
    return { old, next, graph, scriptChanged, newId };
  }

  /**
   * Cluster mode (src/cluster/config-apply.ts): makes task `id` what the config topic says —
   * stored, started, restarted or stopped to match; null deletes it. Its `error` stays this
   * instance's own. Not checked again: the instance that took the write checked it.
   */
  applyDefinition(id: string, def: Omit<TaskRecord, "error"> | null): void {
    const old = this.d.store.tasks.get(id);
    if (def === null) {
      if (old !== undefined || this.running.has(id)) this.delete(id);
      return;
    }
    const next: TaskRecord = { ...def, id, error: old?.error ?? "" };
    const changed =
      old === undefined ||
      old.script !== next.script ||
      old.type !== next.type ||
      encodeJson(old.vars, "vars") !== encodeJson(next.vars, "vars") ||
      encodeJson(old.dbrps, "dbrps") !== encodeJson(next.dbrps, "dbrps");
    if (this.running.has(id) && (next.status !== "enabled" || changed)) void this.stop(id);
    this.d.store.tasks.put(next);
    if (next.status === "enabled" && !this.running.has(id)) this.start(next);
    this.rebuildRoutes();
  }

  delete(id: string): void {
    void this.stop(id);
    this.d.store.transaction(() => {
      this.d.store.tasks.delete(id);
      this.d.store.alertStates.deleteTask(id);
    });
    this.rebuildRoutes();
  }

  get(id: string): TaskView | undefined {
    const t = this.d.store.tasks.get(id);
    return t === undefined ? undefined : this.view(t);
  }

  list(opts: { pattern?: string; offset?: number; limit?: number }): TaskView[] {
    return this.d.store.tasks.list(opts).map((t) => this.view(t));
  }

  httpOut(taskId: string, name: string): HttpOutResult | undefined {
    const r = this.running.get(taskId);
    if (r === undefined) return undefined;
    for (const n of r.task.nodes) if (n instanceof HttpOutNode && n.endpoint === name) return n.result();
    return undefined;
  }

  /**
   * One write's alert states, topic events and journaled notifications share one commit
   * (an alert storm on a file store: ~3× the events/s of one commit per row).
   */
  /**
   * Sees every write as it arrives (stream recordings); call the result to stop. A listener
   * must not throw: it runs on the write path.
   */
  onWrite(listener: WriteListener): () => void {
    this.writeListeners.add(listener);
    return () => this.writeListeners.delete(listener);
  }

  /**
   * Runs a recording through a fresh instance of a stored task (Kapacitor's replay): its own
   * groups, windows and alert state, kept in memory only, so the live task is untouched.
   * Alerts go to the topics and handlers as the live task's do. Points are fed in order.
   */
  async replay(
    id: string,
    points:
      | AsyncIterable<{ db: string; rp: string; point: Point }>
      | Iterable<{ db: string; rp: string; point: Point }>,
  ): Promise<void> {
    const task = this.replayTask(id);
    try {
      let n = 0;
      for await (const { db, rp, point } of points) {
        task.write(db, rp, point);
        // Yield now and then so a long replay does not hold up the daemon.
        if (++n % 10_000 === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      await task.stop();
    }
  }

  /**
   * A batch recording through a fresh instance of a stored batch task: each recorded batch
   * enters the task at its `source`, the task's n-th `|query()` (graph order), in place of
   * what that query would have returned. Nothing is queried.
   */
  async replayBatches(
    id: string,
    batches:
      AsyncIterable<{ source: number; batch: BatchMsg }> | Iterable<{ source: number; batch: BatchMsg }>,
  ): Promise<void> {
    const task = this.replayTask(id);
    try {
      const sources = task.querySources();
      for await (const { source, batch } of batches) {
        const node = sources[source];
        if (node === undefined)
          throw new TickdError(
            "E_REPLAY",
            `recording has a batch for query ${source}, but task ${id} has ${sources.length} |query() node(s)`,
          );
        node.replayBatch(batch);
        await node.idle();
      }
    } finally {
      await task.stop();
    }
  }

  /** The compiled graph of a stored task (batch recordings read its `|query()` nodes). */
  graphOf(id: string): TaskGraph {
    const record = this.d.store.tasks.get(id);
    if (record === undefined) throw new TickdError("E_TASK_UNKNOWN", `unknown task ${JSON.stringify(id)}`);
    return this.compile(record, storedOptions(record));
  }

  /** A fresh instance of a stored task for a replay: alert state in memory only, no InfluxDB. */
  private replayTask(id: string): Task {
    const record = this.d.store.tasks.get(id);
    if (record === undefined) throw new TickdError("E_TASK_UNKNOWN", `unknown task ${JSON.stringify(id)}`);
    const graph = this.compile(record, storedOptions(record));
    const states = new Map<string, { eventId: string; state: AlertStateRecord["state"] }>();
    return new Task(graph, {
      taskName: record.id,
      taskMaster: "replay",
      logger: this.d.logger,
      alerts: this.d.alerts,
      serverInfo: this.d.serverInfo,
      inhibitors: this.d.inhibitors,
      alertStates: {
        load: (node, group) => states.get(groupKey(node, group)),
        save: (node, group, eventId, state) => void states.set(groupKey(node, group), { eventId, state }),
        remove: (node, group) => void states.delete(groupKey(node, group)),
      },
    });
  }

  write(db: string, rp: string, points: readonly Point[]): void {
    this.d.ingress?.count(db, rp, points);
    for (const l of this.writeListeners) l(db, rp, points);
    const tasks = (this.routes.get(`${db}\u0000${rp}`) ?? this.routesFor(db, rp)).tasks;
    if (tasks.length === 0) return;
    this.d.store.batch(() => {
      for (const task of tasks) task.writeAll(db, rp, points);
    });
  }

  /** How deep `|kapacitorLoopback()` writes are nested right now (see {@link loopback}). */
  private loopbackDepth = 0;

  /**
   * A `|kapacitorLoopback()` point: written to the tasks reading db/rp at once, inside the
   * write that produced it. A chain of tasks feeding each other in a circle would never end
   * (Kapacitor warns of it); past 16 nested loopback writes the point is refused.
   */
  private loopback(db: string, rp: string, p: Point): void {
    if (this.loopbackDepth >= MAX_LOOPBACK_DEPTH)
      throw new Error(
        `more than ${MAX_LOOPBACK_DEPTH} nested loopback writes: tasks write to each other in a circle`,
      );
    this.loopbackDepth++;
    try {
      this.write(db, rp, [p]);
    } finally {
      this.loopbackDepth--;
    }
  }

  /** The wall-clock tick for every running task (idle flush, deadman, stats, expiry). */
  tick(now: bigint): void {
    for (const [id, r] of this.running) {
      // Cluster mode: stream tasks tick in their partitions' engines, batch tasks in the
      // engine of the cluster's leader partition (src/cluster/wide-tasks.ts).
      if (this.d.streamTasksElsewhere === true) continue;
      try {
        r.task.tick(now, this.d.groupTtl !== undefined ? { groupTtl: this.d.groupTtl } : {});
      } catch (e) {
        this.d.logger.log("error", `tick failed: ${coerceError(e).message}`, { task: id });
      }
    }
  }

  /**
   * Loads `<id>.tick` files (Kapacitor's load directory): each is defined, or its script
   * replaced, and enabled. A broken file is reported with file:line:col and skipped.
   */
  async loadDir(dir: string): Promise<{ loaded: string[]; errors: string[] }> {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith(".tick")).sort();
    } catch (e) {
      return { loaded: [], errors: [`${dir}: ${coerceError(e).message}`] };
    }
    const loaded: string[] = [];
    const errors: string[] = [];
    for (const name of names) {
      const file = join(dir, name);
      const id = basename(name, ".tick");
      try {
        const script = await readFile(file, "utf8");
        const check = checkScript(script, file, { requireDbrp: true });
        const problems = check.diagnostics.filter((d) => d.severity === "error");
        if (problems.length > 0) {
          errors.push(...problems.map((d) => formatDiagnostic(d, script)));
          continue;
        }
        const existing = this.d.store.tasks.get(id);
        if (existing === undefined) this.define({ id, script, status: "enabled" });
        else if (existing.script !== script || existing.status !== "enabled")
          this.update(id, { script, status: "enabled" });
        loaded.push(id);
      } catch (e) {
        errors.push(`${file}: ${coerceError(e).message}`);
      }
    }
    return { loaded, errors };
  }

  /** Stops every task (shutdown): batch queries end, influxDBOut buffers are flushed. */
  async stopAll(): Promise<void> {
    const stopping = [...this.running.keys()].map((id) => this.stop(id));
    this.rebuildRoutes();
    await Promise.all(stopping);
  }

  /** Kapacitor's "unknown template" error when the template does not exist. */
  private templateScript(templateId: string): string {
    const t = this.d.templates?.get(templateId);
    if (t === undefined) invalid(`unknown template ${templateId}: err: no template exists`);
    return t.script;
  }

  private compile(
    record: TaskRecord,
    input: { dbrps?: TaskRecord["dbrps"]; type?: TaskRecord["type"] },
  ): TaskGraph {
    const file = `task ${record.id}`;
    const { graph, diagnostics } = checkScript(record.script, file, {
      vars: record.vars,
      requireDbrp: true,
      ...(input.dbrps !== undefined && input.dbrps.length > 0 ? { dbrps: input.dbrps } : {}),
      ...(input.type !== undefined ? { type: input.type } : {}),
    });
    const errors = diagnostics.filter((d) => d.severity === "error");
    if (graph === undefined || errors.length > 0) {
      const first = errors[0];
      // Kapacitor's messages for these two are pinned; everything else keeps its position.
      if (first !== undefined && /must specify dbrp|cannot specify dbrp in both/.test(first.message))
        invalid(first.message);
      invalid(
        "invalid TICKscript: " +
          errors
            .map((d) => `line ${d.line} char ${d.column}: ${d.message}${d.hint ? ` (${d.hint})` : ""}`)
            .join("; "),
      );
    }
    return this.withGlobalHandlers(graph);
  }

  private checkHandlers(graph: TaskGraph): void {
    try {
      this.d.checkHandlers?.(graph);
    } catch (e) {
      invalid(coerceError(e).message);
    }
  }

  private withGlobalHandlers(graph: TaskGraph): TaskGraph {
    const kinds = this.d.globalHandlers ?? [];
    if (kinds.length === 0) return graph;
    return {
      ...graph,
      nodes: graph.nodes.map((n) => {
        if (n.kind !== "alert") return n;
        // Kapacitor marks the whole node state-changes-only, whether or not it adds a handler.
        const sco =
          this.d.globalStateChangesOnly === true && !n.properties.some((p) => p.name === "stateChangesOnly");
        if (sco)
          n = {
            ...n,
            properties: [
              ...n.properties,
              { name: "stateChangesOnly", args: [], span: n.span, nameSpan: n.span },
            ],
          };
        const missing = kinds.filter(
          (k) => !n.handlers.some((h) => h.kind.toLowerCase() === k.toLowerCase()),
        );
        if (missing.length === 0) return n;
        const added = missing.map((kind) => ({
          kind,
          args: [],
          properties: [],
          span: n.span,
          implemented: true,
        }));
        return { ...n, handlers: [...n.handlers, ...added] };
      }),
    };
  }

  private start(record: TaskRecord, graph?: TaskGraph): void {
    try {
      const g = graph ?? this.compile(record, storedOptions(record));
      // The groups with a row, read once: an alert node keeps every group it saves in memory
      // until it deletes its row (expiry drops only OK groups, which have none), so a group
      // it asks for has a row only if it had one at start. A new group (each new alert of a
      // storm) costs no read, and each stored one is read once.
      const stored = this.d.store.alertStates.groupKeys(record.id);
      const task = new Task(g, {
        ...this.contextFor(record.id),
        alertStates: {
          load: (node, group) => {
            if (!stored.delete(groupKey(node, group))) return undefined;
            const r = this.d.store.alertStates.get(record.id, node, group);
            return r === undefined ? undefined : { eventId: r.eventId, state: r.state };
          },
          save: (node, group, eventId, state) =>
            this.d.store.alertStates.put({ task: record.id, node, group, eventId, state }),
          remove: (node, group) => void this.d.store.alertStates.delete(record.id, node, group),
        },
      });
      this.running.set(record.id, { task, graph: g });
      if (record.error !== "") this.d.store.tasks.put({ ...record, error: "" });
    } catch (e) {
      const msg = coerceError(e).message;
      this.d.logger.log("error", `task failed to start: ${msg}`, { task: record.id });
      this.d.store.tasks.put({ ...record, error: msg });
    }
  }

  private contextFor(id: string): TaskContext {
    return {
      taskName: id,
      taskMaster: "main",
      logger: this.d.logger,
      alerts: this.d.alerts,
      serverInfo: this.d.serverInfo,
      inhibitors: this.d.inhibitors,
      ...(this.d.idleFlush !== undefined ? { idleFlush: this.d.idleFlush } : {}),
      ...(this.d.influx !== undefined ? { influx: this.d.influx } : {}),
      ...(this.d.httpPost !== undefined ? { httpPost: this.d.httpPost } : {}),
      ...(this.d.sideload !== undefined ? { sideload: this.d.sideload } : {}),
      loopback: (db, rp, p) => this.loopback(db, rp, p),
    };
  }

  /** Stops a task now; the returned promise settles when its queries and writes are done. */
  private stop(id: string): Promise<void> {
    const r = this.running.get(id);
    this.running.delete(id);
    if (r === undefined) return Promise.resolve();
    return r.task.stop().catch((e: unknown) => {
      this.d.logger.log("error", `task did not stop cleanly: ${coerceError(e).message}`, { task: id });
    });
  }

  private rebuildRoutes(): void {
    this.routes = new Map();
    for (const l of this.changeListeners) l();
  }

  // ------------------------------------------------------------------ cluster mode

  /**
   * The running stream tasks and their graphs (a new graph object whenever a task restarts),
   * for the per-partition engines of cluster mode.
   */
  streamTasks(): Map<string, TaskGraph> {
    const out = new Map<string, TaskGraph>();
    for (const [id, r] of this.running) if (r.graph.type === "stream") out.set(id, r.graph);
    return out;
  }

  /** Every running task (stream and batch) and its graph, for the partition engines of cluster mode. */
  clusterTasks(): Map<string, TaskGraph> {
    const out = new Map<string, TaskGraph>();
    for (const [id, r] of this.running) out.set(id, r.graph);
    return out;
  }

  /** Called after any task started or stopped; call the result to stop listening. */
  onTasksChanged(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * A fresh engine instance of a running stream task with its own alert sink, alert state and
   * loopback (one per input partition in cluster mode); undefined when the task is not running.
   */
  instantiate(id: string, ctx: InstanceContext): Task | undefined {
    const r = this.running.get(id);
    if (r === undefined) return undefined;
    return new Task(r.graph, { ...this.contextFor(id), ...ctx });
  }

  /** The fields the tasks of (db, rp) can read; valid until the next task start or stop. */
  fieldFilter(db: string, rp: string): FieldFilter | undefined {
    // A stream recording keeps every field of every point: decode them all while one runs.
    if (this.writeListeners.size > 0) return undefined;
    return (this.routes.get(`${db}\u0000${rp}`) ?? this.routesFor(db, rp)).fields;
  }

  private routesFor(db: string, rp: string): Route {
    const tasks: Task[] = [];
    for (const r of this.running.values())
      if (r.graph.type === "stream" && r.task.wants(db, rp)) tasks.push(r.task);
    const route = { tasks, fields: FieldDemandFilter.of(tasks.map((t) => t.fieldDemand)) };
    this.routes.set(`${db}\u0000${rp}`, route);
    return route;
  }

  /**
   * A task that is not executing still shows its pipeline (Kapacitor's pipeline.Dot), kept per
   * script so a task list does not re-check every script; "" when the script does not check.
   */
  private idleDot(t: TaskRecord): string {
    const cached = this.idleDots.get(t.id);
    if (cached !== undefined && cached.script === t.script) return cached.dot;
    let dot = "";
    try {
      dot = pipelineDot(t.id, this.compile(t, storedOptions(t)));
    } catch {
      // The task's `error` already says what is wrong with it.
    }
    if (this.idleDots.size > 10_000) this.idleDots.clear();
    this.idleDots.set(t.id, { script: t.script, dot });
    return dot;
  }

  private view(t: TaskRecord): TaskView {
    const r = this.running.get(t.id);
    if (r === undefined) {
      const dot = this.idleDot(t);
      return { ...t, executing: false, dot, dotLabels: dot, nodeStats: [], throughput: 0 };
    }
    const stats = taskStatistics(r.task);
    const type = r.graph.type;
    return {
      ...t,
      executing: true,
      dot: executingDot(t.id, type, stats.throughput, stats.nodes, false),
      dotLabels: executingDot(t.id, type, stats.throughput, stats.nodes, true),
      nodeStats: stats.nodes,
      throughput: stats.throughput,
    };
  }
}

function invalid(message: string): never {
  throw new TickdError("E_TASK_INVALID", message);
}

/**
 * What a stored record was defined with besides its script: its type, and its dbrps unless
 * the script declares them itself (a record keeps the effective dbrps either way).
 */
function storedOptions(record: TaskRecord): { dbrps?: TaskRecord["dbrps"]; type: TaskRecord["type"] } {
  return declaresDbrp(record.script) ? { type: record.type } : { dbrps: record.dbrps, type: record.type };
}
