/**
 * HTTP plumbing shared by the webhook kinds: the default {@link HttpSender} over global fetch,
 * the `[webhook] allowed-hosts` check, timeouts, and URL redaction for log lines.
 */
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import {
  DEFAULT_TIMEOUT_MS,
  type DeliveryMeta,
  HandlerCodes,
  REDACTED,
  type HttpRequest,
  type HttpResponse,
  type HttpSender,
  type WebhookRulesConfig,
} from "./types.js";

/** Response bodies are kept for error logs only; more than this is cut. */
const MAX_RESPONSE_BODY = 64 * 1024;

/**
 * The first-version sender: global fetch, one request, no retries. Redirects are not followed:
 * a redirect could lead outside `[webhook] allowed-hosts`, so a 3xx is reported like any other
 * non-2xx status. The body is sent as bytes so fetch adds no Content-Type of its own
 * (Kapacitor sends none for a templated body).
 */
export const fetchSender: HttpSender = {
  async send(req: HttpRequest): Promise<HttpResponse> {
    let res: Response;
    const signal = AbortSignal.timeout(req.timeoutMs);
    try {
      res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.method === "GET" || req.method === "HEAD" ? {} : { body: Buffer.from(req.body, "utf8") }),
        redirect: "manual",
        signal,
      });
    } catch (e) {
      throw sendError(e, req.timeoutMs, signal);
    }
    let body = "";
    try {
      body = await res.text();
    } catch (e) {
      if (signal.aborted) throw sendError(e, req.timeoutMs, signal);
      // The status arrived; a body cut short only matters for the error log.
    }
    return {
      status: res.status,
      body: body.length > MAX_RESPONSE_BODY ? body.slice(0, MAX_RESPONSE_BODY) : body,
    };
  },
};

function sendError(e: unknown, timeoutMs: number, signal: AbortSignal): TickdError {
  const err = coerceError(e);
  if (signal.aborted || err.name === "TimeoutError" || err.name === "AbortError") {
    return new TickdError(HandlerCodes.TIMEOUT, `no response within ${timeoutMs}ms`, { cause: err });
  }
  // fetch wraps the interesting part ("connect ECONNREFUSED 127.0.0.1:9") in `cause`.
  const cause = (err as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : err.message;
  return new TickdError(HandlerCodes.SEND, detail, { cause: err });
}

/** ns → ms for a request: the handler's own timeout if set (>0), else `[webhook] timeout`, else 30s. */
export function requestTimeoutMs(webhook: WebhookRulesConfig, handlerTimeoutNs?: number): number {
  if (handlerTimeoutNs !== undefined && handlerTimeoutNs > 0)
    return Math.max(1, Math.ceil(handlerTimeoutNs / 1e6));
  const t = webhook.timeout;
  if (t !== undefined && t > 0) return Math.max(1, Math.ceil(t / 1e6));
  return DEFAULT_TIMEOUT_MS;
}

/** Lower-cased hostname without IPv6 brackets. */
function hostOf(u: URL): string {
  const h = u.hostname.toLowerCase();
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/**
 * Whether `url` may be requested under `allowedHosts`: `*` allows all; `example.com` that
 * host only; `*.example.com` its subdomains (not example.com itself). Only http and https.
 */
export function isAllowedUrl(url: URL, allowedHosts: readonly string[]): boolean {
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const host = hostOf(url);
  for (const raw of allowedHosts) {
    const p = raw.trim().toLowerCase();
    if (p === "*") return true;
    if (p.startsWith("*.")) {
      if (host.endsWith(p.slice(1)) && host.length > p.length - 1) return true;
    } else if ((p.startsWith("[") && p.endsWith("]") ? p.slice(1, -1) : p) === host) return true;
  }
  return false;
}

/**
 * Parses a URL and applies the allow-list. Throws E_HANDLER_REFUSED for a URL outside it and
 * E_HANDLER_SEND for one that does not parse.
 */
export function checkUrl(raw: string, webhook: WebhookRulesConfig): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new TickdError(HandlerCodes.SEND, `invalid URL ${JSON.stringify(redactUrl(raw))}`);
  }
  if (!isAllowedUrl(u, webhook.allowedHosts)) {
    throw new TickdError(
      HandlerCodes.REFUSED,
      `refused to send to ${redactUrl(raw)}: host ${JSON.stringify(hostOf(u))} is not in [webhook] allowed-hosts (${webhook.allowedHosts.join(", ") || "empty"})`,
    );
  }
  return u;
}

/**
 * A URL for log lines: user-info password and query values redacted (tokens often travel
 * there), and each of `secrets` replaced wherever it appears (VictorOps puts the API key in
 * the path).
 */
export function redactUrl(raw: string, secrets: readonly string[] = []): string {
  let out = raw;
  try {
    const u = new URL(raw);
    // URL setters percent-encode "<>", so a placeholder goes in and "<redacted>" replaces it.
    const mark = "tickdredactedvalue";
    if (u.password !== "") u.password = mark;
    const keys = [...new Set(u.searchParams.keys())];
    if (keys.length > 0) u.search = keys.map((k) => `${encodeURIComponent(k)}=${mark}`).join("&");
    out = u.toString().split(mark).join(REDACTED);
  } catch {
    // not a URL: only the explicit secrets are replaced
  }
  for (const s of secrets) if (s !== "") out = out.split(s).join(REDACTED);
  return out;
}

/** HTTP Basic credentials as Go's SetBasicAuth writes them. */
export function basicAuthHeader(username: string, password: string): string {
  return "Basic " + Buffer.from(`${username}:${password}`, "utf8").toString("base64");
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** The delivery metadata of one notification from handler `ctx` about `event`. */
export function deliveryMeta(
  ctx: { id: string; topic: string },
  event: AlertEvent,
  kind: string,
  secrets: readonly string[],
): DeliveryMeta {
  return { handler: ctx.id, topic: ctx.topic, alertId: event.state.id, kind, secrets };
}
