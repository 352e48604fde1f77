/**
 * `tickctl deliveries`: the delivery journal (`GET /tickd/v1/deliveries`) as a table, and the
 * two operations on one failed notification: `retry <id>` (POST …/<id>/retry) and
 * `delete <id>` (DELETE …/<id>).
 */
import { printJson, runClient, UsageError, type ClientOptions } from "./api.js";
import type { DeliveryView } from "../../delivery/types.js";
import { columnWidth, padLeft, padRight } from "./format.js";

/** One row of `GET /tickd/v1/deliveries`, as the server writes it. */
export type DeliveryRow = DeliveryView;

export interface ListDeliveriesOptions {
  status?: string;
  handler?: string;
  limit?: string;
}

/** The last error is cut to this many characters in the table (`--json` has it whole). */
const ERROR_WIDTH = 80;

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > ERROR_WIDTH ? `${flat.slice(0, ERROR_WIDTH - 1)}…` : flat;
}

/** `tickctl deliveries [--status s] [--handler h] [--limit n]`: newest first. */
export function runListDeliveries(o: ListDeliveriesOptions, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const q = new URLSearchParams();
    if (o.handler !== undefined && o.handler !== "") q.set("handler", o.handler);
    if (o.status !== undefined && o.status !== "") q.set("status", o.status);
    if (o.limit !== undefined && o.limit !== "") q.set("limit", o.limit);
    const query = q.toString();
    const res = await api.get(`/tickd/v1/deliveries${query !== "" ? `?${query}` : ""}`);
    const rows = ((res.body as { deliveries?: DeliveryRow[] } | undefined)?.deliveries ?? []).slice();
    if (opts.json) {
      printJson(opts, { deliveries: rows });
      return 0;
    }
    const cells = rows.map((d) => ({
      id: String(d.id),
      status: String(d.status),
      handler: d.handler,
      topic: d.topic,
      alert: d.alert_id,
      attempts: String(d.attempts),
      when: d.status === "retrying" && d.next_retry !== null ? `next ${d.next_retry}` : d.updated,
      error: oneLine(d.last_error),
    }));
    const w = {
      id: columnWidth(
        cells.map((c) => c.id),
        2,
      ),
      status: columnWidth(
        cells.map((c) => c.status),
        6,
      ),
      handler: columnWidth(
        cells.map((c) => c.handler),
        7,
      ),
      topic: columnWidth(
        cells.map((c) => c.topic),
        5,
      ),
      alert: columnWidth(
        cells.map((c) => c.alert),
        5,
      ),
      when: columnWidth(
        cells.map((c) => c.when),
        7,
      ),
    };
    const row = (c: (typeof cells)[number]): string =>
      `${padLeft(c.id, w.id - 1)} ${padRight(c.status, w.status)}${padRight(c.handler, w.handler)}` +
      `${padRight(c.topic, w.topic)}${padRight(c.alert, w.alert)}${padLeft(c.attempts, 8)} ` +
      `${padRight(c.when, w.when)}${c.error}`.trimEnd() +
      "\n";
    let text = row({
      id: "ID",
      status: "Status",
      handler: "Handler",
      topic: "Topic",
      alert: "Alert",
      attempts: "Attempts",
      when: "Updated",
      error: "Last Error",
    });
    for (const c of cells) text += row(c);
    opts.out(text);
    return 0;
  });
}

function deliveryId(id: string): number {
  if (!/^\d{1,15}$/.test(id))
    throw new UsageError(`invalid delivery id ${JSON.stringify(id)}: expected a number`);
  return Number(id);
}

/** `tickctl deliveries retry <id>`: a failed notification is queued again. */
export function runRetryDelivery(id: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const n = deliveryId(id);
    const res = await api.request("POST", `/tickd/v1/deliveries/${n}/retry`);
    const d = (res.body as { delivery?: DeliveryRow } | undefined)?.delivery;
    if (opts.json) printJson(opts, res.body);
    else opts.out(`delivery ${n} queued again${d !== undefined ? ` (${d.handler} → ${d.url})` : ""}\n`);
    return 0;
  });
}

/** `tickctl deliveries delete <id>`: removes a notification from the journal (a pending one is cancelled). */
export function runDeleteDelivery(id: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const n = deliveryId(id);
    await api.request("DELETE", `/tickd/v1/deliveries/${n}`);
    if (!opts.json) opts.out(`delivery ${n} deleted\n`);
    return 0;
  });
}
