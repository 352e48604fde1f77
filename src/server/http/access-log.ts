/**
 * `[http] log-enabled`: one line per request, written when its answer is done (or the client
 * went away): method, path, status, duration, request id and the authenticated user.
 *
 * Nothing else from the request is logged, because that is where credentials travel: the
 * query string (`?u=&p=`, tokens) is left out of the path, and no header is read.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpLogger } from "./types.js";

export interface AccessEntry {
  readonly method: string;
  /** Without the query string. */
  readonly path: string;
  readonly requestId: string;
  /** process.hrtime.bigint() when the request arrived. */
  readonly started: bigint;
  /** Set once authentication succeeded with a named user. */
  user?: string;
}

/** Logs `entry` once `res` closes. */
export function logAccessOnClose(
  logger: HttpLogger,
  req: IncomingMessage,
  res: ServerResponse,
  entry: AccessEntry,
): void {
  res.once("close", () => {
    const durationMs = Math.round(Number(process.hrtime.bigint() - entry.started) / 1e3) / 1e3;
    logger.log("info", "http request", {
      method: entry.method,
      path: entry.path,
      status: res.statusCode,
      durationMs,
      ...(entry.user !== undefined ? { user: entry.user } : {}),
      requestId: entry.requestId,
      remote: req.socket.remoteAddress ?? "",
      // The client closed the connection before the answer was complete.
      ...(res.writableFinished ? {} : { aborted: true }),
    });
  });
}
