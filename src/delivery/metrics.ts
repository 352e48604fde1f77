/**
 * Prometheus text for the delivery layer. Every family is prefixed `tickd_deliver`, so the
 * output of {@link MetricsRegistry.render} can be concatenated with other modules' text
 * (the engine's) into one `/metrics` answer; {@link createMetricsRoute} does exactly that.
 */
import type { DeliveryStatus } from "../store/delivery-journal.js";
import type { ExtraRoute } from "../server/http/types.js";

export type Outcome = "delivered" | "failed" | "retried";

interface LaneView {
  readonly topic: string;
  readonly handler: string;
  readonly queue: { readonly size: number; readonly pending: number };
  readonly retrying: number;
  /** Waiting for an earlier notification of the same alert before entering the queue. */
  readonly chained: number;
}

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

export class MetricsRegistry {
  /** Notifications refused because the journal was full. */
  refused = 0;
  /** Group commits of the journal that failed (retried; see the error log). */
  journalErrors = 0;
  private readonly outcomes = new Map<
    string,
    { topic: string; handler: string; n: Record<Outcome, number> }
  >();
  /** The same entries by topic, then handler: counting builds no key per notification. */
  private readonly byTopic = new Map<
    string,
    Map<string, { topic: string; handler: string; n: Record<Outcome, number> }>
  >();

  count(topic: string, handler: string, outcome: Outcome): void {
    let handlers = this.byTopic.get(topic);
    if (handlers === undefined) {
      handlers = new Map();
      this.byTopic.set(topic, handlers);
    }
    let e = handlers.get(handler);
    if (e === undefined) {
      e = { topic, handler, n: { delivered: 0, failed: 0, retried: 0 } };
      handlers.set(handler, e);
      this.outcomes.set(`${topic}\0${handler}`, e);
    }
    e.n[outcome]++;
  }

  render(lanes: Iterable<LaneView>, journal: Record<DeliveryStatus, number>, capacity: number): string {
    const out: string[] = [];
    out.push(
      "# HELP tickd_deliveries_total Notification outcomes per handler: delivered (2xx), failed (permanent or attempts used up), retried (an attempt that will be repeated).",
      "# TYPE tickd_deliveries_total counter",
    );
    for (const e of this.outcomes.values()) {
      for (const o of ["delivered", "failed", "retried"] as const) {
        out.push(
          `tickd_deliveries_total${labels({ topic: e.topic, handler: e.handler, outcome: o })} ${e.n[o]}`,
        );
      }
    }
    const laneList = [...lanes];
    out.push(
      "# HELP tickd_delivery_queue_depth Notifications waiting or in flight in a handler's queue.",
      "# TYPE tickd_delivery_queue_depth gauge",
    );
    for (const l of laneList) {
      out.push(
        `tickd_delivery_queue_depth${labels({ topic: l.topic, handler: l.handler })} ${l.queue.size + l.queue.pending + l.chained + l.retrying}`,
      );
    }
    out.push(
      "# HELP tickd_delivery_retrying Notifications of a handler waiting for their next attempt.",
      "# TYPE tickd_delivery_retrying gauge",
    );
    for (const l of laneList) {
      out.push(`tickd_delivery_retrying${labels({ topic: l.topic, handler: l.handler })} ${l.retrying}`);
    }
    out.push(
      "# HELP tickd_delivery_journal_rows Rows in the delivery journal by status.",
      "# TYPE tickd_delivery_journal_rows gauge",
    );
    for (const s of ["queued", "retrying", "delivered", "failed"] as const) {
      out.push(`tickd_delivery_journal_rows${labels({ status: s })} ${journal[s]}`);
    }
    out.push(
      "# HELP tickd_delivery_journal_capacity Pending rows the journal accepts before refusing notifications.",
      "# TYPE tickd_delivery_journal_capacity gauge",
      `tickd_delivery_journal_capacity ${capacity}`,
      "# HELP tickd_delivery_refused_total Notifications refused because the journal was full.",
      "# TYPE tickd_delivery_refused_total counter",
      `tickd_delivery_refused_total ${this.refused}`,
      "# HELP tickd_delivery_journal_errors_total Journal writes (new rows and outcomes of one turn) that failed and were retried.",
      "# TYPE tickd_delivery_journal_errors_total counter",
      `tickd_delivery_journal_errors_total ${this.journalErrors}`,
    );
    return out.join("\n") + "\n";
  }
}

/** One `GET /metrics` route answering the concatenated text of every source. */
export function createMetricsRoute(
  sources: readonly (() => string)[],
  opts: { public?: boolean } = {},
): ExtraRoute {
  return {
    method: "GET",
    path: "/metrics",
    public: opts.public ?? false,
    handle(ctx) {
      const text = sources.map((s) => s()).join("");
      ctx.text(200, text, "text/plain; version=0.0.4; charset=utf-8");
    },
  };
}
