/**
 * Counters of inbound integration requests for `/metrics`
 * (`tickd_integration_requests_total{source,outcome}`) and the last event and last refusal
 * per source (for `GET /tickd/v1/integrations` and the console). Unknown source names are
 * counted under `source="unknown"` so a scanner cannot grow the label set.
 */
import { escapeLabel } from "../delivery/index.js";

export interface SourceActivity {
  /** ms, when the last request of this source was accepted. */
  lastEventAt?: number;
  /** ms and reason of the last refused request. */
  lastErrorAt?: number;
  lastError?: string;
}

export class IntegrationMetrics {
  private readonly counts = new Map<string, { source: string; outcome: string; n: number }>();
  private readonly activity = new Map<string, SourceActivity>();

  count(source: string, outcome: string): void {
    const key = `${source}\0${outcome}`;
    const e = this.counts.get(key);
    if (e !== undefined) e.n++;
    else this.counts.set(key, { source, outcome, n: 1 });
  }

  /** Records an accepted request (`error` undefined) or a refusal. */
  touch(source: string, at: number, error?: string): void {
    const a = this.activity.get(source) ?? {};
    if (error === undefined) a.lastEventAt = at;
    else {
      a.lastErrorAt = at;
      a.lastError = error;
    }
    this.activity.set(source, a);
  }

  activityOf(source: string): SourceActivity {
    return { ...this.activity.get(source) };
  }

  render(): string {
    const out = [
      "# HELP tickd_integration_requests_total Inbound integration requests by source and outcome (accepted, ignored, bad_signature, missing_signature, malformed, too_large, unknown_source, subscribe_confirmed, subscribe_refused, failed).",
      "# TYPE tickd_integration_requests_total counter",
    ];
    for (const e of this.counts.values()) {
      out.push(
        `tickd_integration_requests_total{source="${escapeLabel(e.source)}",outcome="${escapeLabel(e.outcome)}"} ${e.n}`,
      );
    }
    return out.join("\n") + "\n";
  }
}
