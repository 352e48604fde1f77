/**
 * Handlers for `tickctl test --handlers`: they show what would be sent and send nothing.
 * HTTP kinds (post, victorops, escalation) run their real formatting against a sender that
 * records the exact request instead of making it; log, tcp and exec print the JSON line
 * they would write. Topic handler files are loaded and matched exactly as the daemon does.
 */
import { alertJsonLine } from "../alert/alert-json.js";
import type { AlertHandler, HandlerFactory } from "../alert/handler.js";
import type { TickdConfig } from "../config/index.js";
import { createHandlerFactory, redactUrl, type HttpRequest } from "../handlers/index.js";
import type { EngineLogger } from "../engine/context.js";

const HTTP_KINDS = new Set(["post", "victorops", "escalation"]);

export function dryRunFactory(
  config: TickdConfig,
  logger: EngineLogger,
  print: (line: string) => void,
): HandlerFactory {
  // A dry run shows where VictorOps would be called even when the service is off here.
  const handlerConfig = {
    ...config,
    victorops: { ...config.victorops, enabled: true, apiKey: config.victorops.apiKey || "API_KEY" },
  };
  // Configured secrets never reach the terminal (the VictorOps key sits in the URL path).
  const secrets = [config.victorops.apiKey, ...config.escalation.map((e) => e.authKey)].filter(
    (x) => x !== "",
  );
  /** A factory whose HTTP requests are printed under `label` instead of being sent. */
  const recording = (label: string) =>
    createHandlerFactory({
      config: handlerConfig,
      logger,
      send: {
        send: (req: HttpRequest) => {
          print(
            `→ ${label} would send ${req.method} ${redactUrl(req.url, secrets)}\n      ${req.body.trimEnd().replace(/\n/g, "\n      ")}`,
          );
          return Promise.resolve({ status: 200, body: "" });
        },
      },
    });
  const real = recording("");
  return {
    kinds: () => real.kinds(),
    fromTickscript: (spec) => real.fromTickscript(spec),
    redact: (kind, options) => real.redact(kind, options),
    create(spec): AlertHandler {
      const kind = spec.kind.toLowerCase();
      const label = `${spec.topic}/${spec.id} (${kind})`;
      if (HTTP_KINDS.has(kind)) return recording(label).create(spec);
      // Validate the options as the daemon would, then only describe the side effect.
      real.create(spec);
      const target = String(spec.options["path"] ?? spec.options["address"] ?? spec.options["prog"] ?? "");
      return {
        handle: (event, prev) =>
          print(`→ ${label} would write to ${target}\n      ${alertJsonLine(event, prev).trimEnd()}`),
      };
    },
  };
}
