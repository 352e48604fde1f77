/**
 * Grouped notifications for the `aggregate` handler (`group-by`, `group-wait`,
 * `group-interval`), as Alertmanager's route grouping: alert events that share the values of
 * the `group-by` tags go out together as one event listing them all.
 *
 * States of one group (key = the group-by tag values):
 * - absent → an event arrives: pending = [event], flush due in `group-wait`.
 * - waiting (pending non-empty, timer set) → more events join pending, in arrival order.
 * - timer fires → one grouped event with every pending alert is emitted; pending empties;
 *   `lastFlush` = now. If every alert of the group is now OK the group is forgotten (the next
 *   alert waits `group-wait` again, as Alertmanager's resolved groups); else it stays idle.
 * - idle → an event arrives: pending = [event], flush due at lastFlush + `group-interval`
 *   (at once if that has passed), so a busy group sends at most one event per interval.
 * - close(): every pending group is emitted now and the timers stop.
 * Nothing is dropped or merged: an alert that changes state twice before a flush appears
 * twice, in order. Events wait in memory only (as Kapacitor's aggregate): the notification is
 * journaled when the target topic's handlers send it.
 */
import type { AlertEvent } from "../core/alert-event.js";
import { Level } from "../core/types.js";

export interface GroupingOptions {
  groupBy: readonly string[];
  /** ns */
  groupWait: number;
  /** ns */
  groupInterval: number;
}

interface Pending {
  event: AlertEvent;
  previousLevel: Level;
}

interface Group {
  labels: Record<string, string>;
  pending: Pending[];
  timer: NodeJS.Timeout | undefined;
  lastFlush: number | undefined;
  /** Level per alert id after the last event seen: the group is forgotten when all are OK. */
  levels: Map<string, Level>;
}

export type EmitGroup = (key: string, labels: Record<string, string>, events: readonly Pending[]) => void;

export class AlertGrouper {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly o: GroupingOptions,
    private readonly emit: EmitGroup,
    private readonly now: () => number = Date.now,
  ) {}

  add(event: AlertEvent, previousLevel: Level): void {
    const labels: Record<string, string> = {};
    for (const k of this.o.groupBy) labels[k] = event.data.tags[k] ?? "";
    const key = this.o.groupBy.map((k) => `${k}=${labels[k]}`).join(",");
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { labels, pending: [], timer: undefined, lastFlush: undefined, levels: new Map() };
      this.groups.set(key, g);
    }
    g.pending.push({ event, previousLevel });
    if (event.state.level === Level.OK) g.levels.delete(event.state.id);
    else g.levels.set(event.state.id, event.state.level);
    if (g.timer !== undefined) return;
    const now = this.now();
    const dueMs =
      g.lastFlush === undefined ? this.o.groupWait / 1e6 : g.lastFlush + this.o.groupInterval / 1e6 - now;
    const group = g;
    g.timer = setTimeout(() => this.flush(key, group), Math.max(0, dueMs));
    g.timer.unref();
  }

  /** Emits every pending group now and stops the timers. */
  close(): void {
    for (const [key, g] of this.groups) {
      if (g.timer !== undefined) clearTimeout(g.timer);
      this.flush(key, g);
    }
    this.groups.clear();
  }

  /** Groups currently kept (waiting or idle). */
  get size(): number {
    return this.groups.size;
  }

  private flush(key: string, g: Group): void {
    g.timer = undefined;
    if (g.pending.length === 0) return;
    const events = g.pending;
    g.pending = [];
    g.lastFlush = this.now();
    if (g.levels.size === 0) this.groups.delete(key);
    this.emit(key, g.labels, events);
  }
}
