/**
 * Topics: each keeps the last state per event id (Kapacitor's alert service). Collecting an
 * event returns the topic's previous level for that id — `previousLevel` is per topic, so
 * the same event can be a change in one topic and not in another.
 *
 * States: an id is unknown (previous level OK) until its first event; every event replaces
 * the stored state, OK included (an OK state stays in memory; persistence deletes it).
 */
import type { AlertEvent, AlertEventState } from "../core/alert-event.js";
import { Level } from "../core/types.js";

export class Topic {
  readonly events = new Map<string, AlertEventState>();
  collected = 0;

  constructor(readonly id: string) {}

  /** The highest stored level (OK when empty). */
  level(): Level {
    let max = Level.OK;
    for (const s of this.events.values()) if (s.level > max) max = s.level;
    return max;
  }
}

export class TopicStore {
  private readonly topics = new Map<string, Topic>();

  /** Records the event in `topic`; returns the level stored for its id before it. */
  collect(topic: string, e: AlertEvent): Level {
    const t = this.ensure(topic);
    t.collected++;
    const prev = t.events.get(e.state.id)?.level ?? Level.OK;
    t.events.set(e.state.id, e.state);
    return prev;
  }

  ensure(topic: string): Topic {
    let t = this.topics.get(topic);
    if (t === undefined) {
      t = new Topic(topic);
      this.topics.set(topic, t);
    }
    return t;
  }

  get(topic: string): Topic | undefined {
    return this.topics.get(topic);
  }

  delete(topic: string): boolean {
    return this.topics.delete(topic);
  }

  list(): Topic[] {
    return [...this.topics.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Kapacitor's restoreEvent, run whenever a group of an alert node starts (not only after a
   * restart): which stored state seeds the group, and the node's topics brought in line.
   * `topics` are the node's topics as routed — [anonymous, named] for a node with handlers and
   * a `.topic()`, else its single topic, or none (nothing is restored). The first (anonymous)
   * topic's state wins. When the two disagree on the level, the loser is overwritten: with the
   * anonymous state when both have one, with the named state when only it has one. A state kept
   * in memory with level OK counts as found, so it wins too (and seeds nothing). Copies do not
   * count as collected.
   */
  restoreEvent(
    topics: readonly string[],
    id: string,
  ): { state: AlertEventState | undefined; copied?: { topic: string; state: AlertEventState } } {
    const [first, second] = topics;
    const a = first === undefined ? undefined : this.topics.get(first)?.events.get(id);
    if (second === undefined) return { state: a };
    const n = this.topics.get(second)?.events.get(id);
    if ((a?.level ?? Level.OK) !== (n?.level ?? Level.OK)) {
      if (a !== undefined && n !== undefined) {
        this.ensure(second).events.set(id, a);
        return { state: a, copied: { topic: second, state: a } };
      }
      if (n !== undefined) {
        this.ensure(first!).events.set(id, n);
        return { state: n, copied: { topic: first!, state: n } };
      }
    }
    return { state: a ?? n };
  }

  /** restoreEvent's seed for a starting group: a non-OK level and its time, if any. */
  restore(topics: readonly string[], id: string): { level: Level; time: bigint } | undefined {
    return seedOf(this.restoreEvent(topics, id).state);
  }
}

/** A restored state seeds a group only when it is not OK. */
export function seedOf(s: AlertEventState | undefined): { level: Level; time: bigint } | undefined {
  return s === undefined || s.level === Level.OK ? undefined : { level: s.level, time: s.time };
}
