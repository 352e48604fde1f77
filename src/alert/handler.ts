/**
 * The handler contract (pinned). Alerts are a leaf: this layer defines what a handler is;
 * src/handlers implements the kinds and never imports topics, and topics never import a kind.
 */
import type { AlertEvent } from "../core/alert-event.js";
import type { Level } from "../core/types.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";

/** One configured notification target (a topic handler file, an API handler, a TICKscript `.post()`). */
export interface AlertHandler {
  /**
   * Sends (or queues) one event. Must not throw for delivery failures — those are the
   * handler's to log, retry and record. Returning a promise lets tests and shutdown wait.
   */
  handle(event: AlertEvent, previousLevel: Level): void | Promise<void>;
  /** Flushes and releases resources (timers, sockets) at shutdown or when replaced. */
  close?(): void | Promise<void>;
}

/** A topic handler as Kapacitor's handler files and API define it (KAPACITOR-COMPAT.md §5). */
export interface TopicHandlerSpec {
  topic: string;
  id: string;
  kind: string;
  /** Kind-specific options, as written (duration options may be ns numbers or "1m" strings). */
  options: Record<string, unknown>;
  /** A TICKscript expression without `lambda:`, "" for none. */
  match: string;
}

/** Builds handlers by kind. Implemented by src/handlers (the registry); injected into topics. */
export interface HandlerFactory {
  /** Kind names, e.g. ["exec","log","post","tcp","victorops"]. */
  kinds(): readonly string[];
  /**
   * Validates the options and creates the handler. Throws TickdError with code
   * `E_HANDLER_KIND` for an unknown kind (message: `unsupported action kind "x"`) or
   * `E_HANDLER_OPTIONS` naming the bad option key.
   */
  create(spec: { kind: string; options: Record<string, unknown>; topic: string; id: string }): AlertHandler;
  /**
   * Options of a handler created in TICKscript (`.post(url).header(k, v)`, `.victorOps()
   * .routingKey(k)`), in the same shape handler files use. Throws E_HANDLER_KIND when the kind
   * cannot be run.
   */
  fromTickscript(spec: HandlerSpec): { kind: string; options: Record<string, unknown> };
  /**
   * Define/load-time check that the handler can send under the current config (DESIGN §8):
   * throws E_HANDLER_DISABLED (its service is disabled) or E_HANDLER_REFUSED (a URL outside
   * `[webhook] allowed-hosts`), or like `create` for bad options. Not used when restoring.
   */
  check?(kind: string, options: Record<string, unknown>): void;
  /**
   * Like `create` for a handler defined earlier (restored at start, a TICKscript handler met
   * at its first event): when its options no longer fit the config (a missing `[[httppost]]`
   * endpoint or `[[escalation]]` target) it still returns a handler, one that refuses each
   * event — logged, and journaled as a failed delivery with the reason — instead of the
   * events being dropped after one log line. Unknown kinds still throw.
   */
  createOrRefuse?(spec: {
    kind: string;
    options: Record<string, unknown>;
    topic: string;
    id: string;
  }): AlertHandler;
  /** Options with every secret (passwords, keys, tokens) replaced by "<redacted>", for API answers and logs. */
  redact(kind: string, options: Record<string, unknown>): Record<string, unknown>;
}
