/**
 * Kapacitor's service-test routes (client/API.md "Testing services"):
 * - `GET /kapacitor/v1/service-tests[?pattern=<glob>]` → `{link, services: [{link, name, options}]}`
 * - `GET /kapacitor/v1/service-tests/<service>` → `{link, name, options}`
 * - `POST /kapacitor/v1/service-tests/<service>` with options (an empty body or `null` keeps
 *   the defaults, as Kapacitor's CLI sends) → 200 `{"success": true|false, "message": "…"}`.
 * An unknown service is 404 `service "x" not found`; a body that is not a JSON object, 400.
 */
import { coerceError } from "../core/errors.js";
import type { ExtraRoute } from "../server/http/types.js";
import type { ServiceTestInfo, ServiceTests } from "./runner.js";

export const SERVICE_TESTS_PATH = "/kapacitor/v1/service-tests";

const link = (href: string): { rel: string; href: string } => ({ rel: "self", href });

function view(s: ServiceTestInfo): Record<string, unknown> {
  return { link: link(`${SERVICE_TESTS_PATH}/${s.name}`), name: s.name, options: s.options };
}

/** `/kapacitor/v1/service-tests/<name>[/]` → name ("" for the list itself). */
function nameOf(path: string): string {
  const rest = path.slice(SERVICE_TESTS_PATH.length).replace(/^\/+/, "").replace(/\/+$/, "");
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

export function createServiceTestRoutes(tests: ServiceTests): ExtraRoute[] {
  return [
    {
      method: ["GET", "POST"],
      path: `${SERVICE_TESTS_PATH}/*`,
      async handle(ctx) {
        const name = nameOf(ctx.path);
        if (ctx.method === "GET" && name === "") {
          let services: ServiceTestInfo[];
          try {
            services = tests.list(ctx.query.get("pattern") ?? "");
          } catch (e) {
            ctx.error(400, `bad pattern: ${coerceError(e).message}`);
            return;
          }
          ctx.json(200, { link: link(SERVICE_TESTS_PATH), services: services.map(view) });
          return;
        }
        if (name === "") {
          ctx.error(400, "must provide service name");
          return;
        }
        if (ctx.method === "GET") {
          const found = tests.get(name);
          if (found === undefined) ctx.error(404, `service ${JSON.stringify(name)} not found`);
          else ctx.json(200, view(found));
          return;
        }
        if (tests.get(name) === undefined) {
          ctx.error(404, `service ${JSON.stringify(name)} not found`);
          return;
        }
        const text = (await ctx.readBody()).toString("utf8").trim();
        let options: unknown = null;
        if (text !== "") {
          try {
            options = JSON.parse(text) as unknown;
          } catch (e) {
            ctx.error(400, `failed to decode JSON body: ${coerceError(e).message}`);
            return;
          }
        }
        if (options !== null && (typeof options !== "object" || Array.isArray(options))) {
          ctx.error(400, "failed to decode JSON body: expected a JSON object of options");
          return;
        }
        const result = await tests.run(name, (options ?? {}) as Record<string, unknown>);
        ctx.json(200, result);
      },
    },
  ];
}
