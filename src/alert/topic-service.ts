/**
 * The topic service: where alert events land (AlertSink) and what the topic API manages
 * (TopicApi). Kapacitor's alert service (KAPACITOR-COMPAT.md §1 "Delivery", §5).
 *
 * State:
 * - topics (TopicStore): the last state per event id, `collected`, and so `previousLevel`,
 *   per topic. A non-OK state is persisted; an OK state deletes the stored entry but stays in
 *   memory until restart. Deleting a topic forgets its states (its handlers stay).
 * - handlers per topic, from handler files or the API. API handlers are persisted; file
 *   handlers are re-read from the directory at start and on reload. As with Kapacitor's load
 *   directory, a file is authoritative for the topic/id it defines: loading it replaces an
 *   API handler of the same id, and an API change to a file handler lasts until the next reload.
 * - TICKscript handlers per anonymous topic, created on the node's first event and kept while
 *   the node keeps sending the same handler array (a redefined task sends a new one: the old
 *   handlers are closed). They are never listed.
 *
 * Dispatch never throws into the engine: a handler that throws or rejects, or whose match
 * expression fails, is logged with its topic and id and the other handlers still run.
 */
import type { AlertEvent, AlertEventState } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import { Level } from "../core/types.js";
import type { AlertSink, EngineLogger } from "../engine/context.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";
import type { GateScope, NotificationGate } from "./gate.js";
import { compileGlob } from "./glob.js";
import type { AlertHandler, HandlerFactory, TopicHandlerSpec } from "./handler.js";
import { formatProblem, readHandlerDir, validateHandlerSpec, type HandlerFile } from "./handler-files.js";
import { compileMatch, MatchError, type CompiledMatch } from "./match.js";
import type {
  HandlerDirReport,
  HandlerSource,
  TopicApi,
  TopicHandlerInfo,
  TopicSummary,
} from "./topic-api.js";
import { seedOf, TopicStore } from "./topics.js";

/** Codes thrown by the topic API (the HTTP layer maps them to statuses). */
export const TopicErrorCodes = {
  /** 400 "invalid handler spec: …" (id, topic, empty kind, match expression). */
  HANDLER_SPEC: "E_HANDLER_SPEC",
  /** 500 `failed to create handler: unsupported action kind "x"` (thrown by the factory). */
  HANDLER_KIND: "E_HANDLER_KIND",
  /** 400, names the option (thrown by the factory). */
  HANDLER_OPTIONS: "E_HANDLER_OPTIONS",
  /** 500 "…already exists". */
  HANDLER_EXISTS: "E_HANDLER_EXISTS",
  /** 404 `unknown handler: "h"`. */
  HANDLER_UNKNOWN: "E_HANDLER_UNKNOWN",
  /** 500: the factory failed with something that is not a TickdError. */
  HANDLER_CREATE: "E_HANDLER_CREATE",
  /** 400 "invalid pattern: …" (see glob.ts). */
  PATTERN: "E_PATTERN",
} as const;

/** A persisted event state. */
export interface StoredEventState {
  topic: string;
  state: AlertEventState;
}

/**
 * What the topic service stores (the daemon adapts the SQLite store to it). Calls are
 * synchronous; a throwing call is logged on the event path and propagated on the API path.
 */
export interface TopicPersistence {
  /** Every stored non-OK event state, read once by `open()`. */
  loadEvents(): Iterable<StoredEventState>;
  /** Inserts or replaces the state of `state.id` in `topic`. Only non-OK states are put. */
  putEvent(topic: string, state: AlertEventState): void;
  /** Forgets one event (an OK event arrived). Deleting an absent entry is not an error. */
  deleteEvent(topic: string, eventId: string): void;
  /** Forgets every stored event of the topic (DELETE /topics/<t>). Handlers are untouched. */
  deleteTopic(topic: string): void;
  /** Every handler defined through the API, read once by `open()`. */
  loadHandlers(): Iterable<TopicHandlerSpec>;
  /** Inserts or replaces the handler (topic, id). */
  putHandler(spec: TopicHandlerSpec): void;
  deleteHandler(topic: string, id: string): void;
}

export interface TopicServiceOptions {
  factory: HandlerFactory;
  persistence?: TopicPersistence;
  logger: EngineLogger;
  /** `[alert] persist-topics`: store non-OK event states (handlers are always stored). */
  persistTopics: boolean;
  /** On-call state (silences, acks): asked before each external handler gets an event. */
  gate?: NotificationGate;
  /** Called when an event's level differs from its previous level in a topic (the history). */
  onStateChange?: (topic: string, event: AlertEvent, previousLevel: Level) => void;
}

/** Kinds that may see NoExternal events (they only move events between topics). */
const INTERNAL_KINDS: ReadonlySet<string> = new Set(["aggregate", "publish"]);

interface Registered {
  readonly spec: TopicHandlerSpec;
  readonly source: HandlerSource;
  readonly handler: AlertHandler;
  readonly match: CompiledMatch | undefined;
}

interface ScriptHandler {
  readonly id: string;
  readonly kind: string;
  readonly handler: AlertHandler;
}

interface ScriptSlot {
  readonly specs: readonly HandlerSpec[];
  readonly handlers: readonly ScriptHandler[];
}

interface Built {
  handler: AlertHandler;
  match: CompiledMatch | undefined;
}

const NO_HANDLERS: readonly Registered[] = [];

export class TopicService implements TopicApi, AlertSink {
  private readonly store = new TopicStore();
  private readonly factory: HandlerFactory;
  private readonly persistence: TopicPersistence | undefined;
  private readonly logger: EngineLogger;
  private readonly persistTopics: boolean;
  private readonly gate: NotificationGate | undefined;
  private readonly onStateChange: TopicServiceOptions["onStateChange"];
  /** topic → id → handler, in registration order. */
  private readonly handlers = new Map<string, Map<string, Registered>>();
  /** topic → the same handlers as an array, rebuilt on change so dispatch does not allocate. */
  private readonly dispatch = new Map<string, readonly Registered[]>();
  /** anonymous topic → its node's TICKscript handlers. */
  private readonly scripts = new Map<string, ScriptSlot>();
  /** Handler calls and closes still running (drain() and close() wait for them). */
  private readonly pending = new Set<Promise<void>>();
  private reloading: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(opts: TopicServiceOptions) {
    this.factory = opts.factory;
    this.persistence = opts.persistence;
    this.logger = opts.logger;
    this.persistTopics = opts.persistTopics;
    this.gate = opts.gate;
    this.onStateChange = opts.onStateChange;
  }

  /**
   * Loads the stored API handlers and (with persistTopics) the stored event states. A stored
   * handler that can no longer be created (a kind removed, options now invalid) is logged and
   * skipped, and stays stored. Persistence errors propagate: the daemon should not start.
   */
  open(): void {
    const p = this.persistence;
    if (p === undefined) return;
    for (const spec of p.loadHandlers()) {
      try {
        const built = this.instantiate(spec, false);
        this.setHandler({ spec: copySpec(spec), source: { type: "api" }, ...built });
      } catch (e) {
        this.logger.log("error", "failed to load handler on startup", {
          topic: spec.topic,
          handler: spec.id,
          error: coerceError(e).message,
        });
      }
    }
    if (!this.persistTopics) return;
    for (const { topic, state } of p.loadEvents()) {
      this.store.ensure(topic).events.set(state.id, state);
    }
  }

  // ------------------------------------------------------------------ AlertSink

  collect(event: AlertEvent, route: { topics: string[]; handlers: readonly HandlerSpec[] }): void {
    if (this.closed) return;
    const anonymous = route.handlers.length > 0 ? route.topics[0] : undefined;
    const scripted = anonymous === undefined ? undefined : this.scriptHandlers(anonymous, route.handlers);
    for (const topic of route.topics) {
      const e = event.topic === topic ? event : { ...event, topic };
      const previousLevel = this.record(topic, e);
      const scope = this.gateScope(topic, e, previousLevel);
      if (scripted !== undefined && topic === anonymous) {
        for (const s of scripted) this.deliver(topic, s.id, s.kind, s.handler, e, previousLevel, scope);
      }
      for (const r of this.dispatch.get(topic) ?? NO_HANDLERS) {
        if (e.noExternal === true && !INTERNAL_KINDS.has(r.spec.kind)) continue;
        if (r.match !== undefined && !this.matches(r, e, previousLevel)) continue;
        this.deliver(topic, r.spec.id, r.spec.kind, r.handler, e, previousLevel, scope);
      }
      scope?.end();
    }
  }

  /**
   * Hands an event to a topic's external handlers without recording it (an acknowledgement or
   * snooze made through the API, a level re-sent when a silence ends), bypassing the gate.
   * `only`: just these handler ids. Match expressions still apply. Returns the ids reached;
   * TICKscript handlers are reachable only once their node has sent an event since the start.
   */
  notify(topic: string, event: AlertEvent, previousLevel: Level, only?: ReadonlySet<string>): string[] {
    if (this.closed) return [];
    const reached: string[] = [];
    const e = event.topic === topic ? event : { ...event, topic };
    for (const s of this.scripts.get(topic)?.handlers ?? []) {
      if (INTERNAL_KINDS.has(s.kind) || (only !== undefined && !only.has(s.id))) continue;
      this.deliver(topic, s.id, s.kind, s.handler, e, previousLevel);
      reached.push(s.id);
    }
    for (const r of this.dispatch.get(topic) ?? NO_HANDLERS) {
      if (INTERNAL_KINDS.has(r.spec.kind) || (only !== undefined && !only.has(r.spec.id))) continue;
      if (r.match !== undefined && !this.matches(r, e, previousLevel)) continue;
      this.deliver(topic, r.spec.id, r.spec.kind, r.handler, e, previousLevel);
      reached.push(r.spec.id);
    }
    return reached;
  }

  private gateScope(topic: string, e: AlertEvent, previousLevel: Level): GateScope | undefined {
    if (this.gate === undefined || e.noExternal === true) return undefined;
    try {
      return this.gate.begin(topic, e, previousLevel);
    } catch (err) {
      // Failing open: a broken on-call store must not swallow pages.
      this.logger.log("error", "on-call check failed; the event is sent unfiltered", {
        topic,
        event: e.state.id,
        error: coerceError(err).message,
      });
      return undefined;
    }
  }

  /**
   * Cluster mode: event states read from an input partition's changelog when this instance
   * takes the partition over (not persisted again: they come from where they are kept).
   */
  loadEvents(states: Iterable<StoredEventState>): void {
    for (const { topic, state } of states) this.store.ensure(topic).events.set(state.id, state);
  }

  /** Cluster mode: forgets event states locally (their partition went to another instance). */
  forgetEvents(keys: Iterable<{ topic: string; eventId: string }>): void {
    for (const { topic, eventId } of keys) this.store.get(topic)?.events.delete(eventId);
  }

  /** See TopicStore.restoreEvent; a state copied between the node's topics is stored too. */
  restore(topics: readonly string[], id: string): { level: Level; time: bigint } | undefined {
    const { state, copied } = this.store.restoreEvent(topics, id);
    if (copied !== undefined) this.persist(copied.topic, copied.state);
    return seedOf(state);
  }

  /** Resolves when every handler call and close started so far has settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Closes every handler (files, API, TICKscript) and waits for them and for running calls. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reloading.catch(() => undefined);
    for (const [topic, byId] of this.handlers) {
      for (const r of byId.values()) this.closeHandler(topic, r.spec.id, r.handler);
    }
    for (const [topic, slot] of this.scripts) {
      for (const s of slot.handlers) this.closeHandler(topic, s.id, s.handler);
    }
    this.handlers.clear();
    this.dispatch.clear();
    this.scripts.clear();
    await this.drain();
  }

  // ------------------------------------------------------------------ topics

  listTopics(pattern?: string, minLevel: Level = Level.OK): TopicSummary[] {
    const match = compileGlob(pattern);
    return this.store
      .list()
      .filter((t) => match(t.id) && t.level() >= minLevel)
      .map((t) => ({ id: t.id, level: t.level(), collected: t.collected }));
  }

  getTopic(id: string): TopicSummary | undefined {
    const t = this.store.get(id);
    return t === undefined ? undefined : { id: t.id, level: t.level(), collected: t.collected };
  }

  deleteTopic(id: string): boolean {
    const existed = this.store.delete(id);
    this.persistence?.deleteTopic(id);
    return existed;
  }

  topicEvents(topic: string, minLevel: Level = Level.OK): AlertEventState[] | undefined {
    const t = this.store.get(topic);
    if (t === undefined) return undefined;
    return [...t.events.values()].filter((s) => s.level >= minLevel).map((s) => ({ ...s }));
  }

  topicEvent(topic: string, eventId: string): AlertEventState | undefined {
    const s = this.store.get(topic)?.events.get(eventId);
    return s === undefined ? undefined : { ...s };
  }

  // ------------------------------------------------------------------ handlers (API)

  listHandlers(topic: string, pattern?: string): TopicHandlerInfo[] {
    const match = compileGlob(pattern);
    return [...(this.handlers.get(topic)?.values() ?? [])]
      .filter((r) => match(r.spec.id))
      .sort((a, b) => (a.spec.id < b.spec.id ? -1 : a.spec.id > b.spec.id ? 1 : 0))
      .map(info);
  }

  getHandler(topic: string, id: string): TopicHandlerInfo | undefined {
    const r = this.find(topic, id);
    return r === undefined ? undefined : info(r);
  }

  createHandler(spec: TopicHandlerSpec): TopicHandlerInfo {
    const s = copySpec(spec);
    checkSpec(s);
    if (this.find(s.topic, s.id) !== undefined) {
      throw new TickdError(
        TopicErrorCodes.HANDLER_EXISTS,
        `failed to create handler: cannot register handler, handler with ID ${JSON.stringify(s.id)} already exists`,
      );
    }
    const built = this.instantiateForApi(s, "failed to create handler");
    try {
      this.persistence?.putHandler(s);
    } catch (e) {
      this.closeHandler(s.topic, s.id, built.handler);
      throw e;
    }
    const r: Registered = { spec: s, source: { type: "api" }, ...built };
    this.setHandler(r);
    return info(r);
  }

  replaceHandler(topic: string, id: string, spec: TopicHandlerSpec): TopicHandlerInfo {
    const old = this.find(topic, id);
    if (old === undefined) {
      throw new TickdError(TopicErrorCodes.HANDLER_UNKNOWN, `unknown handler: ${JSON.stringify(id)}`);
    }
    const s = copySpec(spec);
    checkSpec(s);
    if (s.topic !== topic) {
      throw new TickdError(
        TopicErrorCodes.HANDLER_SPEC,
        "failed to update handler: cannot change topic in update",
      );
    }
    if (s.id !== id && this.find(topic, s.id) !== undefined) {
      throw new TickdError(
        TopicErrorCodes.HANDLER_EXISTS,
        "failed to update handler: handler spec already exists",
      );
    }
    const built = this.instantiateForApi(s, "failed to update handler");
    try {
      this.persistence?.putHandler(s);
      if (s.id !== id && old.source.type === "api") this.persistence?.deleteHandler(topic, id);
    } catch (e) {
      this.closeHandler(s.topic, s.id, built.handler);
      throw e;
    }
    this.removeHandler(topic, id);
    const r: Registered = { spec: s, source: { type: "api" }, ...built };
    this.setHandler(r);
    this.closeHandler(topic, id, old.handler);
    return info(r);
  }

  /** A file handler deleted here comes back on the next reload, as with Kapacitor's load directory. */
  deleteHandler(topic: string, id: string): boolean {
    const r = this.find(topic, id);
    if (r === undefined) return false;
    if (r.source.type === "api") this.persistence?.deleteHandler(topic, id);
    this.removeHandler(topic, id);
    this.closeHandler(topic, id, r.handler);
    return true;
  }

  /**
   * Cluster mode (src/cluster/config-writes.ts): checks a create ({@link createHandler}) or a
   * replace of `replacing` ({@link replaceHandler}) with the same errors, and returns the spec
   * the config topic gets; nothing is stored or registered.
   */
  planHandler(spec: TopicHandlerSpec, replacing?: { topic: string; id: string }): TopicHandlerSpec {
    const s = copySpec(spec);
    checkSpec(s);
    if (replacing === undefined) {
      if (this.find(s.topic, s.id) !== undefined) {
        throw new TickdError(
          TopicErrorCodes.HANDLER_EXISTS,
          `failed to create handler: cannot register handler, handler with ID ${JSON.stringify(s.id)} already exists`,
        );
      }
    } else {
      const { topic, id } = replacing;
      if (this.find(topic, id) === undefined)
        throw new TickdError(TopicErrorCodes.HANDLER_UNKNOWN, `unknown handler: ${JSON.stringify(id)}`);
      if (s.topic !== topic)
        throw new TickdError(
          TopicErrorCodes.HANDLER_SPEC,
          "failed to update handler: cannot change topic in update",
        );
      if (s.id !== id && this.find(topic, s.id) !== undefined)
        throw new TickdError(
          TopicErrorCodes.HANDLER_EXISTS,
          "failed to update handler: handler spec already exists",
        );
    }
    // Built to be checked exactly as a local define is, then closed again.
    const built = this.instantiateForApi(
      s,
      `failed to ${replacing === undefined ? "create" : "update"} handler`,
    );
    this.closeHandler(s.topic, s.id, built.handler);
    return s;
  }

  /**
   * Cluster mode (src/cluster/config-apply.ts): makes handler (topic, id) what the config
   * topic says, as an API handler (stored, replacing a file handler of that id); null removes
   * it. Created as a stored one is at start: one this instance's config refuses records each
   * refusal instead of failing.
   */
  applyHandler(topic: string, id: string, spec: TopicHandlerSpec | null): void {
    const old = this.find(topic, id);
    if (spec === null) {
      if (old !== undefined) this.deleteHandler(topic, id);
      else this.persistence?.deleteHandler(topic, id);
      return;
    }
    const s = copySpec({ ...spec, topic, id });
    const built = this.instantiate(s, false);
    this.persistence?.putHandler(s);
    this.removeHandler(topic, id);
    this.setHandler({ spec: s, source: { type: "api" }, ...built });
    if (old !== undefined) this.closeHandler(topic, id, old.handler);
  }

  /** The handler with secret options replaced by "<redacted>", for API answers and logs. */
  redact(h: TopicHandlerInfo): TopicHandlerInfo {
    return { ...h, options: this.factory.redact(h.kind, h.options) };
  }

  // ------------------------------------------------------------------ handler files

  /** Loads the handler directory at start; the same as a reload with nothing loaded yet. */
  loadHandlerDir(dir: string): Promise<HandlerDirReport> {
    return this.reloadHandlerDir(dir);
  }

  /**
   * Re-reads the directory (SIGHUP) and swaps the file handlers in one step: unchanged ones
   * are kept as they are (queues, timers), changed ones are replaced, vanished ones removed.
   * A file that fails keeps the handlers it loaded before. Topic state is untouched. Throws
   * TickdError E_HANDLER_DIR (nothing changed) when the directory cannot be read.
   */
  reloadHandlerDir(dir: string): Promise<HandlerDirReport> {
    const run = this.reloading.catch(() => undefined).then(() => this.reloadNow(dir));
    this.reloading = run;
    return run;
  }

  private async reloadNow(dir: string): Promise<HandlerDirReport> {
    const contents = await readHandlerDir(dir);
    const report: HandlerDirReport = { loaded: [], errors: [], removed: [] };
    const failed = new Set<string>();
    for (const p of contents.problems) {
      failed.add(p.path);
      report.errors.push(formatProblem(p));
    }
    if (this.closed) return report;

    interface Wanted {
      file: HandlerFile;
      keep: Registered | undefined;
      built: Built | undefined;
    }
    const wanted = new Map<string, Wanted>();
    for (const file of contents.files) {
      const { spec } = file;
      const key = handlerKey(spec.topic, spec.id);
      const other = wanted.get(key);
      if (other !== undefined) {
        failed.add(file.path);
        report.errors.push(
          `${file.path}:${file.lineOf("id")}: handler ${JSON.stringify(spec.id)} for topic ${JSON.stringify(spec.topic)} is already defined in ${other.file.path}`,
        );
        continue;
      }
      const current = this.find(spec.topic, spec.id);
      if (
        current !== undefined &&
        current.source.type === "file" &&
        current.source.path === file.path &&
        sameSpec(current.spec, spec)
      ) {
        wanted.set(key, { file, keep: current, built: undefined });
        continue;
      }
      try {
        wanted.set(key, { file, keep: undefined, built: this.instantiate(spec) });
      } catch (e) {
        failed.add(file.path);
        report.errors.push(fileError(file, e));
      }
    }

    // Everything is built: swap in one synchronous step so no event sees half a reload.
    const kept = new Set<string>();
    for (const [topic, byId] of [...this.handlers]) {
      for (const r of [...byId.values()]) {
        if (r.source.type !== "file") continue;
        const w = wanted.get(handlerKey(topic, r.spec.id));
        if (w?.keep === r) continue;
        if (w === undefined && failed.has(r.source.path)) {
          kept.add(r.source.path);
          continue;
        }
        this.removeHandler(topic, r.spec.id);
        this.closeHandler(topic, r.spec.id, r.handler);
        report.removed.push(`${topic}/${r.spec.id}`);
      }
    }
    for (const w of wanted.values()) {
      const { spec } = w.file;
      if (w.built !== undefined) {
        const displaced = this.find(spec.topic, spec.id);
        if (displaced !== undefined) {
          this.logger.log("warn", "handler file replaces the handler defined through the API", {
            topic: spec.topic,
            handler: spec.id,
            file: w.file.path,
          });
          this.removeHandler(spec.topic, spec.id);
          this.closeHandler(spec.topic, spec.id, displaced.handler);
          try {
            this.persistence?.deleteHandler(spec.topic, spec.id);
          } catch (e) {
            this.logger.log("error", "failed to delete the stored handler", {
              topic: spec.topic,
              handler: spec.id,
              error: coerceError(e).message,
            });
          }
        }
        this.setHandler({ spec, source: { type: "file", path: w.file.path }, ...w.built });
      }
      report.loaded.push(info(this.find(spec.topic, spec.id)!));
    }
    // One line per file, in file order, whichever stage found the problem.
    report.errors.sort();
    if (kept.size > 0) {
      report.errors = report.errors.map((line) => {
        const path = [...kept].find((p) => line.startsWith(`${p}:`));
        return path === undefined ? line : `${line} (the previously loaded version stays active)`;
      });
    }
    return report;
  }

  /**
   * Re-creates the handlers of the given kinds from their specs (API, file and TICKscript
   * handlers alike), after a config reload: a kind reads its config section when it is
   * created. Everything is built first and swapped in one synchronous step, as a handler-dir
   * reload does; a handler that cannot be built under the new config keeps its previous
   * instance and is reported (`topic/id: reason`).
   */
  rebuildHandlers(kinds: ReadonlySet<string>): Promise<{ rebuilt: number; errors: string[] }> {
    const run = this.reloading.catch(() => undefined).then(() => this.rebuildNow(kinds));
    this.reloading = run;
    return run;
  }

  private rebuildNow(kinds: ReadonlySet<string>): { rebuilt: number; errors: string[] } {
    const errors: string[] = [];
    if (this.closed) return { rebuilt: 0, errors };
    const wanted = (kind: string) => kinds.has(kind.toLowerCase());
    const fail = (topic: string, id: string, e: unknown) =>
      errors.push(
        `${topic}/${id}: cannot be re-created with the new config, the previous one stays active: ${coerceError(e).message}`,
      );

    let rebuilt = 0;
    const registered: Registered[] = [];
    for (const byId of this.handlers.values()) {
      for (const r of byId.values()) {
        if (!wanted(r.spec.kind)) continue;
        try {
          registered.push({ ...r, handler: this.instantiate(r.spec).handler });
          rebuilt++;
        } catch (e) {
          fail(r.spec.topic, r.spec.id, e);
        }
      }
    }
    const scripts: [string, ScriptSlot][] = [];
    for (const [topic, slot] of this.scripts) {
      if (!slot.specs.some((s) => wanted(s.kind))) continue;
      const handlers: ScriptHandler[] = [];
      slot.specs.forEach((spec, i) => {
        const id = `tick:${spec.kind}${i}`;
        const old = slot.handlers.find((h) => h.id === id);
        if (!wanted(spec.kind)) {
          if (old !== undefined) handlers.push(old);
          return;
        }
        try {
          const { kind, options } = this.factory.fromTickscript(spec);
          handlers.push({ id, kind, handler: this.factory.create({ kind, options, topic, id }) });
          rebuilt++;
        } catch (e) {
          fail(topic, id, e);
          if (old !== undefined) handlers.push(old);
        }
      });
      scripts.push([topic, { specs: slot.specs, handlers }]);
    }

    // Swap: no event sees half a rebuild. The old instances close after.
    for (const r of registered) {
      const old = this.find(r.spec.topic, r.spec.id);
      this.setHandler(r);
      if (old !== undefined) this.closeHandler(r.spec.topic, r.spec.id, old.handler);
    }
    for (const [topic, slot] of scripts) {
      const old = this.scripts.get(topic)?.handlers ?? [];
      this.scripts.set(topic, slot);
      for (const h of old) if (!slot.handlers.includes(h)) this.closeHandler(topic, h.id, h.handler);
    }
    return { rebuilt, errors };
  }

  // ------------------------------------------------------------------ internals

  private find(topic: string, id: string): Registered | undefined {
    return this.handlers.get(topic)?.get(id);
  }

  private setHandler(r: Registered): void {
    const { topic, id } = r.spec;
    let byId = this.handlers.get(topic);
    if (byId === undefined) {
      byId = new Map();
      this.handlers.set(topic, byId);
    }
    byId.set(id, r);
    this.dispatch.set(topic, [...byId.values()]);
    // Kapacitor: creating a handler creates its topic.
    this.store.ensure(topic);
  }

  private removeHandler(topic: string, id: string): void {
    const byId = this.handlers.get(topic);
    if (byId === undefined || !byId.delete(id)) return;
    if (byId.size === 0) {
      this.handlers.delete(topic);
      this.dispatch.delete(topic);
    } else {
      this.dispatch.set(topic, [...byId.values()]);
    }
  }

  /**
   * Compiles the match and creates the handler; errors are thrown raw (MatchError, factory
   * errors). `check`: a new definition (API, handler file), refused when it cannot send under
   * the current config; a stored one restored at start is created as it is.
   */
  private instantiate(spec: TopicHandlerSpec, check = true): Built {
    const match = compileMatch(spec.match);
    const s = { kind: spec.kind, options: spec.options, topic: spec.topic, id: spec.id };
    if (check) {
      this.factory.check?.(spec.kind, spec.options);
      return { handler: this.factory.create(s), match };
    }
    // Restored: one the config no longer allows stays listed and records each refusal.
    return { handler: this.factory.createOrRefuse?.(s) ?? this.factory.create(s), match };
  }

  private instantiateForApi(spec: TopicHandlerSpec, prefix: string): Built {
    try {
      return this.instantiate(spec);
    } catch (e) {
      if (e instanceof MatchError) {
        throw new TickdError(TopicErrorCodes.HANDLER_SPEC, `invalid handler spec: ${e.message}`, {
          cause: e,
        });
      }
      const err = coerceError(e);
      const code = e instanceof TickdError ? e.code : TopicErrorCodes.HANDLER_CREATE;
      throw new TickdError(code, `${prefix}: ${err.message}`, { cause: e });
    }
  }

  private record(topic: string, e: AlertEvent): Level {
    const previousLevel = this.store.collect(topic, e);
    this.persist(topic, e.state);
    if (previousLevel !== e.state.level) this.onStateChange?.(topic, e, previousLevel);
    return previousLevel;
  }

  private persist(topic: string, state: AlertEventState): void {
    const p = this.persistence;
    if (p === undefined || !this.persistTopics) return;
    try {
      if (state.level === Level.OK) p.deleteEvent(topic, state.id);
      else p.putEvent(topic, state);
    } catch (err) {
      this.logger.log("error", "failed to store topic event state", {
        topic,
        event: state.id,
        error: coerceError(err).message,
      });
    }
  }

  private scriptHandlers(topic: string, specs: readonly HandlerSpec[]): readonly ScriptHandler[] {
    const slot = this.scripts.get(topic);
    if (slot !== undefined && slot.specs === specs) return slot.handlers;
    // The node was redefined (a new task graph): its old handlers go.
    if (slot !== undefined) for (const s of slot.handlers) this.closeHandler(topic, s.id, s.handler);
    const handlers: ScriptHandler[] = [];
    specs.forEach((spec, i) => {
      // ':' cannot appear in a file or API handler id, so these never collide with one.
      const id = `tick:${spec.kind}${i}`;
      try {
        const { kind, options } = this.factory.fromTickscript(spec);
        // A handler the config no longer allows refuses (and records) each event rather than vanish.
        const handler =
          this.factory.createOrRefuse?.({ kind, options, topic, id }) ??
          this.factory.create({ kind, options, topic, id });
        handlers.push({ id, kind, handler });
      } catch (e) {
        this.logger.log("error", "cannot create TICKscript handler; its events are not sent", {
          topic,
          handler: id,
          line: spec.span.start.line,
          error: coerceError(e).message,
        });
      }
    });
    this.scripts.set(topic, { specs, handlers });
    return handlers;
  }

  private matches(r: Registered, e: AlertEvent, previousLevel: Level): boolean {
    try {
      return r.match!.matches(e, previousLevel);
    } catch (err) {
      this.logger.log("error", "failed to evaluate match expression", {
        topic: e.topic,
        handler: r.spec.id,
        match: r.spec.match,
        error: coerceError(err).message,
      });
      return false;
    }
  }

  private deliver(
    topic: string,
    id: string,
    kind: string,
    handler: AlertHandler,
    e: AlertEvent,
    previousLevel: Level,
    scope?: GateScope,
  ): void {
    if (e.noExternal === true && !INTERNAL_KINDS.has(kind)) return;
    if (scope !== undefined && !INTERNAL_KINDS.has(kind)) {
      const admitted = scope.admit(id, kind);
      if (admitted === undefined) return;
      e = admitted.event;
      previousLevel = admitted.previousLevel;
    }
    try {
      this.track(handler.handle(e, previousLevel), topic, id, "handler failed");
    } catch (err) {
      this.failed(topic, id, "handler failed", err);
    }
  }

  private closeHandler(topic: string, id: string, handler: AlertHandler): void {
    try {
      this.track(handler.close?.(), topic, id, "failed to close handler");
    } catch (err) {
      this.failed(topic, id, "failed to close handler", err);
    }
  }

  private track(result: void | Promise<void>, topic: string, id: string, what: string): void {
    if (result === undefined || typeof (result as Partial<Promise<void>>).then !== "function") return;
    const settled: Promise<void> = Promise.resolve(result).then(
      () => {
        this.pending.delete(settled);
      },
      (err: unknown) => {
        this.pending.delete(settled);
        this.failed(topic, id, what, err);
      },
    );
    this.pending.add(settled);
  }

  private failed(topic: string, id: string, what: string, err: unknown): void {
    const e = coerceError(err);
    this.logger.log("error", what, {
      topic,
      handler: id,
      error: e.message,
      ...(e instanceof TickdError ? { code: e.code } : {}),
    });
  }
}

function handlerKey(topic: string, id: string): string {
  return `${topic}\u0000${id}`;
}

function copySpec(spec: TopicHandlerSpec): TopicHandlerSpec {
  return {
    topic: spec.topic,
    id: spec.id,
    kind: spec.kind,
    options: structuredClone((spec.options as Record<string, unknown> | null | undefined) ?? {}),
    match: (spec.match as string | null | undefined) ?? "",
  };
}

function checkSpec(spec: TopicHandlerSpec): void {
  const invalid = validateHandlerSpec(spec);
  if (invalid !== undefined)
    throw new TickdError(TopicErrorCodes.HANDLER_SPEC, `invalid handler spec: ${invalid}`);
}

function sameSpec(a: TopicHandlerSpec, b: TopicHandlerSpec): boolean {
  return a.kind === b.kind && a.match === b.match && JSON.stringify(a.options) === JSON.stringify(b.options);
}

function info(r: Registered): TopicHandlerInfo {
  return { ...copySpec(r.spec), source: { ...r.source } };
}

/** `file:line: reason` for a handler that failed to build, on the line that caused it. */
function fileError(file: HandlerFile, e: unknown): string {
  if (e instanceof MatchError) return `${file.path}:${file.matchLine(e.line)}: ${e.message}`;
  const err = coerceError(e);
  let line = file.lineOf("kind");
  if (e instanceof TickdError && e.code === TopicErrorCodes.HANDLER_OPTIONS) {
    const named = Object.keys(file.spec.options).find((k) => mentions(err.message, k));
    line = named === undefined ? file.lineOf("options") : file.optionLine(named);
  }
  return `${file.path}:${line}: ${err.message}`;
}

function mentions(message: string, key: string): boolean {
  if (message.includes(JSON.stringify(key)) || message.includes(`'${key}'`)) return true;
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w-])${escaped}($|[^\\w-])`).test(message);
}
