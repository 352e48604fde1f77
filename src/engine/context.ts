/**
 * What a running task needs from its host (the daemon, or `tickctl test`). The engine knows
 * nothing of topics, handlers or HTTP: alert events leave through `alerts`.
 */
import type { AlertEvent } from "../core/alert-event.js";
import type { Level } from "../core/types.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";
import type { AlertStateSnapshot } from "./alert-state.js";
import type { InhibitorRegistry } from "./inhibitors.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface EngineLogger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

/** Where an alert node delivers its events. */
export interface AlertSink {
  /**
   * Called once per event with the topics it is collected into (the anonymous topic first,
   * then `.topic()`) and the TICKscript handlers of the node.
   */
  collect(event: AlertEvent, route: { topics: string[]; handlers: readonly HandlerSpec[] }): void;
  /** The stored level and trigger time for an event id (restart / new group), if any. */
  restore?(topics: readonly string[], id: string): { level: Level; time: number } | undefined;
}

/**
 * tickd's alert-state persistence (Kapacitor issue #744): a restart must neither re-page an
 * incident already paged nor forget the recovery it owes. Keyed by node name and group id.
 */
export interface AlertStatePersistence {
  load(node: string, group: string): { eventId: string; state: AlertStateSnapshot } | undefined;
  save(node: string, group: string, eventId: string, state: AlertStateSnapshot): void;
  remove(node: string, group: string): void;
}

export interface ServerInfo {
  Hostname: string;
  ClusterID: string;
  ServerID: string;
}

export interface TaskContext {
  taskName: string;
  /** Kapacitor's task master name, used in anonymous topics: `main:<task>:<node>`. */
  taskMaster: string;
  logger: EngineLogger;
  alerts: AlertSink;
  serverInfo: ServerInfo;
  /** Shared by every task of a daemon so one task's `.inhibit()` silences another's `.category()`. */
  inhibitors: InhibitorRegistry;
  /**
   * tickd's idle flush (ns): on a wall-clock tick, a window whose end lies more than this in
   * the past closes even though its group sent no new point. Undefined: windows close only
   * on data (Kapacitor's behaviour, and what replays use).
   */
  idleFlush?: number;
  /** Where alert nodes keep each group's state across restarts; none in replays. */
  alertStates?: AlertStatePersistence;
}
