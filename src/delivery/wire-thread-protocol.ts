/**
 * Messages between the main thread's wire-thread transport (wire-thread.ts) and its worker
 * (wire-worker.ts). Plain data only (structured clone); many requests or answers per message.
 */
import type { HttpRequest } from "../handlers/types.js";
import type { TransportOptions } from "./transport.js";

export interface WireSetup {
  options: TransportOptions;
  /** The dispatch trace is on: answers carry the "wire" and "answered" times. */
  trace: boolean;
}

/** One request: {@link HttpRequest}'s wire fields and an id for its answer. */
export interface WireRequest extends Pick<
  HttpRequest,
  "method" | "url" | "headers" | "body" | "timeoutMs" | "tls"
> {
  id: number;
}

export type WireAnswer = (
  | { id: number; status: number; headers: Record<string, string>; body: string }
  /** The transport rejected: a TickdError's code and message. */
  | { id: number; code: string; message: string }
) & {
  /** Trace times (wall-clock ms), when the trace is on and the step happened. */
  wire?: number;
  hdr?: number;
};

export type ToWorker =
  | { t: "send"; reqs: WireRequest[] }
  /** Finish the requests in flight, close the pools, then answer "closed". */
  | { t: "close" };

export type FromWorker = { t: "answers"; list: WireAnswer[] } | { t: "closed" };
