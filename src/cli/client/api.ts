/**
 * The HTTP side of tickctl's client commands: one small wrapper around global `fetch` that
 * speaks Kapacitor's API (KAPACITOR-COMPAT.md §5–6) and turns every failure into one of two
 * errors the commands print as `tickctl: <message>`.
 */
import { coerceError } from "../../core/errors.js";

export const DEFAULT_URL = "http://127.0.0.1:9092";

/** What every client command gets: where tickd is, where to print, and whether to print JSON. */
export interface ClientOptions {
  url: string;
  out: (s: string) => void;
  err: (s: string) => void;
  json: boolean;
  /** Per-request timeout; 30 s unless a test wants less. */
  timeoutMs?: number;
}

/** The server answered with an error status (`{"error": …}` or a plain-text body). */
export class ApiError extends Error {
  readonly code = "E_API";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** No answer at all: refused, unknown host, reset, timeout. */
export class UnreachableError extends Error {
  readonly code = "E_UNREACHABLE";
  constructor(message: string) {
    super(message);
    this.name = "UnreachableError";
  }
}

/** A problem on our side before any request (bad flag, unreadable file). */
export class UsageError extends Error {
  readonly code = "E_USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** `-url`, else $TICKD_URL, else $KAPACITOR_URL (Kapacitor's variable), else the default. */
export function resolveUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  for (const candidate of [flag, env["TICKD_URL"], env["KAPACITOR_URL"]]) {
    if (candidate !== undefined && candidate !== "") return candidate;
  }
  return DEFAULT_URL;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty body (204). */
  body: unknown;
}

export class ApiClient {
  private readonly base: string;
  private readonly auth: string | undefined;
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    timeoutMs = 30_000,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`invalid -url ${JSON.stringify(url)}: expected http(s)://host:port`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new UsageError(`invalid -url ${JSON.stringify(url)}: expected http(s)://host:port`);
    }
    // fetch refuses URLs with credentials; Kapacitor's client turns them into basic auth.
    if (parsed.username !== "" || parsed.password !== "") {
      const user = decodeURIComponent(parsed.username);
      const pass = decodeURIComponent(parsed.password);
      this.auth = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
      parsed.username = "";
      parsed.password = "";
    }
    this.base = `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Sends one request. Statuses in `accept` come back as responses; any other status throws
   * ApiError with the server's message, and a missing server throws UnreachableError.
   */
  async request(method: string, path: string, body?: unknown, accept: number[] = []): Promise<ApiResponse> {
    // kbn-xsrf: Kibana's actions API (/api/actions/, src/connectors/) refuses writes without it.
    const headers: Record<string, string> = { accept: "application/json", "kbn-xsrf": "tickctl" };
    if (this.auth !== undefined) headers["authorization"] = this.auth;
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(this.timeoutMs) };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.base + path, init);
      text = await res.text();
    } catch (e) {
      throw this.unreachable(e);
    }
    if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) {
      return { status: res.status, body: parseBody(text) };
    }
    throw new ApiError(res.status, errorMessage(res.status, text));
  }

  get(path: string, accept?: number[]): Promise<ApiResponse> {
    return this.request("GET", path, undefined, accept);
  }

  /**
   * A GET whose body is read as it arrives (log streams, backups): no timeout once answered;
   * `signal` ends it. Error statuses throw ApiError as {@link request} does.
   */
  async stream(path: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const headers: Record<string, string> = {};
    if (this.auth !== undefined) headers["authorization"] = this.auth;
    let res: Response;
    try {
      res = await fetch(this.base + path, { headers, ...(signal !== undefined ? { signal } : {}) });
    } catch (e) {
      if (signal?.aborted === true) throw e;
      throw this.unreachable(e);
    }
    if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, await res.text()));
    if (res.body === null) return (async function* () {})();
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }

  private unreachable(e: unknown): Error {
    const err = coerceError(e);
    if (err.name === "TimeoutError" || err.name === "AbortError") {
      return new UnreachableError(`tickd at ${this.url} did not answer within ${this.timeoutMs / 1000}s`);
    }
    // undici wraps the socket error: TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }).
    const cause = (err as { cause?: unknown }).cause;
    const code = typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined;
    if (code === "ECONNREFUSED") {
      return new UnreachableError(
        `cannot reach tickd at ${this.url}: is it running? (start it with npm start)`,
      );
    }
    const detail = cause instanceof Error ? cause.message : err.message;
    return new UnreachableError(`cannot reach tickd at ${this.url}: ${detail}`);
  }
}

function parseBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Kapacitor errors are `{"error": msg, "message": msg}`; unknown routes and /write answer plain text. */
function errorMessage(status: number, text: string): string {
  const body = parseBody(text);
  if (typeof body === "object" && body !== null) {
    const { error, message, statusCode } = body as {
      error?: unknown;
      message?: unknown;
      statusCode?: unknown;
    };
    // Kibana's errors ({statusCode, error: "Bad Request", message}) put the detail in message.
    if (typeof statusCode === "number" && typeof message === "string" && message !== "") return message;
    if (typeof error === "string" && error !== "") return error;
    if (typeof message === "string" && message !== "") return message;
  }
  if (typeof body === "string" && body.trim() !== "") return body.trim();
  return `HTTP ${status}`;
}

/**
 * Runs one command body: prints any failure as `tickctl: <message>` and maps it to exit 1.
 * The body returns its own exit code (0, or 1 when it already reported partial failures).
 */
export async function runClient(
  opts: ClientOptions,
  body: (api: ApiClient) => Promise<number>,
): Promise<number> {
  try {
    return await body(new ApiClient(opts.url, opts.timeoutMs));
  } catch (e) {
    opts.err(`tickctl: ${coerceError(e).message}\n`);
    return 1;
  }
}

/**
 * One path segment for an id. Topic ids may hold `:` and `.`; like Go's URL encoder (which
 * Kapacitor's client uses) we keep the characters a path segment allows and escape the rest.
 */
export function seg(id: string): string {
  return encodeURIComponent(id).replace(/%(3A|40|24|26|2B|2C|3B|3D)/gi, (m) => decodeURIComponent(m));
}

/** Kapacitor patterns are Go filepath.Match globs. */
export function isGlob(s: string): boolean {
  return /[*?[\\]/.test(s);
}

/** JSON for `--json`: two-space indent and a trailing newline, stable for scripts. */
export function printJson(opts: ClientOptions, value: unknown): void {
  opts.out(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Every item of one of Kapacitor's paginated lists (`/tasks`, `/templates`): `pattern` (a
 * glob, "" for all) and `fields` as the API takes them, fetched `page` at a time.
 */
export async function listAllPages<T>(
  api: ApiClient,
  path: string,
  key: string,
  pattern: string,
  fields: readonly string[],
  page = 100,
): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += page) {
    const q = new URLSearchParams();
    if (pattern !== "") q.set("pattern", pattern);
    for (const f of fields) q.append("fields", f);
    q.set("offset", String(offset));
    q.set("limit", String(page));
    const res = await api.get(`${path}?${q.toString()}`);
    const items = (res.body as Record<string, T[] | undefined> | undefined)?.[key] ?? [];
    all.push(...items);
    if (items.length < page) return all;
  }
}
