/**
 * Silences with Alertmanager's semantics (DESIGN §12).
 *
 * States, by the wall clock: pending (now < startsAt) → active (startsAt ≤ now < endsAt) →
 * expired (endsAt ≤ now). Expiring a silence sets endsAt = now (a pending one gets
 * startsAt = endsAt = now). Expired silences are kept 120 h, then forgotten.
 *
 * Creating with an id updates that silence in place only when Alertmanager would: same
 * matchers, and for an active silence the same start and an end not in the past; for a
 * pending one a start not in the past. Otherwise the old silence is expired (unless it already
 * is) and a new one with a new id is made. An expired silence is never changed.
 *
 * Every change is written through `persistence` before it is visible.
 */
import { randomUUID } from "node:crypto";
import type { LabelSet } from "./labels.js";
import { compileMatcher, matchAll, MatcherError, type CompiledMatcher, type Matcher } from "./matchers.js";

export type SilenceState = "pending" | "active" | "expired";

/** Times are Unix ms. */
export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  createdBy: string;
  comment: string;
  /** Set when the silence is a snooze of one alert (tickd): its topic and alert id. */
  snooze?: { topic: string; alertId: string } | undefined;
}

export interface PostableSilence {
  id?: string | undefined;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  snooze?: { topic: string; alertId: string } | undefined;
}

export interface SilencePersistence {
  load(): Iterable<Silence>;
  put(s: Silence): void;
  delete(id: string): void;
}

/** A silence the API refuses (400), or an unknown id (404). */
export class SilenceError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = "SilenceError";
  }
}

export const EXPIRED_RETENTION_MS = 120 * 3600 * 1000;

export function silenceState(s: Silence, now: number): SilenceState {
  if (now < s.startsAt) return "pending";
  if (now < s.endsAt) return "active";
  return "expired";
}

interface Entry {
  silence: Silence;
  compiled: CompiledMatcher[];
}

function sameMatchers(a: readonly Matcher[], b: readonly Matcher[]): boolean {
  const key = (ms: readonly Matcher[]) =>
    ms
      .map((m) => JSON.stringify([m.name, m.value, m.isRegex === true, m.isEqual !== false]))
      .sort()
      .join("\n");
  return key(a) === key(b);
}

export class SilenceService {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly persistence: SilencePersistence | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  open(): void {
    for (const s of this.persistence?.load() ?? []) {
      try {
        this.entries.set(s.id, { silence: s, compiled: s.matchers.map(compileMatcher) });
      } catch {
        // A stored silence whose regex no longer compiles cannot match anything: skip it.
      }
    }
  }

  get(id: string): Silence | undefined {
    const e = this.entries.get(id);
    return e === undefined ? undefined : copy(e.silence);
  }

  list(): Silence[] {
    return [...this.entries.values()].map((e) => copy(e.silence));
  }

  size(): number {
    return this.entries.size;
  }

  /** Creates or updates (see the header); returns the id of the silence now in force. */
  set(p: PostableSilence): string {
    const changes = this.plan(p);
    for (const s of changes) this.apply(s.id, s);
    return changes[changes.length - 1]!.id;
  }

  /**
   * The silences {@link set} would store, checked with its errors, in order: the old one
   * expired (when the change makes a new silence), then the one in force. Changes nothing:
   * cluster mode (src/cluster/config-writes.ts) sends them through the config topic.
   */
  plan(p: PostableSilence): Silence[] {
    const now = this.now();
    const compiled = validate(p, now);
    let startsAt = p.startsAt;
    if (startsAt < now) startsAt = now;
    const matchers = compiled.map(({ name, value, isRegex, isEqual }) => ({ name, value, isRegex, isEqual }));
    const out: Silence[] = [];
    if (p.id !== undefined && p.id !== "") {
      const old = this.entries.get(p.id);
      if (old === undefined) throw new SilenceError(404, `silence ${p.id} not found`);
      if (canUpdate(old.silence, { ...p, startsAt: p.startsAt }, now)) {
        return [
          {
            ...copy(old.silence),
            matchers,
            startsAt: silenceState(old.silence, now) === "active" ? old.silence.startsAt : startsAt,
            endsAt: p.endsAt,
            createdBy: p.createdBy,
            comment: p.comment,
            updatedAt: now,
          },
        ];
      }
      if (silenceState(old.silence, now) !== "expired") out.push(expired(old.silence, now));
    }
    out.push({
      id: randomUUID(),
      matchers,
      startsAt,
      endsAt: p.endsAt,
      updatedAt: now,
      createdBy: p.createdBy,
      comment: p.comment,
      ...(p.snooze !== undefined ? { snooze: { ...p.snooze } } : {}),
    });
    return out;
  }

  /** Expires the silence now. 404 when unknown; an expired one is left as it is. */
  expire(id: string): Silence {
    const next = this.planExpire(id);
    if (next === undefined) return copy(this.entries.get(id)!.silence);
    this.apply(id, next);
    return copy(next);
  }

  /** What {@link expire} would store (404 when unknown), or undefined when it is expired already. */
  planExpire(id: string): Silence | undefined {
    const e = this.entries.get(id);
    if (e === undefined) throw new SilenceError(404, `silence ${id} not found`);
    const now = this.now();
    if (silenceState(e.silence, now) === "expired") return undefined;
    return expired(e.silence, now);
  }

  /**
   * Stores a silence as it is, or forgets it (null): what {@link set} and {@link expire}
   * end in, and what cluster mode applies from the config topic. Throws MatcherError when
   * a matcher does not compile (nothing is stored then).
   */
  apply(id: string, s: Silence | null): void {
    if (s === null) {
      this.persistence?.delete(id);
      this.entries.delete(id);
      return;
    }
    const compiled = s.matchers.map(compileMatcher);
    this.persistence?.put(s);
    this.entries.set(id, { silence: s, compiled });
  }

  /** Ids of the active silences matching the labels. */
  silencedBy(labels: Readonly<LabelSet>, now = this.now()): string[] {
    if (this.entries.size === 0) return [];
    const out: string[] = [];
    for (const { silence, compiled } of this.entries.values()) {
      if (now < silence.startsAt || now >= silence.endsAt) continue;
      if (matchAll(compiled, labels)) out.push(silence.id);
    }
    return out;
  }

  /** Silences (any state) whose matchers all match the labels: a preview of what a silence matches. */
  matching(labels: Readonly<LabelSet>): Silence[] {
    return [...this.entries.values()].filter((e) => matchAll(e.compiled, labels)).map((e) => copy(e.silence));
  }

  /** Forgets silences expired more than 120 h ago; returns how many. */
  gc(now = this.now()): number {
    let n = 0;
    for (const [id, e] of this.entries) {
      if (e.silence.endsAt + EXPIRED_RETENTION_MS <= now) {
        this.persistence?.delete(id);
        this.entries.delete(id);
        n++;
      }
    }
    return n;
  }
}

/** `s` expired at `now` (a pending one gets startsAt = endsAt = now). */
function expired(s: Silence, now: number): Silence {
  const pending = silenceState(s, now) === "pending";
  return { ...copy(s), endsAt: now, startsAt: pending ? now : s.startsAt, updatedAt: now };
}

function canUpdate(old: Silence, p: PostableSilence, now: number): boolean {
  if (!sameMatchers(old.matchers, p.matchers)) return false;
  switch (silenceState(old, now)) {
    case "active":
      return p.startsAt === old.startsAt && p.endsAt >= now;
    case "pending":
      return p.startsAt >= now;
    default:
      return false;
  }
}

function validate(p: PostableSilence, now: number): CompiledMatcher[] {
  if (!Array.isArray(p.matchers) || p.matchers.length === 0)
    throw new SilenceError(400, "silence invalid: at least one matcher required");
  let compiled: CompiledMatcher[];
  try {
    compiled = p.matchers.map(compileMatcher);
  } catch (e) {
    throw new SilenceError(400, `silence invalid: ${e instanceof MatcherError ? e.message : String(e)}`);
  }
  if (compiled.every((m) => m.test({}))) {
    throw new SilenceError(400, "silence invalid: at least one matcher must not match the empty string");
  }
  if (!Number.isFinite(p.startsAt) || !Number.isFinite(p.endsAt))
    throw new SilenceError(400, "silence invalid: startsAt and endsAt must be RFC 3339 times");
  if (p.endsAt < p.startsAt)
    throw new SilenceError(400, "silence invalid: end time must not be before start time");
  if (p.endsAt <= now) throw new SilenceError(400, "silence invalid: end time can't be in the past");
  if (typeof p.createdBy !== "string" || p.createdBy === "")
    throw new SilenceError(400, "silence invalid: createdBy is missing");
  if (typeof p.comment !== "string" || p.comment === "")
    throw new SilenceError(400, "silence invalid: comment is missing");
  return compiled;
}

function copy(s: Silence): Silence {
  return {
    ...s,
    matchers: s.matchers.map((m) => ({ ...m })),
    ...(s.snooze !== undefined ? { snooze: { ...s.snooze } } : {}),
  };
}
