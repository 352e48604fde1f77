/**
 * One request's helpers: the parsed target, bounded body reading (gzip included) and the
 * response writers that give every answer Kapacitor's shape (KAPACITOR-COMPAT.md §6).
 *
 * Bodies are JSON as Kapacitor writes them: `json.MarshalIndent(v, "", "    ")` followed by
 * `w.Write`, so there is no trailing newline. Errors are `{"error": msg, "message": msg}`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { goJson } from "../../core/go-json.js";

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";
export const TEXT_CONTENT_TYPE = "text/plain; charset=utf-8";
const PRETTY = { indent: "    " } as const;

/** A failure with the status to answer; routes throw it, the dispatcher writes it. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Close the connection after answering (the rest of the body is not read). */
    readonly closeConnection = false,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Why a body was not valid JSON (routes prefix it the way Kapacitor does for that route). */
export class JsonBodyError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "JsonBodyError";
  }
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Upper-case method. */
  readonly method: string;
  /** The path as received (still percent-encoded), without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Path and query as received: Kapacitor's `r.URL.String()`, used in list self links. */
  readonly requestUri: string;
  readonly requestId: string;
  /** The whole body, gunzipped when `Content-Encoding: gzip`; 413 past the size limit. */
  readBody(): Promise<Buffer>;
  /** The body parsed as JSON; throws JsonBodyError with the reason. */
  readJson(): Promise<unknown>;
  /** 4-space indented Go JSON (`pretty: false` for compact), no trailing newline. */
  json(status: number, value: unknown, opts?: { pretty?: boolean }): void;
  /** `{"error","message"}` with JSON content type. */
  error(status: number, message: string, opts?: { pretty?: boolean }): void;
  text(status: number, body: string, contentType?: string): void;
  noContent(): void;
}

/** Percent-decodes one path segment; a malformed escape is a 400. */
export function decodeSegment(s: string): string {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, `invalid URL escape in path segment ${JSON.stringify(s)}`);
  }
}

export function createContext(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  maxBodyBytes: number,
): RequestContext {
  let target = req.url ?? "/";
  // Absolute-form targets (through a proxy) carry scheme and authority: drop them.
  if (!target.startsWith("/")) {
    const i = target.indexOf("/", target.indexOf("//") + 2);
    target = i < 0 ? "/" : target.slice(i);
  }
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));

  let bodyPromise: Promise<Buffer> | undefined;
  const readBody = (): Promise<Buffer> => (bodyPromise ??= readLimitedBody(req, maxBodyBytes));

  return {
    req,
    res,
    method: (req.method ?? "GET").toUpperCase(),
    path,
    query,
    requestUri: target,
    requestId,
    readBody,
    async readJson(): Promise<unknown> {
      const body = await readBody();
      return parseJsonBody(body);
    },
    json(status, value, opts) {
      const text = goJson(value, opts?.pretty === false ? undefined : PRETTY);
      send(res, status, JSON_CONTENT_TYPE, text);
    },
    error(status, message, opts) {
      const text = goJson({ error: message, message }, opts?.pretty === false ? undefined : PRETTY);
      send(res, status, JSON_CONTENT_TYPE, text);
    },
    text(status, body, contentType = TEXT_CONTENT_TYPE) {
      send(res, status, contentType, body);
    },
    noContent() {
      res.statusCode = 204;
      res.end();
    },
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}

export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString("utf8");
  if (text.trim() === "") throw new JsonBodyError("empty body");
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new JsonBodyError(e instanceof Error ? e.message : String(e));
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `request body too large: the limit is ${limit} bytes`, true);
}

/**
 * Reads the body into one Buffer, never holding more than `limit` bytes (after gunzip: a
 * small gzip body cannot expand past the limit either). On overflow it stops listening,
 * and the 413 answer closes the connection so the rest is never read.
 */
export function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  const gzip = (req.headers["content-encoding"] ?? "").toLowerCase() === "gzip";

  return new Promise<Buffer>((resolve, reject) => {
    let source: Readable = req;
    const gunzip = gzip ? createGunzip() : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;

    const cleanup = (): void => {
      source.removeListener("data", onData);
      source.removeListener("end", onEnd);
      req.removeListener("error", onError);
      req.removeListener("aborted", onAborted);
      if (gunzip !== undefined) {
        req.unpipe(gunzip);
        gunzip.removeListener("error", onGzipError);
        gunzip.destroy();
      }
    };
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(e);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        fail(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (e: Error): void => fail(new HttpError(400, `failed to read request body: ${e.message}`));
    const onAborted = (): void => fail(new HttpError(400, "failed to read request body: request aborted"));
    const onGzipError = (e: Error): void => fail(new HttpError(400, gzipMessage(e)));

    if (gunzip !== undefined) {
      gunzip.on("error", onGzipError);
      req.pipe(gunzip);
      source = gunzip;
    }
    source.on("data", onData);
    source.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}

/** Go's gzip errors read `gzip: invalid header`; zlib's say `incorrect header check`. */
function gzipMessage(e: Error): string {
  if (/header/i.test(e.message)) return "gzip: invalid header";
  if (/unexpected end/i.test(e.message)) return "unexpected EOF";
  return `gzip: ${e.message}`;
}

/** How much of an oversized body is read and dropped so the client gets its 413, at most. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;

/**
 * Reads and drops the rest of a request body, then calls `answer`. Node closes a
 * `Connection: close` socket as soon as the answer is out, and a client still sending would
 * see a broken pipe instead of its 413. Bounded: past the bounds the socket is destroyed.
 */
export function drainThen(req: IncomingMessage, answer: () => void): void {
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    answer();
  };
  const giveUp = (): void => {
    done = true;
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(giveUp, DRAIN_MAX_MS);
  if (req.readableEnded || req.complete) {
    finish();
    return;
  }
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) giveUp();
  });
  req.once("end", finish);
  req.once("error", giveUp);
  req.resume();
}
