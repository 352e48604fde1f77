import { describe, expect, it } from "vitest";
import { decodeJson, encodeJson } from "../../../src/store/codec.js";
import { Level } from "../../../src/core/types.js";
import {
  AlertGroupState,
  determineLevel,
  type AlertBehaviour,
  type LevelPredicates,
} from "../../../src/engine/alert-state.js";

const S = 1e9;
const base: AlertBehaviour = {
  history: 21,
  flapping: undefined,
  stateChangesOnly: false,
  stateChangesOnlyDuration: 0,
  noRecoveries: false,
  all: false,
};

function preds(
  levels: Partial<Record<Level, (v: number) => boolean>>,
  resets: Partial<Record<Level, (v: number) => boolean>> = {},
  errors: string[] = [],
): LevelPredicates<number> {
  const arr = (m: Partial<Record<Level, (v: number) => boolean>>) =>
    [undefined, m[Level.INFO], m[Level.WARNING], m[Level.CRITICAL]] as const;
  return {
    levels: arr(levels),
    resets: arr(resets),
    onError: (kind, level, err) => errors.push(`${kind} ${Level[level]}: ${String(err)}`),
  };
}

/** Runs values through determineLevel + the stream emit rule; returns [level, duration s] per emitted event. */
function run(
  values: number[],
  p: LevelPredicates<number>,
  b: AlertBehaviour = base,
): [string, number, number][] {
  const st = new AlertGroupState(b);
  const out: [string, number, number][] = [];
  values.forEach((v, i) => {
    const t = (i + 1) * S;
    st.addEvent(BigInt(t), determineLevel(p, v, st.level));
    if (st.shouldEmitPoint(BigInt(t))) out.push([Level[st.level], t / S, st.duration() / S]);
  });
  return out;
}

describe("determineLevel", () => {
  it("follows Kapacitor's documented reset example", () => {
    const p = preds(
      { [Level.INFO]: (v) => v > 60, [Level.WARNING]: (v) => v > 70, [Level.CRITICAL]: (v) => v > 80 },
      { [Level.INFO]: (v) => v < 50, [Level.WARNING]: (v) => v < 60, [Level.CRITICAL]: (v) => v < 70 },
    );
    let cur = Level.OK;
    const seen: string[] = [];
    for (const v of [61, 73, 64, 85, 62, 56, 47]) {
      cur = determineLevel(p, v, cur);
      seen.push(Level[cur]);
    }
    expect(seen).toEqual(["INFO", "WARNING", "WARNING", "CRITICAL", "INFO", "INFO", "OK"]);
  });

  it("evaluates only levels at or above the current one first, then the current one again", () => {
    const calls: string[] = [];
    const p: LevelPredicates<number> = {
      levels: [
        undefined,
        () => (calls.push("info"), false),
        () => (calls.push("warn"), false),
        () => (calls.push("crit"), false),
      ],
      resets: [],
      onError: () => undefined,
    };
    expect(determineLevel(p, 0, Level.WARNING)).toBe(Level.OK);
    expect(calls).toEqual(["crit", "warn", "warn", "info"]);
  });

  it("counts a lambda error as false and reports it", () => {
    const errors: string[] = [];
    const p = preds(
      {
        [Level.CRITICAL]: () => {
          throw new Error("no field or tag exists for value");
        },
        [Level.WARNING]: (v) => v > 1,
      },
      {},
      errors,
    );
    expect(determineLevel(p, 5, Level.OK)).toBe(Level.WARNING);
    expect(errors).toEqual(["level CRITICAL: Error: no field or tag exists for value"]);
  });

  it("runs step 3 after a reset error", () => {
    const errors: string[] = [];
    const p = preds(
      { [Level.WARNING]: (v) => v > 70 },
      {
        [Level.WARNING]: () => {
          throw new Error("boom");
        },
      },
      errors,
    );
    expect(determineLevel(p, 10, Level.WARNING)).toBe(Level.OK);
    expect(errors).toEqual(["reset WARNING: Error: boom"]);
  });
});

describe("AlertGroupState (stream)", () => {
  const crit = preds({ [Level.CRITICAL]: (v) => v > 0 });

  it("sends every non-OK point and one recovery; OK after OK sends nothing", () => {
    expect(run([0, 1, 1, 0, 0, 1], crit)).toEqual([
      ["CRITICAL", 2, 0],
      ["CRITICAL", 3, 1],
      ["OK", 4, 2],
      ["CRITICAL", 6, 0],
    ]);
  });

  it("stateChangesOnly sends level changes only", () => {
    expect(run([1, 1, 1, 0, 0, 1], crit, { ...base, stateChangesOnly: true })).toEqual([
      ["CRITICAL", 1, 0],
      ["OK", 4, 3],
      ["CRITICAL", 6, 0],
    ]);
  });

  it("stateChangesOnly(2s) re-sends an unchanged level every 2s (Kapacitor's Expired case)", () => {
    const b = { ...base, stateChangesOnly: true, stateChangesOnlyDuration: 2 * S };
    expect(run([1, 1, 1, 1, 1, 1, 1, 1, 1, 0], crit, b)).toEqual([
      ["CRITICAL", 1, 0],
      ["CRITICAL", 3, 2],
      ["CRITICAL", 5, 4],
      ["CRITICAL", 7, 6],
      ["CRITICAL", 9, 8],
      ["OK", 10, 9],
    ]);
  });

  it("noRecoveries suppresses the OK event but still closes the incident", () => {
    expect(run([1, 0, 1], crit, { ...base, noRecoveries: true })).toEqual([
      ["CRITICAL", 1, 0],
      ["CRITICAL", 3, 0],
    ]);
  });

  it("flapping suppresses everything while the weighted change rate is high", () => {
    const b: AlertBehaviour = { ...base, history: 5, flapping: { low: 0.1, high: 0.3 } };
    const st = new AlertGroupState(b);
    const seen: string[] = [];
    [1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1].forEach((v, i) => {
      const t = (i + 1) * S;
      st.addEvent(BigInt(t), v > 0 ? Level.CRITICAL : Level.OK);
      seen.push(
        `${st.percentChange().toFixed(2)}${st.flapping ? "F" : ""}${st.shouldEmitPoint(BigInt(t)) ? "!" : ""}`,
      );
    });
    // history 5: weights 0.8, 0.9, 1.0, 1.1 starting at the newest slot (whose "previous"
    // wraps to the oldest), divided by 4.
    // Worked by hand, e.g. step 1: ring [0,X,0,0,0] → 0.8 + 0.9 = 1.7 / 4 = 0.425.
    expect(seen).toEqual([
      "0.42F", // 0.425
      "0.20F", // stays flapping: 0.2 is not below low
      "0.70F",
      "0.72F", // 0.725
      "0.72F",
      "0.75F",
      "0.52F", // 0.525
      "0.47F", // 0.475
      "0.00!", // below low: flapping ends, the CRITICAL is sent
      "0.00!",
      "0.00!",
    ]);
  });

  it("snapshot and restore keep level, trigger times and the flapping ring", () => {
    const b: AlertBehaviour = { ...base, history: 4, flapping: { low: 0.2, high: 0.9 } };
    const a = new AlertGroupState(b);
    [Level.OK, Level.CRITICAL, Level.WARNING].forEach((l, i) => {
      a.addEvent(BigInt((i + 1) * S), l);
      a.shouldEmitPoint(BigInt((i + 1) * S));
    });
    const snap = decodeJson(encodeJson(a.snapshot(), "snapshot"), "snapshot") as ReturnType<
      AlertGroupState["snapshot"]
    >;
    const r = new AlertGroupState(b);
    r.restore(snap);
    expect(r.snapshot()).toEqual(a.snapshot());
    expect(r.percentChange()).toBeCloseTo(a.percentChange(), 12);
    // The ongoing incident continues: no new firstTriggered, duration grows.
    r.addEvent(BigInt(4 * S), Level.WARNING);
    expect(r.shouldEmitPoint(BigInt(4 * S))).toBe(true);
    expect(r.duration()).toBe(2 * S);
  });

  it("seed() restores a stored non-OK level so the next equal level is not a change", () => {
    const st = new AlertGroupState({ ...base, stateChangesOnly: true });
    st.seed(BigInt(10 * S), Level.CRITICAL, BigInt(5 * S));
    st.addEvent(BigInt(11 * S), Level.CRITICAL);
    expect(st.shouldEmitPoint(BigInt(11 * S))).toBe(false);
    st.addEvent(BigInt(12 * S), Level.OK);
    expect(st.shouldEmitPoint(BigInt(12 * S))).toBe(true);
    expect(st.duration()).toBe(7 * S);
  });
});

describe("AlertGroupState (batch)", () => {
  it("sends a recovery even while flapping, unlike the stream path", () => {
    const b: AlertBehaviour = { ...base, history: 2, flapping: { low: 0.1, high: 0.3 } };
    const st = new AlertGroupState(b);
    st.addEvent(BigInt(S), Level.CRITICAL);
    expect(st.flapping).toBe(true);
    expect(st.shouldEmitBatch(BigInt(S))).toBe(false);
    st.addEvent(BigInt(2 * S), Level.OK);
    expect(st.flapping).toBe(true);
    expect(st.shouldEmitBatch(BigInt(2 * S))).toBe(true);
  });
});
