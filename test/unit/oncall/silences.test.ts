import { describe, expect, it } from "vitest";
import {
  EXPIRED_RETENTION_MS,
  SilenceService,
  silenceState,
  type Matcher,
} from "../../../src/oncall/index.js";

const H = 3600_000;
const eq = (name: string, value: string): Matcher => ({ name, value, isRegex: false, isEqual: true });

function setup() {
  let now = 1_800_000_000_000;
  const svc = new SilenceService(undefined, () => now);
  return { svc, at: (t: number) => (now = t), now: () => now };
}

const base = { createdBy: "sre", comment: "maintenance" };

describe("silences", () => {
  it("are pending, then active, then expired by the clock", () => {
    const { svc, at, now } = setup();
    const t0 = now();
    const id = svc.set({ ...base, matchers: [eq("host", "a")], startsAt: t0 + H, endsAt: t0 + 2 * H });
    const s = () => silenceState(svc.get(id)!, now());
    expect(s()).toBe("pending");
    expect(svc.silencedBy({ host: "a" })).toEqual([]);
    at(t0 + H);
    expect(s()).toBe("active");
    expect(svc.silencedBy({ host: "a" })).toEqual([id]);
    expect(svc.silencedBy({ host: "b" })).toEqual([]);
    at(t0 + 2 * H);
    expect(s()).toBe("expired");
    expect(svc.silencedBy({ host: "a" })).toEqual([]);
  });

  it("a start in the past becomes now; an end in the past or no comment is refused", () => {
    const { svc, now } = setup();
    const id = svc.set({ ...base, matchers: [eq("host", "a")], startsAt: now() - H, endsAt: now() + H });
    expect(svc.get(id)!.startsAt).toBe(now());
    expect(() =>
      svc.set({ ...base, matchers: [eq("a", "b")], startsAt: now() - 2 * H, endsAt: now() - H }),
    ).toThrow(/in the past/);
    expect(() =>
      svc.set({ ...base, comment: "", matchers: [eq("a", "b")], startsAt: now(), endsAt: now() + H }),
    ).toThrow(/comment/);
    expect(() => svc.set({ ...base, matchers: [eq("a", "")], startsAt: now(), endsAt: now() + H })).toThrow(
      /must not match the empty string/,
    );
    expect(() => svc.set({ ...base, matchers: [], startsAt: now(), endsAt: now() + H })).toThrow(
      /at least one matcher/,
    );
  });

  it("updating the end of an active silence keeps its id; changing its matchers expires it and makes a new one", () => {
    const { svc, at, now } = setup();
    const t0 = now();
    const id = svc.set({ ...base, matchers: [eq("host", "a")], startsAt: t0, endsAt: t0 + H });
    at(t0 + 60_000);
    const old = svc.get(id)!;
    expect(svc.set({ ...old, endsAt: t0 + 3 * H })).toBe(id);
    expect(svc.get(id)!.endsAt).toBe(t0 + 3 * H);

    const id2 = svc.set({ ...svc.get(id)!, matchers: [eq("host", "b")] });
    expect(id2).not.toBe(id);
    expect(silenceState(svc.get(id)!, now())).toBe("expired");
    expect(svc.get(id)!.endsAt).toBe(now());
    expect(silenceState(svc.get(id2)!, now())).toBe("active");
  });

  it("moving the start of an active silence makes a new one", () => {
    const { svc, at, now } = setup();
    const t0 = now();
    const id = svc.set({ ...base, matchers: [eq("host", "a")], startsAt: t0, endsAt: t0 + H });
    at(t0 + 60_000);
    const id2 = svc.set({ ...svc.get(id)!, startsAt: t0 + 2 * 60_000, endsAt: t0 + 2 * H });
    expect(id2).not.toBe(id);
    expect(silenceState(svc.get(id)!, now())).toBe("expired");
    expect(silenceState(svc.get(id2)!, now())).toBe("pending");
  });

  it("expiring a pending silence ends it before it starts; an unknown id is a 404", () => {
    const { svc, now } = setup();
    const id = svc.set({ ...base, matchers: [eq("host", "a")], startsAt: now() + H, endsAt: now() + 2 * H });
    const s = svc.expire(id);
    expect(silenceState(s, now())).toBe("expired");
    expect(s.startsAt).toBe(now());
    expect(() => svc.expire("nope")).toThrow(expect.objectContaining({ status: 404 }));
  });

  it("expired silences are kept 120 h, then forgotten", () => {
    const { svc, at, now } = setup();
    const t0 = now();
    const id = svc.set({ ...base, matchers: [eq("host", "a")], startsAt: t0, endsAt: t0 + H });
    at(t0 + H + EXPIRED_RETENTION_MS - 1);
    expect(svc.gc()).toBe(0);
    expect(svc.get(id)).toBeDefined();
    at(t0 + H + EXPIRED_RETENTION_MS);
    expect(svc.gc()).toBe(1);
    expect(svc.get(id)).toBeUndefined();
  });
});
