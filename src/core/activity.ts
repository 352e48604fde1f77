/**
 * The last event and the last error of a named thing that sends or takes alerts — a
 * connector, an inbound integration source — as the API and the web console show them.
 * No imports: the console (ui/) shares these shapes at build time.
 */

/** Times are Unix ms; absent when it never happened. */
export interface Activity {
  lastEventMs?: number;
  lastErrorMs?: number;
  /** A short message (one line, at most {@link MAX_ACTIVITY_MESSAGE} characters), never a secret. */
  lastError?: string;
}

/** The JSON of an {@link Activity}: RFC 3339 times, null when it never happened. */
export interface ActivityJson {
  last_event: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

export const MAX_ACTIVITY_MESSAGE = 200;

/** One line, at most {@link MAX_ACTIVITY_MESSAGE} characters (an ellipsis marks a cut). */
export function shortMessage(s: string): string {
  const line = s.replace(/\s+/g, " ").trim();
  return line.length <= MAX_ACTIVITY_MESSAGE ? line : `${line.slice(0, MAX_ACTIVITY_MESSAGE - 1)}…`;
}

export function activityJson(a: Activity): ActivityJson {
  const iso = (ms: number | undefined): string | null =>
    ms === undefined ? null : new Date(ms).toISOString();
  return {
    last_event: iso(a.lastEventMs),
    last_error: a.lastError ?? null,
    last_error_at: iso(a.lastErrorMs),
  };
}

/** `GET /tickd/v1/connectors`: each connector with its last event and last error. */
export interface ConnectorActivityJson extends ActivityJson {
  id: string;
  name: string;
  connector_type_id: string;
  is_missing_secrets: boolean;
  referenced_by_count: number;
}

/** `GET /tickd/v1/integrations`: each inbound source with its last event and last refusal. */
export interface IntegrationActivityJson extends ActivityJson {
  name: string;
  aliases: string[];
  path: string;
  signature_checked: boolean;
}
