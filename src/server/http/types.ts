/** Public types of the HTTP API server (createApiServer). */
import type { Point } from "../../core/types.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TopicApi } from "../../alert/topic-api.js";
import type { TaskService } from "../task-service.js";
import type { AuthConfig } from "./auth.js";
import type { RequestContext } from "./request-context.js";

/** The same shape as the engine's logger, so the daemon can pass one object to both. */
export interface HttpLogger {
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
}

/**
 * A route added by another part of tickd (`/tickd/v1/*`, `/metrics`). It runs after the
 * common headers and (unless `public`) authentication, and before Kapacitor's routes are
 * tried, so it can also take over a Kapacitor path.
 */
export interface ExtraRoute {
  /** "GET", "POST", …; several allowed. HEAD is not implied by GET. */
  method: string | readonly string[];
  /**
   * An exact path (`/metrics`), or a subtree ending in `/*`: `/tickd/v1/deliveries/*` matches
   * `/tickd/v1/deliveries` and everything below it. Routes are tried in the order added.
   */
  path: string;
  /** Skip authentication (e.g. a Prometheus scrape); default false. */
  public?: boolean;
  /**
   * Writes the answer through `ctx` (json/error/text/noContent) or `ctx.res`. A thrown
   * HttpError becomes its status and message; anything else a 500.
   */
  handle(ctx: RequestContext): void | Promise<void>;
}

export interface ApiServerDeps {
  tasks: TaskService;
  topics: TopicApi;
  /** HandlerFactory.redact: options with every secret replaced, for API answers. */
  redactHandlerOptions(kind: string, options: Record<string, unknown>): Record<string, unknown>;
  logger: HttpLogger;
  /** Sent as `X-Kapacitor-Version` on every response. */
  version: string;
  auth?: AuthConfig;
  /** Largest request body (after gunzip); default 25 MiB. */
  maxBodyBytes?: number;
  /** `rp` for writes that give none (Kapacitor's `default-retention-policy`); default "". */
  defaultRetentionPolicy?: string;
  extraRoutes?: readonly ExtraRoute[];
  /** Wall clock in ms, for JWT expiry; default Date.now. */
  now?: () => number;
  /** `[http] log-enabled`: one info line per request (src/server/http/access-log.ts). Default false. */
  accessLog?: boolean;
  /** Cluster mode: `/write` produces the points to Kafka through this (see write-route.ts). */
  producePoints?: (db: string, rp: string, points: readonly Point[]) => Promise<void>;
}

export interface ListeningServer {
  port: number;
  /** Stops accepting, lets requests in flight finish, closes idle keep-alive connections. */
  close(): Promise<void>;
}

export interface ApiServer {
  /** The node:http request listener (for tests or for mounting in another server). */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** `host:port` as in `[http] bind-address` (`:9092` = every interface; port 0 = any free port). */
  listen(bindAddress: string): Promise<ListeningServer>;
  /** Adds a route after creation (same rules as `extraRoutes`). */
  addRoute(route: ExtraRoute): void;
}
