/**
 * The HTTP API server on bare node:http: Kapacitor's routes (ping, write, tasks, topics), the
 * common headers every answer carries (`X-Kapacitor-Version`, `Request-Id`, CORS when asked),
 * authentication, and a small hook for tickd's own routes.
 *
 * Dispatch order: common headers → OPTIONS (CORS preflight, 204) → authentication → extra
 * routes → write → ping → tasks → topics → 404 `Not Found`. Like Kapacitor, every route,
 * ping and unknown paths included, requires credentials when auth is enabled (unless an extra
 * route is marked public).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { coerceError } from "../../core/errors.js";
import { logAccessOnClose, type AccessEntry } from "./access-log.js";
import { createAuthCheck } from "./auth.js";
import { createContext, drainThen, HttpError, type RequestContext } from "./request-context.js";
import { serveTasks } from "./task-routes.js";
import { serveTopics } from "./topic-routes.js";
import type { ApiServer, ApiServerDeps, ExtraRoute, ListeningServer } from "./types.js";
import { serveWrite } from "./write-route.js";

const DEFAULT_MAX_BODY = 25 * 1024 * 1024;
const PING_PATH = "/kapacitor/v1/ping";
const WRITE_PATHS = new Set(["/write", "/kapacitor/v1/write"]);
/** Who the caller is and whether it may change anything (the web console asks). */
const WHOAMI_PATH = "/tickd/v1/whoami";
/** What a `read-only` user may do. */
const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);
const CORS_METHODS = "DELETE, GET, OPTIONS, POST, PATCH";
const CORS_HEADERS =
  "Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token, X-HTTP-Method-Override";

interface CompiledRoute {
  methods: ReadonlySet<string>;
  exact?: string;
  prefix?: string;
  route: ExtraRoute;
}

function compileRoute(r: ExtraRoute): CompiledRoute {
  if (!r.path.startsWith("/")) throw new Error(`route path must begin with "/": ${JSON.stringify(r.path)}`);
  const methods = new Set((typeof r.method === "string" ? [r.method] : r.method).map((m) => m.toUpperCase()));
  if (r.path.endsWith("/*")) return { methods, prefix: r.path.slice(0, -2), route: r };
  return { methods, exact: r.path, route: r };
}

function matchRoute(routes: readonly CompiledRoute[], ctx: RequestContext): ExtraRoute | undefined {
  for (const r of routes) {
    if (!r.methods.has(ctx.method)) continue;
    if (r.exact !== undefined) {
      if (ctx.path === r.exact) return r.route;
    } else if (ctx.path === r.prefix || ctx.path.startsWith(r.prefix + "/")) return r.route;
  }
  return undefined;
}

/** Splits Go-style `host:port` (`:9092`, `[::1]:9092`, `127.0.0.1:0`). */
export function parseBindAddress(addr: string): { host: string | undefined; port: number } {
  const i = addr.lastIndexOf(":");
  if (i < 0) throw new Error(`invalid bind-address ${JSON.stringify(addr)}: expected host:port`);
  let host = addr.slice(0, i);
  const portText = addr.slice(i + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port = Number(portText);
  if (portText === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid bind-address ${JSON.stringify(addr)}: bad port ${JSON.stringify(portText)}`);
  }
  return { host: host === "" ? undefined : host, port };
}

export function createApiServer(deps: ApiServerDeps): ApiServer {
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const checkAuth = createAuthCheck(deps.auth, deps.now);
  const extra: CompiledRoute[] = (deps.extraRoutes ?? []).map(compileRoute);
  const writeDeps = {
    tasks: deps.tasks,
    logger: deps.logger,
    defaultRetentionPolicy: deps.defaultRetentionPolicy ?? "",
    ...(deps.producePoints !== undefined ? { produce: deps.producePoints } : {}),
  };
  const topicDeps = { topics: deps.topics, redactHandlerOptions: deps.redactHandlerOptions };
  /** Requests being access-logged, so authentication can name the user. */
  const access = new WeakMap<IncomingMessage, AccessEntry>();

  const fail = (ctx: RequestContext, e: unknown): void => {
    if (ctx.res.headersSent) {
      ctx.res.destroy();
      return;
    }
    if (e instanceof HttpError) {
      if (e.status === 413) {
        drainThen(ctx.req, () => {
          ctx.res.setHeader("Connection", "close");
          ctx.error(e.status, e.message);
        });
        return;
      }
      if (e.closeConnection) ctx.res.setHeader("Connection", "close");
      ctx.error(e.status, e.message);
      return;
    }
    const err = coerceError(e);
    deps.logger.log("error", "HTTP request failed", {
      method: ctx.method,
      path: ctx.path,
      requestId: ctx.requestId,
      error: err.message,
    });
    ctx.error(500, err.message);
  };

  const route = async (ctx: RequestContext): Promise<void> => {
    const extraRoute = matchRoute(extra, ctx);
    if (extraRoute !== undefined) {
      if (extraRoute.public !== true && !authorized(ctx)) return;
      await extraRoute.handle(ctx);
      return;
    }
    if (!authorized(ctx)) return;
    const { method, path } = ctx;
    if (WRITE_PATHS.has(path) && method === "POST") {
      await serveWrite(ctx, writeDeps);
      return;
    }
    if (path === WHOAMI_PATH && method === "GET") {
      const who = checkAuth(ctx.req, ctx.query);
      const user = who.ok ? (who.user ?? "") : "";
      const write = who.ok && who.readOnly !== true;
      ctx.json(200, { auth: deps.auth?.enabled === true, user, write });
      return;
    }
    if (path === PING_PATH && (method === "GET" || method === "HEAD")) {
      ctx.noContent();
      return;
    }
    if (await serveTasks(ctx, deps.tasks)) return;
    if (await serveTopics(ctx, topicDeps)) return;
    ctx.error(404, "Not Found");
  };

  /** Kapacitor answers authentication failures compactly (not pretty-printed). */
  const authorized = (ctx: RequestContext): boolean => {
    const result = checkAuth(ctx.req, ctx.query);
    if (result.ok) {
      const entry = access.get(ctx.req);
      if (entry !== undefined && result.user !== undefined) entry.user = result.user;
      if (result.readOnly === true && !READ_METHODS.has(ctx.method)) {
        ctx.error(403, `user ${JSON.stringify(result.user ?? "")} has read-only access`, { pretty: false });
        return false;
      }
      return true;
    }
    ctx.error(401, result.problem, { pretty: false });
    return false;
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = randomUUID();
    res.setHeader("X-Kapacitor-Version", deps.version);
    res.setHeader("Request-Id", requestId);
    const origin = req.headers.origin;
    if (origin !== undefined) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Access-Control-Allow-Methods", CORS_METHODS);
      res.setHeader("Access-Control-Allow-Headers", CORS_HEADERS);
    }
    const ctx = createContext(req, res, requestId, maxBody);
    if (deps.accessLog === true) {
      const entry: AccessEntry = {
        method: ctx.method,
        path: ctx.path,
        requestId,
        started: process.hrtime.bigint(),
      };
      access.set(req, entry);
      logAccessOnClose(deps.logger, req, res, entry);
    }
    if (ctx.method === "OPTIONS") {
      ctx.noContent();
      return;
    }
    let p: Promise<void>;
    try {
      p = route(ctx);
    } catch (e) {
      fail(ctx, e);
      return;
    }
    p.catch((e: unknown) => fail(ctx, e));
  };

  return {
    handler,
    addRoute(r) {
      extra.push(compileRoute(r));
    },
    listen(bindAddress) {
      const { host, port } = parseBindAddress(bindAddress);
      const server: Server = createServer(handler);
      return new Promise<ListeningServer>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.removeListener("error", reject);
          server.on("error", (e) => deps.logger.log("error", "HTTP server error", { error: e.message }));
          const address = server.address();
          const actualPort = typeof address === "object" && address !== null ? address.port : port;
          resolve({
            port: actualPort,
            close: () =>
              new Promise<void>((done, failClose) => {
                server.close((e) => (e === undefined ? done() : failClose(e)));
                server.closeIdleConnections();
              }),
          });
        });
      });
    },
  };
}
