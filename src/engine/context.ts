/**
 * What a running task needs from its host (the daemon, or `tickctl test`). The engine knows
 * nothing of topics, handlers or HTTP: alert events leave through `alerts`.
 */
import type { AlertEvent, Series } from "../core/alert-event.js";
import type { Level, Point, Tags } from "../core/types.js";
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
  /**
   * Called when a group starts, with the node's topics (as in `collect`) and the group's event
   * id: the stored non-OK level and trigger time to seed the group from, if any (Kapacitor's
   * restoreEvent: the state may have been set by another group sharing the id, or before a
   * restart). Every host that collects events must answer it the same way, or the daemon and
   * `tickctl test` disagree.
   */
  restore?(topics: readonly string[], id: string): { level: Level; time: bigint } | undefined;
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

/** One series of a query result: its measurement, its group tags and its rows as points. */
export interface InfluxSeries {
  name: string;
  /** The series' tags (the GROUP BY tags); every point carries them too. */
  tags: Tags;
  /** Rows with a null value are left out (Kapacitor's ResultToBufferedBatches). */
  points: Point[];
}

/**
 * InfluxDB as batch tasks and `influxDBOut` see it (the daemon implements it with
 * src/sources/influxdb*.ts). `cluster` names an `[[influxdb]]` section; undefined means the
 * default one. The engine itself never does I/O.
 */
export interface InfluxAccess {
  /** Runs InfluxQL (1.x `/query`) and returns every series of every statement. */
  query(cluster: string | undefined, influxql: string): Promise<InfluxSeries[]>;
  /** Runs Flux (2.x `/api/v2/query`) with `now` (ns) as Flux's `now()`. */
  queryFlux?(
    cluster: string | undefined,
    flux: string,
    opts: { now: bigint; org?: string; orgID?: string },
  ): Promise<InfluxSeries[]>;
  /** Writes points (line protocol in `precision`) to db/rp ("" rp: the database's default). */
  write(
    cluster: string | undefined,
    db: string,
    rp: string,
    points: readonly Point[],
    precision: "ns" | "u" | "ms" | "s" | "m" | "h",
  ): Promise<void>;
}

/** One `|httpPost()` request as the engine describes it; the host renders and sends it. */
export interface HttpPostRequest {
  /** Task and node, for logs. */
  task: string;
  node: string;
  /** The node's URL (a template over the row), or undefined with `endpoint`. */
  url?: string;
  /** A configured `[[httppost]]` endpoint: its URL, headers, basic auth and row-template. */
  endpoint?: string;
  /** `.header(k, v)`: set after the endpoint's headers and the content type. */
  headers: Readonly<Record<string, string>>;
  /** The point or batch as Kapacitor's models.Row (time column in ns). */
  row: Series;
  /** ns; 0 for no timeout of the node's own. */
  timeout: number;
  captureResponse: boolean;
}

/**
 * Where `|httpPost()` sends (Kapacitor's http_post.go over the httppost service): the daemon
 * posts over HTTP, `tickctl test` only shows what it would post. The engine knows no HTTP.
 */
export interface HttpPostAccess {
  /** Whether `[[httppost]]` names this endpoint (a task naming an unknown one does not start). */
  hasEndpoint(name: string): boolean;
  /**
   * Renders and sends one request. Resolves with the HTTP status, 0 when none came back
   * (refused URL, connection error, timeout); never rejects. Failures are logged by the host.
   */
  post(req: HttpPostRequest): Promise<number>;
}

/** A `|sideload()` source: values by relative file path (the order) and key. */
export interface SideloadSource {
  /** The value of `key` in the first of `order`'s files that has it; undefined when none. */
  lookup(order: readonly string[], key: string): unknown;
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
  /** Batch queries (`|query()`) and `|influxDBOut()` writes; none in replays. */
  influx?: InfluxAccess;
  /**
   * `|kapacitorLoopback()`: writes a point back into the host's stream (the daemon routes it
   * to the tasks reading db/rp); may throw to refuse it. Without it the points go nowhere.
   */
  loopback?: (db: string, rp: string, p: Point) => void;
  /** Opens a `|sideload()` source by its URL (`file:///abs/dir`); throws for a bad one. */
  sideload?: (url: string) => SideloadSource;
  /** `|httpPost()` requests; without it the node passes data on and logs that it cannot send. */
  httpPost?: HttpPostAccess;
  /**
   * Cluster mode: nodes with per-group state mark the groups that changed, so the host can
   * save them (src/engine/group-state.ts). Off: no bookkeeping.
   */
  trackGroupState?: boolean;
}
