/**
 * `/kapacitor/v1/alerts/topics`: topics, their events and their handlers, with Kapacitor's
 * shapes and messages (KAPACITOR-COMPAT.md §5), including its one quirk: the events of an
 * unknown topic are a 500, not a 404.
 *
 * Handler options are always passed through `redactHandlerOptions` before they are shown, and
 * the JSON they are shown in is a Go map (sorted keys) as Kapacitor decodes them. A PUT or PATCH
 * that sends such a shown body back (read-modify-write) keeps the stored secrets: see
 * {@link keepStoredSecrets}.
 */
import type { TopicApi, TopicHandlerInfo, TopicSummary } from "../../alert/topic-api.js";
import type { TopicHandlerSpec } from "../../alert/handler.js";
import type { AlertEventState } from "../../core/alert-event.js";
import { TickdError } from "../../core/errors.js";
import { formatGoDuration } from "../../core/go-format.js";
import { levelName, parseLevel, type Level } from "../../core/types.js";
import { StoreErrorCodes } from "../../store/errors.js";
import { applyPatch, decodePatch, JsonPatchError } from "./json-patch.js";
import { decodeSegment, HttpError, JsonBodyError, type RequestContext } from "./request-context.js";
import { goTime } from "./task-routes.js";

export const TOPICS_PATH = "/kapacitor/v1/alerts/topics";

export interface TopicRouteDeps {
  topics: TopicApi;
  redactHandlerOptions(kind: string, options: Record<string, unknown>): Record<string, unknown>;
}

type Link = { rel: string; href: string };
const link = (rel: string, href: string): Link => ({ rel, href });
const topicHref = (t: string): string => `${TOPICS_PATH}/${t}`;

function topicJson(t: TopicSummary): Record<string, unknown> {
  return {
    link: link("self", topicHref(t.id)),
    id: t.id,
    level: levelName(t.level),
    collected: BigInt(t.collected),
    "events-link": link("events", `${topicHref(t.id)}/events`),
    "handlers-link": link("handlers", `${topicHref(t.id)}/handlers`),
  };
}

function eventJson(topic: string, e: AlertEventState): Record<string, unknown> {
  return {
    link: link("self", `${topicHref(topic)}/events/${e.id}`),
    id: e.id,
    state: {
      message: e.message,
      details: e.details,
      time: goTime(e.time),
      duration: formatGoDuration(e.duration),
      level: levelName(e.level),
    },
  };
}

/** JSON objects decoded by Go into map[string]interface{}: sorted keys, all the way down. */
function goMapValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(goMapValue);
  if (typeof v === "object" && v !== null && !(v instanceof Map)) {
    return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, goMapValue(x)]));
  }
  return v;
}

function handlerJson(d: TopicRouteDeps, topic: string, h: TopicHandlerSpec): Record<string, unknown> {
  return {
    link: link("self", `${topicHref(topic)}/handlers/${h.id}`),
    id: h.id,
    kind: h.kind,
    options: goMapValue(d.redactHandlerOptions(h.kind, h.options)),
    match: h.match,
  };
}

/**
 * A handler body the API showed keeps the secrets it hid: wherever the new options hold exactly
 * what GET showed for a value it redacted (the "<redacted>" placeholder, or a URL with
 * `:<redacted>@`), and the stored handler is of the same kind, the stored value goes back in.
 * So GET → edit → PUT (or a PATCH that replaces `options` with what GET showed) changes only
 * what was edited, as a PATCH of one field does. A placeholder with no stored secret behind it
 * is left as it is: the handler factory refuses it, naming the option.
 */
export function keepStoredSecrets(
  redact: TopicRouteDeps["redactHandlerOptions"],
  stored: { kind: string; options: Record<string, unknown> },
  spec: TopicHandlerSpec,
): TopicHandlerSpec {
  if (stored.kind.toLowerCase() !== spec.kind.toLowerCase()) return spec;
  const storedShown = redact(stored.kind, stored.options);
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  const merge = (
    given: Record<string, unknown>,
    old: unknown,
    oldShown: unknown,
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(given)) {
      const o = isObj(old) && Object.hasOwn(old, k) ? old[k] : undefined;
      const os = isObj(oldShown) ? oldShown[k] : undefined;
      // Shown differently from what is stored = redacted; sent back as shown = unchanged.
      if (typeof v === "string" && typeof o === "string" && v === os && os !== o) out[k] = o;
      else if (isObj(v)) out[k] = merge(v, o, os);
      else out[k] = v;
    }
    return out;
  };
  return { ...spec, options: merge(spec.options, stored.options, storedShown) };
}

function minLevel(ctx: RequestContext): Level {
  const s = ctx.query.get("min-level") ?? "";
  const l = parseLevel(s);
  if (l === undefined) throw new HttpError(400, `unknown alert level '${s.toUpperCase()}'`);
  return l;
}

function patternError(e: unknown): unknown {
  if (e instanceof TickdError && e.code === StoreErrorCodes.PATTERN) {
    return new HttpError(400, `invalid pattern: ${e.message}`);
  }
  return e;
}

/** Decodes a handler body the way Go decodes it into HandlerSpec; the topic comes from the path. */
function decodeHandlerSpec(topic: string, body: unknown): TopicHandlerSpec {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new JsonBodyError("expected a JSON object");
  }
  const o = body as Record<string, unknown>;
  const str = (key: string): string => {
    const v = o[key];
    if (v === undefined || v === null) return "";
    if (typeof v !== "string") throw new JsonBodyError(`"${key}" must be a string`);
    return v;
  };
  const options = o["options"];
  if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) {
    throw new JsonBodyError(`"options" must be an object`);
  }
  return {
    topic,
    id: str("id"),
    kind: str("kind"),
    options: (options ?? {}) as Record<string, unknown>,
    match: str("match"),
  };
}

/**
 * TopicApi handler errors → status and Kapacitor's wording. `action` is "create" or
 * "update", for the "failed to … handler: " prefix Kapacitor puts on registration errors.
 */
function handlerError(e: unknown, action: "create" | "update", id: string): unknown {
  if (!(e instanceof TickdError)) return e;
  const prefixed = (prefix: string): string =>
    e.message.startsWith(prefix) ? e.message : prefix + e.message;
  switch (e.code) {
    case "E_HANDLER_SPEC":
      return new HttpError(400, prefixed("invalid handler spec: "));
    case "E_HANDLER_OPTIONS":
    case "E_HANDLER_DISABLED":
    case "E_HANDLER_REFUSED":
      return new HttpError(
        400,
        e.message.startsWith("failed to ") ? e.message : `failed to ${action} handler: ${e.message}`,
      );
    case "E_HANDLER_KIND":
    case "E_HANDLER_EXISTS":
      return new HttpError(
        500,
        e.message.startsWith("failed to ") ? e.message : `failed to ${action} handler: ${e.message}`,
      );
    case "E_HANDLER_UNKNOWN":
      return new HttpError(404, `unknown handler: ${JSON.stringify(id)}`);
    default:
      return e;
  }
}

async function readHandlerSpec(
  ctx: RequestContext,
  topic: string,
  prefix: string,
): Promise<TopicHandlerSpec> {
  try {
    return decodeHandlerSpec(topic, await ctx.readJson());
  } catch (e) {
    if (e instanceof JsonBodyError) throw new HttpError(400, prefix + e.reason);
    throw e;
  }
}

/** Handles the request when its path is under the topics API; false when it is not ours. */
export async function serveTopics(ctx: RequestContext, d: TopicRouteDeps): Promise<boolean> {
  const { topics } = d;
  if (ctx.path === TOPICS_PATH) {
    if (ctx.method !== "GET") return false;
    const pattern = ctx.query.get("pattern") ?? "";
    const level = minLevel(ctx);
    let list: TopicSummary[];
    try {
      list = topics.listTopics(pattern, level);
    } catch (e) {
      throw patternError(e);
    }
    ctx.json(200, { link: link("self", ctx.requestUri), topics: list.map(topicJson) });
    return true;
  }
  if (!ctx.path.startsWith(TOPICS_PATH + "/")) return false;
  const segs = ctx.path
    .slice(TOPICS_PATH.length + 1)
    .split("/")
    .map(decodeSegment);
  const topic = segs[0]!;
  const method = ctx.method;

  // /topics/<t>
  if (segs.length === 1) {
    if (method === "GET") {
      const t = topics.getTopic(topic);
      if (t === undefined) throw new HttpError(404, `unknown topic: ${JSON.stringify(topic)}`);
      ctx.json(200, topicJson(t));
      return true;
    }
    if (method === "DELETE") {
      topics.deleteTopic(topic);
      ctx.noContent();
      return true;
    }
    return false;
  }

  // /topics/<t>/events[/<e>]
  if (segs[1] === "events" && segs.length <= 3 && method === "GET") {
    if (segs.length === 2) {
      const events = topics.topicEvents(topic, minLevel(ctx));
      if (events === undefined) {
        throw new HttpError(500, `failed to get topic events: unknown topic ${JSON.stringify(topic)}`);
      }
      const sorted = [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      ctx.json(200, {
        link: link("self", `${topicHref(topic)}/events`),
        topic,
        events: sorted.map((e) => eventJson(topic, e)),
      });
      return true;
    }
    const eventId = segs[2]!;
    const e = topics.topicEvent(topic, eventId);
    if (e === undefined) {
      throw new HttpError(404, `unknown event ${JSON.stringify(eventId)} in topic ${JSON.stringify(topic)}`);
    }
    ctx.json(200, eventJson(topic, e));
    return true;
  }

  if (segs[1] !== "handlers" || segs.length > 3) return false;

  // /topics/<t>/handlers
  if (segs.length === 2) {
    if (method === "GET") {
      const pattern = ctx.query.get("pattern") ?? "";
      let list: TopicHandlerInfo[];
      try {
        list = topics.listHandlers(topic, pattern);
      } catch (e) {
        throw patternError(e);
      }
      const sorted = [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      ctx.json(200, {
        link: link("self", ctx.requestUri),
        topic,
        handlers: sorted.map((h) => handlerJson(d, topic, h)),
      });
      return true;
    }
    if (method === "POST") {
      const spec = await readHandlerSpec(ctx, topic, "invalid handler json: ");
      let created: TopicHandlerInfo;
      try {
        created = await topics.createHandler(spec);
      } catch (e) {
        throw handlerError(e, "create", spec.id);
      }
      ctx.json(200, handlerJson(d, topic, created));
      return true;
    }
    return false;
  }

  // /topics/<t>/handlers/<h>
  const id = segs[2]!;
  const unknown = (): HttpError => new HttpError(404, `unknown handler: ${JSON.stringify(id)}`);
  switch (method) {
    case "GET": {
      const h = topics.getHandler(topic, id);
      if (h === undefined) throw unknown();
      ctx.json(200, handlerJson(d, topic, h));
      return true;
    }
    case "PUT": {
      if (topics.getHandler(topic, id) === undefined) throw unknown();
      const spec = await readHandlerSpec(ctx, topic, "failed to unmarshal JSON: ");
      await replace(ctx, d, topic, id, spec);
      return true;
    }
    case "PATCH": {
      const current = topics.getHandler(topic, id);
      if (current === undefined) throw unknown();
      let body: unknown;
      try {
        body = await ctx.readJson();
      } catch (e) {
        if (e instanceof JsonBodyError) throw new HttpError(400, `invalid patch json: ${e.reason}`);
        throw e;
      }
      let patched: unknown;
      try {
        const ops = decodePatch(body);
        patched = applyPatch(
          { id: current.id, kind: current.kind, options: current.options, match: current.match },
          ops,
        );
      } catch (e) {
        if (e instanceof JsonPatchError) {
          const prefix = e.kind === "decode" ? "invalid patch json: " : "failed to apply patch: ";
          throw new HttpError(400, prefix + e.message);
        }
        throw e;
      }
      let spec: TopicHandlerSpec;
      try {
        spec = decodeHandlerSpec(topic, patched);
      } catch (e) {
        if (e instanceof JsonBodyError)
          throw new HttpError(400, `failed to unmarshal patched json: ${e.reason}`);
        throw e;
      }
      await replace(ctx, d, topic, id, spec);
      return true;
    }
    case "DELETE":
      await topics.deleteHandler(topic, id);
      ctx.noContent();
      return true;
    default:
      return false;
  }
}

async function replace(
  ctx: RequestContext,
  d: TopicRouteDeps,
  topic: string,
  id: string,
  spec: TopicHandlerSpec,
): Promise<void> {
  const current = d.topics.getHandler(topic, id);
  const kept = current !== undefined ? keepStoredSecrets(d.redactHandlerOptions, current, spec) : spec;
  let updated: TopicHandlerInfo;
  try {
    updated = await d.topics.replaceHandler(topic, id, kept);
  } catch (e) {
    throw handlerError(e, "update", id);
  }
  ctx.json(200, handlerJson(d, topic, updated));
}
