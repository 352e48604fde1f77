/**
 * Kapacitor's config API (client/API.md "Configuration"), as Chronograf uses it:
 * - `GET /kapacitor/v1/config` every overridable section; `…/config/<section>` one;
 *   `…/config/<section>/<element>` one element (`…/config/<section>/` for a plain table).
 *   Secrets show as `true` when set (and are listed in `redacted`), durations as "10s".
 * - `POST` to the same paths with `set`/`delete` (options of an element) or `add`/`remove`
 *   (elements of a list section): validated as the config file is, kept in SQLite, applied at
 *   once; 204 on success. 403 when `[config-override] enabled = false` or for a section read
 *   only at start, 404 for an unknown section or element, 400 for an invalid request or value.
 */
import {
  elementNames,
  OverrideError,
  overridableSections,
  renderSection,
  sectionSpec,
  updateOverrides,
  type ConfigOverrides,
  type TickdConfig,
} from "../../config/index.js";
import { decodeSegment, HttpError } from "./request-context.js";
import type { ExtraRoute } from "./types.js";

export interface ConfigRouteDeps {
  /** `[config-override] enabled`. */
  enabled: boolean;
  config(): TickdConfig;
  overrides(): ConfigOverrides;
  /** Validates, applies and persists; throws OverrideError. */
  apply(next: ConfigOverrides): Promise<void>;
}

const BASE = "/kapacitor/v1/config";

export function createConfigRoutes(d: ConfigRouteDeps): ExtraRoute[] {
  return [
    {
      method: ["GET", "POST"],
      path: `${BASE}/*`,
      handle: async (ctx) => {
        if (!d.enabled) throw new HttpError(403, "config override service not enabled");
        const rest = ctx.path.slice(BASE.length);
        const parts = rest === "" || rest === "/" ? [] : rest.slice(1).split("/").map(decodeSegment);
        // "/config/smtp/" names the single element of a plain table: element "".
        const section = parts[0];
        const element = parts.length > 1 ? parts.slice(1).join("/") : undefined;
        try {
          if (ctx.method === "GET") {
            ctx.json(200, view(d.config(), section, element));
            return;
          }
          if (section === undefined)
            throw new OverrideError(400, "name the section to override: /kapacitor/v1/config/<section>");
          const body = await ctx.readJson();
          const spec = sectionSpec(section);
          const next = updateOverrides(d.overrides(), section, element, body, elementNames(d.config(), spec));
          await d.apply(next);
          ctx.noContent();
        } catch (e) {
          if (e instanceof OverrideError) throw new HttpError(e.status, e.message);
          throw e;
        }
      },
    },
  ];
}

function view(config: TickdConfig, section: string | undefined, element: string | undefined): unknown {
  if (section === undefined) {
    const sections: Record<string, unknown> = {};
    for (const spec of overridableSections()) sections[spec.name] = renderSection(config, spec);
    return { link: { rel: "self", href: BASE }, sections };
  }
  const rendered = renderSection(config, sectionSpec(section));
  if (element === undefined) return rendered;
  const spec = sectionSpec(section);
  const names = elementNames(config, spec);
  const i = names.indexOf(element);
  if (i < 0) throw new OverrideError(404, `section ${section} has no element ${JSON.stringify(element)}`);
  return rendered.elements[i];
}
