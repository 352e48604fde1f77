/**
 * `tickctl history`: the on-call history (`GET /tickd/v1/history`), newest first — state
 * changes, delivery attempts and on-call notes of each alert.
 */
import type { HistoryEntry } from "../../oncall/history.js";
import { printJson, runClient, type ClientOptions } from "./api.js";
import { columnWidth, padRight } from "./format.js";

export interface HistoryOptions {
  id?: string;
  topic?: string;
  task?: string;
  type?: string;
  since?: string;
  until?: string;
  limit?: string;
}

const DETAIL_WIDTH = 100;

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > DETAIL_WIDTH ? `${flat.slice(0, DETAIL_WIDTH - 1)}…` : flat;
}

/** What happened, in one line: "OK → CRITICAL: msg", "failed #3 HTTP 500 via h: error". */
export function describeEntry(e: HistoryEntry): string {
  switch (e.type) {
    case "state":
      return `${e.previous_level ?? ""} → ${e.level ?? ""}${e.message ? `: ${e.message}` : ""}`;
    case "delivery": {
      const http = e.http_status !== undefined && e.http_status > 0 ? ` HTTP ${e.http_status}` : "";
      const err = e.error ? `: ${e.error}` : "";
      return `${e.handler ?? ""} ${e.status ?? ""} (attempt ${e.attempt ?? 0})${http}${err}`;
    }
    default:
      return `${e.status ?? ""}${e.handler ? ` by ${e.handler}` : ""}${e.message ? `: ${e.message}` : ""}`;
  }
}

export function runHistory(o: HistoryOptions, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(o)) if (typeof v === "string" && v !== "") q.set(k, v);
    const query = q.toString();
    const res = await api.get(`/tickd/v1/history${query !== "" ? `?${query}` : ""}`);
    const rows = (res.body as { history?: HistoryEntry[] } | undefined)?.history ?? [];
    if (opts.json) {
      printJson(opts, { history: rows });
      return 0;
    }
    const cells = rows.map((e) => ({
      time: e.time,
      type: e.type as string,
      topic: e.topic,
      alert: e.alert_id,
      what: oneLine(describeEntry(e)),
    }));
    const w = {
      time: columnWidth(
        cells.map((c) => c.time),
        4,
      ),
      type: columnWidth(
        cells.map((c) => c.type),
        4,
      ),
      topic: columnWidth(
        cells.map((c) => c.topic),
        5,
      ),
      alert: columnWidth(
        cells.map((c) => c.alert),
        5,
      ),
    };
    const row = (c: (typeof cells)[number]): string =>
      `${padRight(c.time, w.time)}${padRight(c.type, w.type)}${padRight(c.topic, w.topic)}` +
      `${padRight(c.alert, w.alert)}${c.what}`.trimEnd() +
      "\n";
    let text = row({ time: "Time", type: "Type", topic: "Topic", alert: "Alert", what: "What" });
    for (const c of cells) text += row(c);
    opts.out(text);
    return 0;
  });
}
