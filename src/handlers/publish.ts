/**
 * `publish`: re-collects every event it receives into each topic of `topics`
 * (KAPACITOR-COMPAT.md §5). Each target topic keeps its own event state, so a published
 * event's previousLevel there is that topic's, not the source topic's. NoExternal events pass
 * through (the topic service lets this kind see them) and keep their flag.
 *
 * Publishing into a topic whose handlers publish back would loop forever; the nesting depth
 * of re-collection is bounded and an event past the bound is dropped with an error log.
 */
import type { AlertHandler } from "../alert/handler.js";
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";
import { schema } from "./options.js";
import { HandlerCodes, type CollectFn, type HandlerContext, type HandlerKind } from "./types.js";

const KIND = "publish";

/** Kapacitor's topic name rule (handler files and the topic API use the same). */
export const TOPIC_NAME = /^[-:._\p{L}0-9]+$/u;

/** How deep publish/aggregate may re-collect inside one collect call before an event is dropped. */
export const MAX_RECOLLECT_DEPTH = 16;

let depth = 0;

/**
 * Collects `event` into `topics` through `collect`, refusing to nest deeper than
 * {@link MAX_RECOLLECT_DEPTH} (a publish cycle). Errors are logged, never thrown.
 */
export function recollect(
  ctx: HandlerContext,
  kind: string,
  collect: CollectFn,
  event: AlertEvent,
  topics: string[],
): void {
  if (depth >= MAX_RECOLLECT_DEPTH) {
    ctx.logger.log("error", `${kind} handler: topics publish into each other in a cycle; event dropped`, {
      handler: ctx.id,
      topic: ctx.topic,
      kind,
      alert: event.state.id,
      targets: topics,
    });
    return;
  }
  depth++;
  try {
    collect(event, topics);
  } catch (e) {
    ctx.logger.log("error", `${kind} handler: failed to collect the event`, {
      handler: ctx.id,
      topic: ctx.topic,
      kind,
      alert: event.state.id,
      error: coerceError(e).message,
    });
  } finally {
    depth--;
  }
}

/** The daemon's collect function, or E_HANDLER_DISABLED when it gave none (offline tools). */
export function requireCollect(ctx: HandlerContext, kind: string): CollectFn {
  if (ctx.collect === undefined) {
    throw new TickdError(
      HandlerCodes.DISABLED,
      `${kind} handler: needs the topic service to collect events into, and none is running here`,
    );
  }
  return ctx.collect;
}

/** TICKscript has no `.aggregate()` or `.publish()`: these kinds exist in handler files and the API only. */
export function notInTickscript(kind: string): (spec: HandlerSpec) => Record<string, unknown> {
  return () => {
    throw new TickdError(
      HandlerCodes.KIND,
      `unsupported action kind ${JSON.stringify(kind)} in TICKscript: define it in a topic handler file`,
    );
  };
}

export interface PublishOptions {
  topics: string[];
}

export const publishSchema = schema(KIND, ["topics"], (r): PublishOptions => {
  const topics = r.stringOrList("topics") ?? [];
  if (topics.length === 0) throw r.error("topics", "is required (a list of topic names)");
  topics.forEach((t, i) => {
    if (!TOPIC_NAME.test(t)) throw r.error(`topics[${i}]`, `invalid topic name ${JSON.stringify(t)}`);
  });
  return { topics: [...new Set(topics)] };
});

export function createPublish(o: PublishOptions, ctx: HandlerContext): AlertHandler {
  const collect = requireCollect(ctx, KIND);
  return {
    handle(event) {
      recollect(ctx, KIND, collect, event, [...o.topics]);
    },
  };
}

export const publish: HandlerKind<PublishOptions> = {
  kind: KIND,
  optionsSchema: publishSchema,
  create: createPublish,
  fromTickscript: notInTickscript(KIND),
  secrets: [],
};
