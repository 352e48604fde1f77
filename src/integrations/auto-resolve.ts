/**
 * Resolves alerts whose vendor never sends a resolve (Elasticsearch Watcher) after a quiet
 * period. One timer per (topic, event id):
 *   idle ──arm──▶ armed ──arm again (a new alert)──▶ armed (timer restarted)
 *   armed ──cancel (the vendor resolved it)──▶ idle
 *   armed ──timer──▶ idle, `onExpire(topic, alert)` collects the resolve
 * `close()` drops every timer (daemon stop). Timers live in memory: after a restart an alert
 * that was armed stays open until the vendor fires again (and re-arms it) or it is resolved.
 */
import type { SourceAlert } from "./sources/index.js";

/** setTimeout's largest delay (~24.8 days); longer waits are cut to it. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class AutoResolver {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly onExpire: (topic: string, alert: SourceAlert) => void) {}

  arm(topic: string, alert: SourceAlert, afterNs: number): void {
    const key = `${topic}\0${alert.id}`;
    this.cancel(topic, alert.id);
    const t = setTimeout(
      () => {
        this.timers.delete(key);
        this.onExpire(topic, alert);
      },
      Math.min(MAX_DELAY_MS, Math.max(1, Math.round(afterNs / 1e6))),
    );
    t.unref();
    this.timers.set(key, t);
  }

  cancel(topic: string, id: string): void {
    const key = `${topic}\0${id}`;
    const t = this.timers.get(key);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(key);
    }
  }

  get size(): number {
    return this.timers.size;
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
