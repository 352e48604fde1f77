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

  /** A stored non-OK state for `id`, first found in `topics` order (Kapacitor: anonymous first). */
  restore(topics: readonly string[], id: string): { level: Level; time: number } | undefined {
    for (const name of topics) {
      const s = this.topics.get(name)?.events.get(id);
      if (s !== undefined && s.level !== Level.OK) return { level: s.level, time: s.time };
    }
    return undefined;
  }
}
