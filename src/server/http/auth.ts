/**
 * `[http] auth-enabled`: who may call the API. Credentials are read the way Kapacitor reads
 * them (`Authorization: Bearer …`, basic auth, or `?u=&p=` query parameters) and every
 * comparison is constant-time. Failure messages are Kapacitor's and never repeat what the
 * client sent.
 *
 * A bearer token is accepted when it is the shared secret itself, or — as Kapacitor does — a
 * JWT signed with the shared secret (HS256/384/512) with a future `exp` and a `username`.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export interface AuthConfig {
  enabled: boolean;
  sharedSecret?: string;
  users?: readonly { username: string; password: string; readOnly?: boolean }[];
}

/**
 * Who the request authenticated as (`user`: a basic-auth or `?u=` user, or a JWT's
 * `username`; absent with auth off or for the bare shared secret), or the 401 message.
 */
export type AuthResult = { ok: true; user?: string; readOnly?: boolean } | { ok: false; problem: string };
export type AuthCheck = (req: IncomingMessage, query: URLSearchParams) => AuthResult;

/** Hashing first makes both sides the same length, so timingSafeEqual never leaks a length. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

const JWT_ALGS: Readonly<Record<string, string>> = { HS256: "sha256", HS384: "sha384", HS512: "sha512" };

function b64urlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** The token's username when valid, else Kapacitor's message. */
function checkJwt(token: string, secret: string, nowSeconds: number): AuthResult {
  const problem = (message: string): AuthResult => ({ ok: false, problem: message });
  const parts = token.split(".");
  if (parts.length !== 3) return problem("invalid token: token contains an invalid number of segments");
  const [h, p, sig] = parts as [string, string, string];
  const header = b64urlJson(h) as { alg?: unknown } | undefined;
  const alg = typeof header?.alg === "string" ? JWT_ALGS[header.alg] : undefined;
  if (alg === undefined) return problem("invalid token: unexpected signing method");
  const expected = createHmac(alg, secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return problem("invalid token: signature is invalid");
  }
  const claims = b64urlJson(p) as Record<string, unknown> | undefined;
  if (claims === undefined || typeof claims !== "object") return problem("invalid claims type");
  const exp = claims["exp"];
  if (typeof exp !== "number" || exp <= 0) return problem("token expiration required");
  if (exp <= nowSeconds) return problem("invalid token: token is expired");
  const username = claims["username"];
  if (typeof username !== "string") return problem("username in token must be a string");
  if (username === "") return problem("token must contain a username");
  return { ok: true, user: username };
}

export function createAuthCheck(cfg: AuthConfig | undefined, now: () => number = Date.now): AuthCheck {
  if (cfg === undefined || !cfg.enabled) return () => ({ ok: true });
  const users = cfg.users ?? [];
  const secret = cfg.sharedSecret ?? "";

  const checkUser = (username: string, password: string): AuthResult => {
    if (username === "") return { ok: false, problem: "username required" };
    let ok = false;
    let readOnly = false;
    // Compare against every user so the time does not depend on which one matched.
    for (const u of users) {
      const match = sameSecret(u.username, username) && sameSecret(u.password, password);
      ok = ok || match;
      if (match && u.readOnly === true) readOnly = true;
    }
    if (!ok) return { ok: false, problem: "authorization failed" };
    return readOnly ? { ok: true, user: username, readOnly } : { ok: true, user: username };
  };

  return (req, query) => {
    const header = req.headers.authorization;
    if (header !== undefined && header !== "") {
      const parts = header.split(" ");
      if (parts.length === 2 && parts[0] === "Bearer") {
        const token = parts[1]!;
        if (secret === "") return { ok: false, problem: "invalid token: no shared secret is configured" };
        if (sameSecret(token, secret)) return { ok: true };
        return checkJwt(token, secret, Math.floor(now() / 1000));
      }
      if (parts.length === 2 && parts[0]!.toLowerCase() === "basic") {
        const decoded = Buffer.from(parts[1]!, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon >= 0) return checkUser(decoded.slice(0, colon), decoded.slice(colon + 1));
      }
    }
    const u = query.get("u") ?? "";
    const p = query.get("p") ?? "";
    if (u !== "" && p !== "") return checkUser(u, p);
    return { ok: false, problem: "unable to parse authentication credentials" };
  };
}
