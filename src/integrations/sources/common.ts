/**
 * Helpers the source normalisers share: field access along dotted paths, required event ids,
 * level and status words, and signature checks (constant-time).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Level } from "../../core/types.js";
import { IntegrationError, isObj, levelFromWord, text, type IncomingStatus, type Obj } from "../mapping.js";
import type { Refusal, SourceAlert, SourceRequest } from "./types.js";

export { IntegrationError, isObj, text };

/** The value at a dotted path (`alert.alias`), or undefined. */
export function at(body: unknown, path: string): unknown {
  let v: unknown = body;
  for (const k of path.split(".")) {
    if (!isObj(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** The text of the first path holding a non-empty string or number. */
export function firstText(body: unknown, ...paths: string[]): string | undefined {
  for (const p of paths) {
    const t = text(at(body, p));
    if (t !== undefined && t.trim() !== "") return t;
  }
  return undefined;
}

/** The event id from the vendor's stable key (first of `paths`); a 400 naming them when absent. */
export function requireId(source: string, body: unknown, ...paths: string[]): string {
  const id = firstText(body, ...paths);
  if (id === undefined) {
    throw new IntegrationError(
      400,
      `missing event id: a ${source} body needs ${paths.map((p) => JSON.stringify(p)).join(" or ")} (tickd never makes one up)`,
    );
  }
  return id;
}

/** The body must be a JSON object. */
export function requireObject(source: string, body: unknown): Obj {
  if (!isObj(body)) throw new IntegrationError(400, `expected a ${source} JSON object`);
  return body;
}

/** A 400 for a value outside the vendor's documented set. */
export function unknownValue(field: string, value: unknown, expected: string): IntegrationError {
  return new IntegrationError(400, `unknown ${field} ${JSON.stringify(value)}: expected ${expected}`);
}

/** A level word (critical, warning, info, P1…), or `fallback` when missing or unknown. */
export function levelOr(word: unknown, fallback: Level): Level {
  const t = text(word);
  return (t === undefined ? undefined : levelFromWord(t)) ?? fallback;
}

export interface AlertFields {
  id: string;
  status: IncomingStatus;
  level?: Level | undefined;
  message?: string | undefined;
  details?: string | undefined;
  tags?: Record<string, string>;
  name?: string | undefined;
  /** ns; default now. */
  time?: number | undefined;
  startedAt?: number | undefined;
  autoResolveAfter?: number;
}

/** An incoming alert of `source` with its defaults: tag `source`, time now, CRITICAL when firing. */
export function alert(source: string, nowNs: number, f: AlertFields): SourceAlert {
  const a: SourceAlert = {
    id: f.id,
    status: f.status,
    level: f.level ?? (f.status === "trigger" ? Level.CRITICAL : undefined),
    message: f.message,
    details: f.details ?? "",
    tags: { source, ...f.tags },
    name: f.name ?? "",
    taskName: source,
    time: f.time ?? nowNs,
    startedAt: f.startedAt,
  };
  if (f.autoResolveAfter !== undefined) a.autoResolveAfter = f.autoResolveAfter;
  return a;
}

/** Tags from `k:v` / `k=v` / bare words in a list or a comma-separated string (Datadog, Dynatrace). */
export function parseTagList(v: unknown): Record<string, string> {
  const items = Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : [];
  const out: Record<string, string> = {};
  for (const item of items) {
    const t = text(item)?.trim();
    if (t === undefined || t === "") continue;
    const i = t.search(/[:=]/);
    if (i > 0) out[t.slice(0, i).trim()] = t.slice(i + 1).trim();
    else out[t] = "";
  }
  return out;
}

/** ns of a Unix time in seconds or milliseconds (numbers or digit strings), or an RFC 3339 time. */
export function timeNs(v: unknown): number | undefined {
  if (typeof v === "number" || (typeof v === "string" && /^\d+(\.\d+)?$/.test(v.trim()))) {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    // Seconds until the year 5138; larger numbers are milliseconds.
    return Math.round(n < 1e11 ? n * 1e9 : n * 1e6);
  }
  if (typeof v === "string") {
    const ms = Date.parse(v);
    return Number.isFinite(ms) && ms > 0 ? ms * 1e6 : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// signatures

export function header(req: SourceRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === "" ? undefined : s.trim();
}

/** Constant-time equality of two strings (different lengths compare unequal without a timing leak of content). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  if (x.length !== y.length) {
    // Still spend a comparison so a wrong length answers as fast as a wrong value.
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

export function hmacSha256(secret: string, data: Buffer | string, encoding: "hex" | "base64"): string {
  return createHmac("sha256", secret).update(data).digest(encoding);
}

/**
 * The usual HMAC check: `headerName` must hold HMAC-SHA256(secret, body) in `encoding`, after an
 * optional `prefix` ("sha256="). No secret: accepted. Missing header: 400. Mismatch: 401.
 */
export function checkHmac(
  req: SourceRequest,
  opts: {
    secret: string;
    header: string;
    encoding: "hex" | "base64";
    prefix?: string;
    /** The signed bytes; default the raw body. */
    data?: Buffer | string;
  },
): Refusal | undefined {
  if (opts.secret === "") return undefined;
  const got = header(req, opts.header);
  const prefix = opts.prefix ?? "";
  if (got === undefined) {
    return {
      status: 400,
      message: `missing signature: ${opts.header} is required (a secret is configured for this source)`,
    };
  }
  const want = prefix + hmacSha256(opts.secret, opts.data ?? req.raw, opts.encoding);
  // Hex digests are case-insensitive; base64 is not.
  const norm = opts.encoding === "hex" ? got.toLowerCase() : got;
  if (!safeEqual(want, prefix !== "" && !norm.startsWith(prefix) ? prefix + norm : norm)) {
    return { status: 401, message: `invalid signature in ${opts.header}` };
  }
  return undefined;
}

/** A shared token sent as is in a header (Honeycomb), compared in constant time. */
export function checkToken(req: SourceRequest, secret: string, headerName: string): Refusal | undefined {
  if (secret === "") return undefined;
  const got = header(req, headerName);
  if (got === undefined)
    return { status: 400, message: `missing ${headerName} (a secret is configured for this source)` };
  return safeEqual(secret, got) ? undefined : { status: 401, message: `invalid ${headerName}` };
}
