/**
 * The console's view of tickd's API: the Alertmanager v2 subset (`/api/v2/`) for silences,
 * tickd's own routes (`/tickd/v1/`) for alerts, ack/snooze, history, deliveries, connectors and
 * integrations, and Kibana's `/api/actions/` to test a connector.
 *
 * Credentials: with `[http] auth-enabled`, the login form's basic-auth header is kept in
 * sessionStorage (this tab only) and sent with every call; a 401 brings the form back.
 */
import type { Labels, Matcher } from "./matchers";

// Shapes shared with the daemon (type-only imports: nothing of src/ is bundled).
export type {
  ActivityJson,
  ConnectorActivityJson as ConnectorActivity,
  IntegrationActivityJson as IntegrationActivity,
} from "../../src/core/activity";
/** `GET /tickd/v1/cluster`; one node: `{enabled: false}`. */
export type { ClusterStatusJson as ClusterStatus } from "../../src/cluster/status-json";

const AUTH_KEY = "tickd-console-auth";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let authHeader = sessionStorage.getItem(AUTH_KEY) ?? "";
const unauthorizedListeners = new Set<() => void>();

export function onUnauthorized(f: () => void): () => void {
  unauthorizedListeners.add(f);
  return () => unauthorizedListeners.delete(f);
}

export function setCredentials(user: string, password: string): void {
  // btoa needs Latin-1: encode UTF-8 first so any user name works.
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  authHeader = "Basic " + btoa(String.fromCharCode(...bytes));
  sessionStorage.setItem(AUTH_KEY, authHeader);
}

export function clearCredentials(): void {
  authHeader = "";
  sessionStorage.removeItem(AUTH_KEY);
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  accept: number[] = [],
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...extraHeaders };
  if (authHeader !== "") headers["Authorization"] = authHeader;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 401) for (const f of unauthorizedListeners) f();
  if (!res.ok && !accept.includes(res.status)) {
    let message = `${method} ${path}: HTTP ${res.status}`;
    try {
      const j = (await res.json()) as { error?: string; message?: string };
      message = j.error ?? j.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, message);
  }
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await call("GET", path)).json()) as T;
}

/** A GET whose listed error statuses come back with their JSON body instead of throwing. */
export async function getJsonWith<T>(path: string, accept: number[]): Promise<{ status: number; body: T }> {
  const res = await call("GET", path, undefined, accept);
  return { status: res.status, body: (await res.json()) as T };
}

export async function getText(path: string): Promise<string> {
  return (await call("GET", path)).text();
}

export async function send<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T | undefined> {
  const res = await call(method, path, body, [], headers);
  const text = await res.text();
  return text === "" ? undefined : (JSON.parse(text) as T);
}

// ------------------------------------------------------------------ shapes (Alertmanager openapi)

/** One current alert as `GET /tickd/v1/alerts` lists it. */
export interface Alert {
  topic: string;
  id: string;
  level: "OK" | "INFO" | "WARNING" | "CRITICAL";
  message: string;
  details: string;
  /** Its tags plus alertname, task, topic, severity (DESIGN §12). */
  labels: Labels;
  fingerprint: string;
  since: string;
  updated: string;
  silencedBy: string[];
  /** The snoozes among silencedBy. */
  snoozedBy: string[];
  acknowledged: { by: string; comment: string; at: string; level: string } | null;
}

export interface Silence {
  id: string;
  status: { state: "active" | "pending" | "expired" };
  updatedAt: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface PostableSilence {
  id?: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface HistoryEntry {
  id: number;
  time: string;
  type: "state" | "delivery" | "note";
  topic: string;
  alert_id: string;
  task: string;
  level?: string;
  previous_level?: string;
  message?: string;
  delivery_id?: number;
  handler?: string;
  status?: string;
  attempt?: number;
  http_status?: number;
  error?: string;
  target?: string;
}

export interface Delivery {
  id: number;
  handler: string;
  topic: string;
  alert_id: string;
  kind: string;
  url: string;
  status: string;
  attempts: number;
  last_error: string;
  last_status: number;
  created: string;
  updated: string;
}

export interface WhoAmI {
  auth: boolean;
  user: string;
  write: boolean;
}

export const alertId = (a: Alert): string => a.id;
export const topicOf = (a: Alert): string => a.topic;

export function alertPath(a: Alert, action: "ack" | "unack" | "snooze"): string {
  return `/tickd/v1/alerts/${encodeURIComponent(topicOf(a))}/${encodeURIComponent(alertId(a))}/${action}`;
}
