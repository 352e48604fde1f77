/**
 * The shape every handler kind shares: events are delivered one after another per handler
 * (Kapacitor runs each handler on its own goroutine, so order is kept), failures are logged
 * with handler id and alert id and never thrown, and `handle` resolves when its attempt ends.
 *
 * States: open → closed. `close()` waits for the attempts already queued; events handed in
 * after it are dropped with a warning.
 *
 * An incoming acknowledgement (`event.acknowledged`, from an integration) is not an alert: only
 * kinds that have an acknowledgement message (escalation, victorops) take it (`acks`); the
 * others log that it was not sent instead of paging again at the incident's level.
 */
import type { AlertHandler } from "../alert/handler.js";
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import type { Level } from "../core/types.js";
import { deliveryMeta } from "./http.js";
import type { HandlerContext } from "./types.js";

export type Deliver = (event: AlertEvent, previousLevel: Level) => Promise<void>;

export class SerialHandler implements AlertHandler {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  /** Deliver at once, unchained: set when `deliver` only renders and hands to a journaled sender. */
  private readonly direct: boolean;
  /** deliver only renders and sends: whatever it throws means nothing was sent (see {@link reportUnsent}). */
  private readonly sendsOnly: boolean;
  private readonly running = new Set<Promise<void>>();
  /** The kind has an acknowledgement message: deliver sees acknowledged events too. */
  private readonly acks: boolean;
  /** The kind has messages for suppressed and snoozed events (on-call notices). */
  private readonly notices: boolean;

  /**
   * `sendsOnly`: deliver's only I/O is ctx.send, each send() issued before its first await.
   * With a journaled sender (which keeps each handler's order itself) events then go to the
   * journal synchronously, inside the caller's store commit, instead of one microtask apart.
   * `acks`: the kind sends acknowledgements (see the header).
   */
  constructor(
    private readonly ctx: HandlerContext,
    private readonly kind: string,
    private readonly deliver: Deliver,
    opts: { sendsOnly?: boolean; acks?: boolean; notices?: boolean } = {},
  ) {
    this.sendsOnly = opts.sendsOnly === true;
    this.direct = this.sendsOnly && ctx.send.journaled === true;
    this.acks = opts.acks === true;
    this.notices = opts.notices === true;
  }

  handle(event: AlertEvent, previousLevel: Level): Promise<void> {
    // Only internal handlers (aggregate, publish) may see NoExternal events (KAPACITOR-COMPAT §5).
    if (event.noExternal === true) return Promise.resolve();
    // The on-call gate counted and logged what it held back; only kinds with a notice send one.
    if ((event.suppressed === true || event.snoozed === true) && !this.notices) return Promise.resolve();
    if (event.acknowledged === true && !this.acks) {
      skipAcknowledgement(this.ctx, this.kind, event);
      return Promise.resolve();
    }
    if (this.closed) {
      logFailure(this.ctx, this.kind, event, new Error("handler is closed; event dropped"), "warn");
      return Promise.resolve();
    }
    const attempt = (): Promise<void> =>
      this.deliver(event, previousLevel).catch((e: unknown) =>
        this.sendsOnly
          ? reportUnsent(this.ctx, this.kind, event, e)
          : logFailure(this.ctx, this.kind, event, e),
      );
    if (this.direct) {
      const p = attempt().finally(() => this.running.delete(p));
      this.running.add(p);
      return p;
    }
    const chained = this.tail.then(attempt);
    this.tail = chained;
    return chained;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.tail, ...this.running]);
  }
}

/** The log line of an acknowledgement a kind has no message for: recorded, not sent. */
export function skipAcknowledgement(ctx: HandlerContext, kind: string, event: AlertEvent): void {
  ctx.logger.log("info", `acknowledgement not sent: ${kind} handlers have no acknowledgement message`, {
    handler: ctx.id,
    topic: ctx.topic,
    kind,
    alert: event.state.id,
  });
}

/** One log line for a failed delivery: who (handler, topic, kind), which alert, why. */
export function logFailure(
  ctx: HandlerContext,
  kind: string,
  event: AlertEvent,
  e: unknown,
  level: "error" | "warn" = "error",
  extra: Record<string, unknown> = {},
): void {
  const err = coerceError(e);
  const fields: Record<string, unknown> = {
    handler: ctx.id,
    topic: ctx.topic,
    kind,
    alert: event.state.id,
    error: err.message,
    ...extra,
  };
  if (err instanceof TickdError) fields.code = err.code;
  ctx.logger.log(level, `${kind} handler failed to send event`, fields);
}

/**
 * A notification that was never handed to the sender (service disabled, URL refused, template
 * error): logged, and given to the sender's `refuse` so it is journaled as `failed` with its
 * reason and counted (DESIGN §8: nothing refused is silent). Errors of the delivery layer
 * itself (journal full, journal write failed) are already counted there and only logged.
 */
export function reportUnsent(
  ctx: HandlerContext,
  kind: string,
  event: AlertEvent,
  e: unknown,
  extra: Record<string, unknown> = {},
): void {
  const err = coerceError(e);
  logFailure(ctx, kind, event, err, "error", extra);
  if (err instanceof TickdError && err.code.startsWith("E_DELIVERY_")) return;
  if (ctx.send.refuse === undefined) return;
  try {
    ctx.send.refuse(deliveryMeta(ctx, event, kind, []), err);
  } catch (re) {
    ctx.logger.log("error", "could not record the refused notification", {
      handler: ctx.id,
      topic: ctx.topic,
      kind,
      alert: event.state.id,
      error: coerceError(re).message,
    });
  }
}
