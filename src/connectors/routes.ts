/**
 * Kibana's actions API under `/api/actions/` (DESIGN §5, §13), so Kibana-style scripts work:
 *
 *   GET    /api/actions/connector_types            types with enabled / enabled_in_config / …
 *   GET    /api/actions/connectors                 every connector, with referenced_by_count
 *   POST   /api/actions/connector[/{id}]           create {name, connector_type_id, config, secrets}
 *   GET    /api/actions/connector/{id}             one connector, never its secrets
 *   PUT    /api/actions/connector/{id}             update {name, config, secrets}
 *   DELETE /api/actions/connector/{id}             204
 *   POST   /api/actions/connector/{id}/_execute    {params} → {status, connector_id, data?, message?, service_message?, retry?}
 *
 * and tickd's own `GET /tickd/v1/connectors` (the console's list: last event and last error).
 *
 * As Kibana: POST, PUT and DELETE need a `kbn-xsrf` header (any value) or answer 400; errors
 * are `{statusCode, error, message}`; bodies are compact JSON. tickd's own `[http]`
 * authentication applies before all of this.
 */
import { coerceError, TickdError } from "../core/errors.js";
import { decodeSegment, JsonBodyError, type RequestContext } from "../server/http/request-context.js";
import type { ExtraRoute } from "../server/http/types.js";
import { ConnectorCodes } from "./connector-types.js";
import type { ConnectorBody, ConnectorService, ConnectorWrites } from "./service.js";

export const ACTIONS_PATH = "/api/actions";
/** `GET`: `{connectors: [{id, name, connector_type_id, is_missing_secrets, referenced_by_count, last_event, last_error, last_error_at}]}`. */
export const CONNECTORS_PATH = "/tickd/v1/connectors";

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  500: "Internal Server Error",
};

function kibanaError(ctx: RequestContext, status: number, message: string): void {
  ctx.json(status, { statusCode: status, error: REASONS[status] ?? "Error", message }, { pretty: false });
}

function statusOf(e: unknown): number {
  if (e instanceof TickdError) {
    if (e.code === ConnectorCodes.NOT_FOUND) return 404;
    if (e.code === ConnectorCodes.CONFLICT) return 409;
    if (e.code === ConnectorCodes.INVALID) return 400;
  }
  if (e instanceof JsonBodyError) return 400;
  return 500;
}

async function body(ctx: RequestContext): Promise<Record<string, unknown>> {
  let v: unknown;
  try {
    v = await ctx.readJson();
  } catch (e) {
    if (e instanceof JsonBodyError) throw new JsonBodyError(`[request body]: ${e.reason}`);
    throw e;
  }
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new JsonBodyError(
      "[request body]: expected a plain object value, but found [" + typeof v + "] instead.",
    );
  return v as Record<string, unknown>;
}

/** `writes`: where creates, updates and deletes go (cluster mode: the config topic); default the service. */
export function createConnectorRoutes(
  service: ConnectorService,
  writes: ConnectorWrites = service,
): ExtraRoute[] {
  const handle = async (ctx: RequestContext): Promise<void> => {
    const rest = ctx.path.slice(ACTIONS_PATH.length);
    const parts = rest.split("/").filter((s) => s !== "");
    const write = ctx.method !== "GET" && ctx.method !== "HEAD";
    try {
      if (write && ctx.req.headers["kbn-xsrf"] === undefined) {
        kibanaError(ctx, 400, "Request must contain a kbn-xsrf header.");
        return;
      }
      const [head, rawId, action, ...extra] = parts;
      if (extra.length > 0 || head === undefined) {
        kibanaError(ctx, 404, "Not Found");
        return;
      }
      if (head === "connector_types" && rawId === undefined && ctx.method === "GET") {
        ctx.json(200, service.types(), { pretty: false });
        return;
      }
      if (head === "connectors" && rawId === undefined && ctx.method === "GET") {
        ctx.json(200, service.list(), { pretty: false });
        return;
      }
      if (head !== "connector") {
        kibanaError(ctx, 404, "Not Found");
        return;
      }
      const id = rawId === undefined ? undefined : decodeSegment(rawId);
      if (action !== undefined) {
        if (action !== "_execute" || id === undefined || ctx.method !== "POST") {
          kibanaError(ctx, 404, "Not Found");
          return;
        }
        const b = await body(ctx);
        for (const k of Object.keys(b))
          if (k !== "params")
            throw new JsonBodyError(`[request body.${k}]: definition for this key is missing`);
        ctx.json(200, await service.execute(id, b.params), { pretty: false });
        return;
      }
      switch (ctx.method) {
        case "POST":
          ctx.json(200, await writes.create(id, (await body(ctx)) as ConnectorBody), { pretty: false });
          return;
        case "GET":
          if (id === undefined) break;
          ctx.json(200, service.get(id), { pretty: false });
          return;
        case "PUT":
          if (id === undefined) break;
          ctx.json(200, await writes.update(id, (await body(ctx)) as ConnectorBody), { pretty: false });
          return;
        case "DELETE":
          if (id === undefined) break;
          await writes.delete(id);
          ctx.noContent();
          return;
      }
      kibanaError(ctx, 404, "Not Found");
    } catch (e) {
      const status = statusOf(e);
      if (status === 500) throw e;
      kibanaError(ctx, status, coerceError(e).message);
    }
  };
  return [
    { method: ["GET", "POST", "PUT", "DELETE"], path: `${ACTIONS_PATH}/*`, handle },
    // tickd's own view for the console: each connector with its last event and last error.
    {
      method: "GET",
      path: CONNECTORS_PATH,
      handle: (ctx) => ctx.json(200, { connectors: service.activityList() }),
    },
  ];
}
