/**
 * Counters of inbound integration requests for `/metrics`
 * (`tickd_integration_requests_total{source,outcome}`) and the last event and last refusal
 * per source (for `GET /tickd/v1/integrations` and the console; kept in SQLite by the daemon). Unknown source names are
 * counted under `source="unknown"` so a scanner cannot grow the label set.
 */
import type { Activity } from "../core/activity.js";
import { escapeLabel } from "../delivery/index.js";
import { MemoryActivity, type ActivityLog } from "../store/activity.js";

export class IntegrationMetrics {
  private readonly counts = new Map<string, { source: string; outcome: string; n: number }>();

  /** `activity`: where the last event and refusal per source are kept (SQLite in the daemon). */
  constructor(private readonly activity: ActivityLog = new MemoryActivity()) {}

  count(source: string, outcome: string): void {
    const key = `${source}\0${outcome}`;
    const e = this.counts.get(key);
    if (e !== undefined) e.n++;
    else this.counts.set(key, { source, outcome, n: 1 });
  }

  /** Records an accepted request (`error` undefined) or a refusal. */
  touch(source: string, at: number, error?: string): void {
    this.activity.record("integration", source, at, error);
  }

  activityOf(source: string): Activity {
    return this.activity.get("integration", source);
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
