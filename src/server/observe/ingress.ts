/**
 * Points received per database, retention policy and measurement: Kapacitor's `ingress`
 * statistic (`kapacitor stats ingress`, Telegraf's `kapacitor_ingress`). Every point counts,
 * whether or not a task wants it.
 *
 * Hot path: one call per write batch. Consecutive points of one measurement (the usual shape
 * of a Telegraf batch) cost one comparison each; the map is touched once per run.
 */
import type { Point } from "../../core/types.js";

export interface IngressRow {
  database: string;
  retentionPolicy: string;
  measurement: string;
  pointsReceived: number;
}

export class IngressCounter {
  /** db → rp → measurement → points. */
  private readonly counts = new Map<string, Map<string, Map<string, number>>>();

  count(db: string, rp: string, points: readonly Point[]): void {
    const n = points.length;
    if (n === 0) return;
    let byRp = this.counts.get(db);
    if (byRp === undefined) this.counts.set(db, (byRp = new Map()));
    let byName = byRp.get(rp);
    if (byName === undefined) byRp.set(rp, (byName = new Map()));
    let name = points[0]!.name;
    let run = 0;
    for (let i = 0; i < n; i++) {
      const m = points[i]!.name;
      if (m !== name) {
        byName.set(name, (byName.get(name) ?? 0) + run);
        name = m;
        run = 0;
      }
      run++;
    }
    byName.set(name, (byName.get(name) ?? 0) + run);
  }

  /** Sorted by database, retention policy, measurement. */
  rows(): IngressRow[] {
    const out: IngressRow[] = [];
    for (const [database, byRp] of this.counts) {
      for (const [retentionPolicy, byName] of byRp) {
        for (const [measurement, pointsReceived] of byName) {
          out.push({ database, retentionPolicy, measurement, pointsReceived });
        }
      }
    }
    const key = (r: IngressRow): string => `${r.database}\u0000${r.retentionPolicy}\u0000${r.measurement}`;
    return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
}
