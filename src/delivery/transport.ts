/**
 * The wire: one request over undici, pooled per origin by one Agent, with connect, headers and
 * body timeouts and the `[webhook]` TLS rules. It has the handlers' {@link HttpSender} shape
 * (resolves with any status, rejects only with E_HANDLER_TIMEOUT / E_HANDLER_SEND), plus the
 * response headers the retry policy reads (`Retry-After`).
 *
 * TLS `verification-mode`: `full` checks the chain and the hostname; `certificate` checks the
 * chain but not the hostname (an endpoint reached by IP with a cert for its name); `none`
 * checks nothing. `ca-file` adds a PEM bundle to Node's built-in roots. A request's own `tls`
 * (a handler's `skip-ssl-verification`, `verification-mode`, `ca-file`) overrides them; each
 * profile in use gets its own pooled Agent.
 */
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Agent, type Dispatcher } from "undici";
import { coerceError, TickdError } from "../core/errors.js";
import {
  DEFAULT_TIMEOUT_MS,
  HandlerCodes,
  type HttpRequest,
  type HttpResponse,
  type TlsOptions,
} from "../handlers/types.js";
import { dispatchTrace, type WireSteps } from "./trace.js";
import { DeliveryCodes, EVENT_ID_HEADER } from "./types.js";

/** Response bodies are kept for the journal and logs only; more than this is cut. */
const MAX_RESPONSE_BODY = 64 * 1024;

export type VerificationMode = NonNullable<TlsOptions["verificationMode"]>;

export interface TransportResponse extends HttpResponse {
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

export interface Transport {
  send(req: HttpRequest): Promise<TransportResponse>;
  /** Closes pooled connections (waits for requests in flight). */
  close(): Promise<void>;
  /** Closes pooled connections now, failing requests in flight. */
  destroy(): Promise<void>;
  /** Prometheus text of the transport's own counters, if any (the delivery service's /metrics adds it). */
  metrics?(): string;
}

export interface TransportOptions {
  verificationMode?: VerificationMode;
  /** PEM file trusted in addition to the system roots; "" or absent for none. */
  caFile?: string;
  /** Connect timeout, ms; default 30s. Per-request header/body timeouts come from `timeoutMs`. */
  connectTimeoutMs?: number;
  /**
   * Sockets per origin; default no cap: the delivery lanes bound the requests in flight
   * (`[delivery] concurrency` per handler), and a cap here would queue one handler's
   * requests behind another's hung ones. Idle sockets are kept alive and reused.
   */
  connectionsPerOrigin?: number;
}

/**
 * `steps` records each traced request's "wire" and "answered" steps (requests carrying an
 * event id): the process's dispatch trace by default, the wire thread's stamps there.
 */
export function createTransport(
  opts: TransportOptions = {},
  steps: WireSteps | undefined = dispatchTrace,
): Transport {
  const defaults: Required<TlsOptions> = {
    verificationMode: opts.verificationMode ?? "full",
    caFile: opts.caFile ?? "",
  };
  // Read now: a bad `[webhook] ca-file` is a startup error, not a failure per notification.
  const defaultCa = readCa(defaults.caFile, "[webhook] ca-file");
  /** One pooled Agent per TLS profile: `[webhook]`'s, plus each handler override in use. */
  const agents = new Map<string, Agent>();
  const agentFor = (tls: TlsOptions | undefined): Agent => {
    const mode = tls?.verificationMode ?? defaults.verificationMode;
    const caFile = tls?.caFile ?? defaults.caFile;
    const key = `${mode}\0${caFile}`;
    let agent = agents.get(key);
    if (agent === undefined) {
      // A handler's ca-file is read when first used; unreadable, it fails that notification.
      const ca = caFile === defaults.caFile ? defaultCa : readCa(caFile, "ca-file");
      agent = new Agent({
        connections: opts.connectionsPerOrigin ?? null,
        connect: {
          timeout: opts.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS,
          rejectUnauthorized: mode !== "none",
          ...(ca !== undefined ? { ca } : {}),
          ...(mode === "certificate" ? { checkServerIdentity: () => undefined } : {}),
        },
      });
      agents.set(key, agent);
    }
    return agent;
  };
  // Most requests carry no TLS options of their own: no key string per request for them.
  const defaultAgent = agentFor(undefined);
  /** URL → origin and path, parsed once per URL (a handler posts to the same few URLs). */
  const targets = new Map<string, { origin: string; path: string }>();
  const targetOf = (url: string): { origin: string; path: string } => {
    let t = targets.get(url);
    if (t === undefined) {
      const u = new URL(url);
      t = { origin: u.origin, path: `${u.pathname}${u.search}` };
      if (targets.size >= 1024) targets.clear();
      targets.set(url, t);
    }
    return t;
  };

  return {
    send(req) {
      const timeoutMs = Math.max(1, req.timeoutMs);
      return new Promise<TransportResponse>((resolve, reject) => {
        const handler = new Exchange(timeoutMs, resolve, reject);
        if (steps !== undefined) {
          handler.steps = steps;
          handler.traced = req.headers[EVENT_ID_HEADER];
        }
        try {
          // The agent's own dispatch with a handler that keeps the few response bytes it
          // reads: no URL parse, AbortSignal timer, response stream nor promise per chunk
          // per attempt (what `request()` adds). The headers and body timeouts bound the wait.
          (req.tls === undefined ? defaultAgent : agentFor(req.tls)).dispatch(
            {
              ...targetOf(req.url),
              method: req.method as "POST",
              headers: req.headers,
              ...(req.method === "GET" || req.method === "HEAD" ? {} : { body: req.body }),
              headersTimeout: timeoutMs,
              bodyTimeout: timeoutMs,
            },
            handler,
          );
        } catch (e) {
          handler.onError(e as Error);
        }
      });
    },
    close: async () => {
      await Promise.all([...agents.values()].map((a) => a.close()));
    },
    destroy: async () => {
      await Promise.all([...agents.values()].map((a) => a.destroy()));
    },
  };
}

/** Bytes of a response body kept: enough for MAX_RESPONSE_BODY characters of any UTF-8. */
const MAX_RESPONSE_BYTES = 4 * MAX_RESPONSE_BODY;

/**
 * One request's undici handler (the dispatcher's callback interface): resolves with the
 * status, the lower-cased headers and the body (decoded as UTF-8 without a BOM, cut to
 * MAX_RESPONSE_BODY characters) when the response ends. Rejects only when no status
 * arrived or the body timed out; any other error while reading the body resolves with the
 * status and an empty body (the endpoint answered).
 */
class Exchange implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: Record<string, string> | undefined;
  private chunks: Buffer[] = [];
  private bytes = 0;
  private settled = false;
  /** The event id and where its steps go, when the dispatch trace is on. */
  traced: string | undefined;
  steps: WireSteps | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly resolve: (r: TransportResponse) => void,
    private readonly reject: (e: TickdError) => void,
  ) {}

  onConnect(): void {
    // Nothing to abort from here: the timeouts end a request that hangs.
    if (this.traced !== undefined) this.steps?.step(this.traced, "wire");
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx answers (100 Continue, 103 Early Hints) precede the real one.
    if (statusCode < 200) return true;
    this.status = statusCode;
    if (this.traced !== undefined) this.steps?.answered(this.traced);
    const headers: Record<string, string> = {};
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const k = rawHeaders[i]!.toString("latin1").toLowerCase();
      const v = rawHeaders[i + 1]!.toString("latin1");
      const had = headers[k];
      headers[k] = had === undefined ? v : `${had}, ${v}`;
    }
    this.headers = headers;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.bytes < MAX_RESPONSE_BYTES) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
    }
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve({
      status: this.status,
      body: decodeBody(this.chunks, this.bytes),
      headers: this.headers ?? {},
    });
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    // The status arrived: only a timeout makes the attempt count as unanswered.
    if (this.headers !== undefined && !isTimeout(err)) {
      this.resolve({ status: this.status, body: "", headers: this.headers });
      return;
    }
    this.reject(sendError(err, this.timeoutMs));
  }
}

/** The body as `request().body.text()` reads it (UTF-8, a BOM skipped), cut to MAX_RESPONSE_BODY. */
function decodeBody(chunks: readonly Buffer[], bytes: number): string {
  if (bytes === 0) return "";
  const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
  const start = buf.length > 2 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const text = buf.toString("utf8", start);
  return text.length > MAX_RESPONSE_BODY ? text.slice(0, MAX_RESPONSE_BODY) : text;
}

/** Throws E_DELIVERY_CONFIG as {@link createTransport} would for options it cannot use (an unreadable ca-file). */
export function checkTransportOptions(opts: TransportOptions): void {
  readCa(opts.caFile ?? "", "[webhook] ca-file");
}

/** Node's roots plus the PEM bundle in `file`; undefined for "" (the roots alone). */
function readCa(file: string, key: string): string[] | undefined {
  if (file === "") return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (e) {
    throw new TickdError(DeliveryCodes.CONFIG, `${key}: cannot read ${file}: ${coerceError(e).message}`, {
      cause: e,
    });
  }
  return [...rootCertificates, pem];
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

function isTimeout(e: unknown): boolean {
  const err = coerceError(e);
  const code = (err as { code?: unknown }).code;
  return (
    err.name === "TimeoutError" ||
    err.name === "AbortError" ||
    (typeof code === "string" && TIMEOUT_CODES.has(code))
  );
}

function sendError(e: unknown, timeoutMs: number): TickdError {
  const err = coerceError(e);
  if (err instanceof TickdError) return err;
  const code = (err as { code?: unknown }).code;
  if (isTimeout(err)) {
    return new TickdError(HandlerCodes.TIMEOUT, `no response within ${timeoutMs}ms`, { cause: err });
  }
  const detail =
    typeof code === "string" && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  return new TickdError(HandlerCodes.SEND, detail, { cause: err });
}
