/**
 * `aggregate`: folds the events of each wall-clock interval into one event collected into
 * `topic` (KAPACITOR-COMPAT.md §5).
 *
 * States: collecting (a list of events since the last tick) → at every tick of `interval`
 * (an unref'd timer started at creation), if the list is non-empty, one event is built and
 * collected and the list emptied; an empty interval sends nothing. `close()` flushes what is
 * pending and stops the timer; events after it are dropped.
 *
 * The event: ID = `id`; Message = the template over `{Count, Interval}` (Interval prints as a
 * Go duration, `100ms`); Details = the messages joined by "\n"; Level, Time and Duration = the
 * maxima; series concatenated; Recoverable false; Name and Tags empty. It is NoExternal only
 * if every input was.
 *
 * With `group-by` (tickd's extension, Alertmanager's route grouping): events are grouped by
 * the values of those tags and each group is sent on its own schedule — first `group-wait`
 * after its first event, then at most once per `group-interval` (aggregate-groups.ts). The
 * grouped event's ID is `id:tag=value,…`, its tags the group's tag values, its message
 * template also sees `.Group` (`tag=value,…`), and its `alerts` lists every event it stands
 * for (alert JSON's `alerts` array), so a post handler on `topic` sends one request per group.
 */
import type { AlertHandler } from "../alert/handler.js";
import type { AlertEvent, Series } from "../core/alert-event.js";
import { coerceError } from "../core/errors.js";
import { GoDuration } from "../core/go-format.js";
import { compileTemplate, type Template } from "../core/template.js";
import { Level } from "../core/types.js";
import { schema } from "./options.js";
import { TOPIC_NAME, notInTickscript, recollect, requireCollect } from "./publish.js";
import { skipAcknowledgement } from "./runner.js";
import type { CollectFn, HandlerContext, HandlerKind } from "./types.js";
import { AlertGrouper, type GroupingOptions } from "./aggregate-groups.js";

const KIND = "aggregate";

export const DEFAULT_AGGREGATE_MESSAGE = "Received {{ .Count }} events in the last {{.Interval}}.";

export interface AggregateOptions {
  id: string;
  /** ns, > 0. */
  interval: number;
  topic: string;
  message: string;
  /** Set: grouped mode (see the header). */
  grouping?: GroupingOptions;
}

/** Alertmanager's defaults for group_wait and group_interval. */
export const DEFAULT_GROUP_WAIT = 30e9;
export const DEFAULT_GROUP_INTERVAL = 300e9;

function compileMessage(text: string): Template {
  return compileTemplate(text, { name: "message" });
}

const OPTION_KEYS = ["id", "interval", "topic", "message", "group-by", "group-wait", "group-interval"];

export const aggregateSchema = schema(KIND, OPTION_KEYS, (r): AggregateOptions => {
  const id = r.requiredString("id");
  const groupBy = r.stringOrList("group-by");
  const groupWait = r.duration("group-wait");
  const groupInterval = r.duration("group-interval");
  if (groupBy === undefined) {
    for (const k of ["group-wait", "group-interval"] as const) {
      if ((k === "group-wait" ? groupWait : groupInterval) !== undefined)
        throw r.error(k, "needs group-by (a list of tag names, [] for one group)");
    }
  }
  if (groupWait !== undefined && groupWait < 0) throw r.error("group-wait", "must not be negative");
  if (groupInterval !== undefined && groupInterval <= 0)
    throw r.error("group-interval", "must be greater than 0");
  let interval = r.duration("interval");
  if (interval === undefined && groupBy !== undefined) interval = groupInterval ?? DEFAULT_GROUP_INTERVAL;
  if (interval === undefined) throw r.error("interval", 'is required (ns, or a string like "1m")');
  if (interval <= 0) throw r.error("interval", "must be greater than 0");
  const topic = r.requiredString("topic");
  if (!TOPIC_NAME.test(topic)) throw r.error("topic", `invalid topic name ${JSON.stringify(topic)}`);
  const message = r.string("message") ?? DEFAULT_AGGREGATE_MESSAGE;
  try {
    compileMessage(message);
  } catch (e) {
    throw r.error("message", coerceError(e).message);
  }
  const o: AggregateOptions = { id, interval, topic, message };
  if (groupBy !== undefined) {
    o.grouping = {
      groupBy: [...new Set(groupBy)],
      groupWait: groupWait ?? DEFAULT_GROUP_WAIT,
      groupInterval: groupInterval ?? interval,
    };
  }
  return o;
});

/** The one event standing for `events` (non-empty), as Kapacitor's aggregate handler builds it. */
export function aggregateEvent(
  o: AggregateOptions,
  events: readonly AlertEvent[],
  message: string,
): AlertEvent {
  let level = Level.OK;
  let time: bigint | undefined;
  let duration = 0;
  let noExternal = true;
  const series: Series[] = [];
  for (const e of events) {
    if (e.state.level > level) level = e.state.level;
    if (time === undefined || e.state.time > time) time = e.state.time;
    if (e.state.duration > duration) duration = e.state.duration;
    noExternal &&= e.noExternal === true;
    series.push(...e.data.series);
  }
  const out: AlertEvent = {
    topic: o.topic,
    state: {
      id: o.id,
      message,
      details: events.map((e) => e.state.message).join("\n"),
      time: time ?? 0n,
      duration,
      level,
    },
    data: {
      name: "",
      taskName: "",
      category: "",
      group: "",
      tags: {},
      fields: {},
      series,
      recoverable: false,
    },
  };
  if (noExternal) out.noExternal = true;
  return out;
}

export function createAggregate(o: AggregateOptions, ctx: HandlerContext): AlertHandler {
  const collect = requireCollect(ctx, KIND);
  const template = compileMessage(o.message);
  // Node's timers tick at most once per millisecond; a shorter interval runs at that pace.
  const intervalMs = Math.max(1, o.interval / 1e6);
  let pending: AlertEvent[] = [];
  let closed = false;

  const render = (count: number, group = ""): string => {
    try {
      return template.execute({ Count: BigInt(count), Interval: new GoDuration(o.interval), Group: group });
    } catch (e) {
      ctx.logger.log("error", "aggregate handler: message template failed; the default message is used", {
        handler: ctx.id,
        topic: ctx.topic,
        kind: KIND,
        error: coerceError(e).message,
      });
      return compileMessage(DEFAULT_AGGREGATE_MESSAGE).execute({
        Count: BigInt(count),
        Interval: new GoDuration(o.interval),
      });
    }
  };

  const flush = (): void => {
    if (pending.length === 0) return;
    const events = pending;
    pending = [];
    recollect(ctx, KIND, collect, aggregateEvent(o, events, render(events.length)), [o.topic]);
  };

  if (o.grouping !== undefined) return createGrouped(o, o.grouping, ctx, collect, render);

  const timer = setInterval(flush, intervalMs);
  timer.unref();

  return {
    handle(event) {
      if (closed) {
        ctx.logger.log("warn", "aggregate handler is closed; event dropped", {
          handler: ctx.id,
          topic: ctx.topic,
          kind: KIND,
          alert: event.state.id,
        });
        return;
      }
      // An acknowledgement is no alert to count.
      if (event.acknowledged === true) {
        skipAcknowledgement(ctx, KIND, event);
        return;
      }
      pending.push(event);
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      flush();
    },
  };
}

/** Grouped mode: one event per group of alerts, on the group's schedule (aggregate-groups.ts). */
function createGrouped(
  o: AggregateOptions,
  grouping: GroupingOptions,
  ctx: HandlerContext,
  collect: CollectFn,
  render: (count: number, group: string) => string,
): AlertHandler {
  let closed = false;
  const grouper = new AlertGrouper(grouping, (key, labels, pending) => {
    const events = pending.map((p) => p.event);
    const e = aggregateEvent(o, events, render(events.length, key));
    if (grouping.groupBy.length > 0) e.state.id = `${o.id}:${key}`;
    e.data.tags = { ...labels };
    e.alerts = pending.map(({ event, previousLevel }) => ({
      id: event.state.id,
      message: event.state.message,
      time: event.state.time,
      level: event.state.level,
      previousLevel,
      tags: event.data.tags,
    }));
    recollect(ctx, KIND, collect, e, [o.topic]);
  });
  return {
    handle(event, previousLevel) {
      if (closed) {
        ctx.logger.log("warn", "aggregate handler is closed; event dropped", {
          handler: ctx.id,
          topic: ctx.topic,
          kind: KIND,
          alert: event.state.id,
        });
        return;
      }
      if (event.acknowledged === true) {
        skipAcknowledgement(ctx, KIND, event);
        return;
      }
      grouper.add(event, previousLevel);
    },
    close() {
      if (closed) return;
      closed = true;
      grouper.close();
    },
  };
}

export const aggregate: HandlerKind<AggregateOptions> = {
  kind: KIND,
  optionsSchema: aggregateSchema,
  create: createAggregate,
  fromTickscript: notInTickscript(KIND),
  secrets: [],
};
