/**
 * Holt-Winters forecasting as InfluxDB 1.x's HOLT_WINTERS() / HOLT_WINTERS_WITH_FIT() compute
 * it (Kapacitor's holtWinters nodes delegate to that reducer). Written from the algorithm's
 * published facts, not from its source:
 *
 * - Damped additive-trend, multiplicative-season recursions with parameters alpha, beta,
 *   gamma, phi (all clamped to [0, 1]) plus the initial level l0, trend b0 and m seasonals.
 * - Points are bucketed on `interval` (times rounded to the nearest multiple, halves down);
 *   a later point in an already used bucket is dropped, empty buckets are NaN (skipped in the
 *   error sum). Seasonal when m ≥ 2.
 * - Initial guesses: seasonal l0 = mean of the first season, b0 = Σ (y[m+i] − y[i]) / m²,
 *   s[i] = y[i] / l0; otherwise l0 = y0 / 2, b0 = (y1 − y0) / 2.
 * - Fit: for each alpha, beta, gamma, phi in {0.3, 0.7} (16 starts) a Nelder–Mead search
 *   (reflection 1, contraction ½, expansion 2, ≤1000 iterations, stop when the spread of the
 *   simplex values < 1e-4, unit simplex scale) minimises the sum of squared one-step errors;
 *   the lowest wins (first found on ties).
 * - The error function works on the vertex it is given: it clamps the four smoothing
 *   parameters in place and uses the vertex's seasonal slots as its ring buffer, so the
 *   vertices change as they are evaluated. Reproduced here, since the results depend on it.
 * - Output: without fit, h points at last point time + k·interval (k = 1…h); with fit, one
 *   point per bucket from the first point's time, then the h forecasts. NaN forecasts are
 *   left out.
 * - Fewer than 2 points, fewer points than m (seasonal), h ≤ 0 or a single bucket: nothing.
 */

import { durationNs } from "../../core/time.js";

const GUESS_LOW = 0.3;
const GUESS_HIGH = 1.0;
const GUESS_STEP = 0.4;
const EPSILON = 1e-4;
const MAX_ITERATIONS = 1000;

export interface HWPoint {
  /** Exact int64 ns. */
  time: bigint;
  value: number;
}

function roundTime(t: bigint, interval: bigint): bigint {
  // Go's integer division truncates toward zero, as bigint division does.
  const rem = t % interval;
  const q = t / interval;
  return rem > interval / 2n ? (q + 1n) * interval : q * interval;
}

class Model {
  constructor(
    readonly y: readonly number[],
    readonly seasonal: boolean,
  ) {}

  /** Runs the recursions over y and h more steps; mutates `params` as described above. */
  forecast(h: number, params: number[]): number[] {
    for (let i = 0; i < 4; i++) params[i] = Math.min(1, Math.max(0, params[i]!));
    const [alpha, beta, gamma, phi] = params as [number, number, number, number];
    let yT = this.y[0]!;
    let phiH = phi;
    let lT = params[4]!;
    let bT = params[5]!;
    const m = this.seasonal ? params.length - 6 : 0;
    let so = m - 1;
    if (this.seasonal && m === 1) params[6] = 1;
    const n = this.y.length + h;
    const out = new Array<number>(n);
    out[0] = yT;
    let stm = 1;
    let stmh = 1;
    for (let t = 1; t < n; t++) {
      if (this.seasonal) {
        const hm = t % m;
        stm = params[6 + ((t - m + so) % m)]!;
        stmh = params[6 + ((t - m + hm + so) % m)]!;
      }
      const lPrev = lT;
      const bPrev = bT;
      lT = alpha * (yT / stm) + (1 - alpha) * (lPrev + phi * bPrev);
      bT = beta * (lT - lPrev) + (1 - beta) * phi * bPrev;
      const sT = gamma * (yT / (lPrev + phi * bPrev)) + (1 - gamma) * stm;
      yT = (lT + phiH * bT) * stmh;
      phiH += Math.pow(phi, t);
      if (this.seasonal) {
        params[6 + ((t + so) % m)] = sT;
        so++;
      }
      out[t] = yT;
    }
    return out;
  }

  sse(params: number[]): number {
    const f = this.forecast(0, params);
    let sum = 0;
    for (let i = 0; i < f.length; i++) {
      const yi = this.y[i]!;
      if (Number.isNaN(yi)) continue;
      const fi = f[i]!;
      if (Number.isNaN(fi)) return Infinity;
      sum += (fi - yi) * (fi - yi);
    }
    return sum;
  }
}

/** Nelder–Mead minimisation (coefficients 1, ½, 2); returns the best value and a copy of its vertex. */
function nelderMead(fn: (x: number[]) => number, start: readonly number[]): { min: number; x: number[] } {
  const n = start.length;
  const scale = 1;
  const pn = (scale * (Math.sqrt(n + 1) - 1 + n)) / (n * Math.SQRT2);
  const qn = (scale * (Math.sqrt(n + 1) - 1)) / (n * Math.SQRT2);
  const v: number[][] = [start.slice()];
  for (let i = 1; i <= n; i++) v.push(start.map((s, j) => s + (i - 1 === j ? pn : qn)));
  const f = v.map((x) => fn(x));
  const vr = new Array<number>(n);
  const ve = new Array<number>(n);
  const vc = new Array<number>(n);
  const vm = new Array<number>(n);
  for (let itr = 1; itr <= MAX_ITERATIONS; itr++) {
    let vg = 0;
    let vs = 0;
    for (let i = 0; i <= n; i++) {
      if (f[i]! > f[vg]!) vg = i;
      if (f[i]! < f[vs]!) vs = i;
    }
    let vh = vs;
    for (let i = 0; i <= n; i++) if (f[i]! > f[vh]! && f[i]! < f[vg]!) vh = i;
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (let k = 0; k <= n; k++) if (k !== vg) c += v[k]![i]!;
      vm[i] = c / n;
    }
    for (let i = 0; i < n; i++) vr[i] = vm[i]! + (vm[i]! - v[vg]![i]!);
    const fr = fn(vr);
    if (fr < f[vh]! && fr >= f[vs]!) {
      for (let i = 0; i < n; i++) v[vg]![i] = vr[i]!;
      f[vg] = fr;
    }
    if (fr < f[vs]!) {
      for (let i = 0; i < n; i++) ve[i] = vm[i]! + 2 * (vr[i]! - vm[i]!);
      const fe = fn(ve);
      const take = fe < fr ? ve : vr;
      for (let i = 0; i < n; i++) v[vg]![i] = take[i]!;
      f[vg] = fe < fr ? fe : fr;
    }
    if (fr >= f[vh]!) {
      if (fr < f[vg]! && fr >= f[vh]!) {
        for (let i = 0; i < n; i++) vc[i] = vm[i]! + 0.5 * (vr[i]! - vm[i]!);
      } else {
        for (let i = 0; i < n; i++) vc[i] = vm[i]! - 0.5 * (vm[i]! - v[vg]![i]!);
      }
      const fc = fn(vc);
      if (fc < f[vg]!) {
        for (let i = 0; i < n; i++) v[vg]![i] = vc[i]!;
        f[vg] = fc;
      } else {
        // Shrink towards the best vertex; only the worst and second worst are re-evaluated.
        for (let row = 0; row <= n; row++) {
          if (row === vs) continue;
          for (let i = 0; i < n; i++) v[row]![i] = v[vs]![i]! + (v[row]![i]! - v[vs]![i]!) / 2;
        }
        f[vg] = fn(v[vg]!);
        f[vh] = fn(v[vh]!);
      }
    }
    let sum = 0;
    for (let i = 0; i <= n; i++) sum += f[i]!;
    const avg = sum / (n + 1);
    let s = 0;
    for (let i = 0; i <= n; i++) s += Math.pow(f[i]! - avg, 2) / n;
    if (Math.sqrt(s) < EPSILON) break;
  }
  let best = 0;
  for (let i = 0; i <= n; i++) if (f[i]! < f[best]!) best = i;
  const x = v[best]!.slice();
  return { min: fn(v[best]!), x };
}

/**
 * Forecasts `h` buckets of `interval` ns after the points (time order), with a season of `m`
 * buckets; `withFit` also returns the fitted values from the first point on.
 */
export function holtWinters(
  points: readonly HWPoint[],
  h: number,
  m: number,
  withFit: boolean,
  intervalNs: number,
): HWPoint[] {
  const seasonal = m >= 2;
  if (points.length < 2 || (seasonal && points.length < m) || h <= 0 || !(intervalNs >= 1)) return [];
  const interval = durationNs(intervalNs);
  const start = roundTime(points[0]!.time, interval);
  const stop = roundTime(points[points.length - 1]!.time, interval);
  if ((stop - start) / interval <= 0n) return [];
  const y: number[] = [points[0]!.value];
  let t = start;
  for (const p of points.slice(1)) {
    const rounded = roundTime(p.time, interval);
    if (rounded <= t) continue;
    t += interval;
    while (rounded !== t) {
      y.push(NaN);
      t += interval;
    }
    y.push(p.value);
  }
  const model = new Model(y, seasonal);

  let l0 = 0;
  let b0 = 0;
  if (seasonal) {
    for (let i = 0; i < m; i++) if (!Number.isNaN(y[i]!)) l0 += (1 / m) * y[i]!;
    for (let i = 0; i < m && m + i < y.length; i++) {
      if (!Number.isNaN(y[i]!) && !Number.isNaN(y[m + i]!)) b0 += (1 / (m * m)) * (y[m + i]! - y[i]!);
    }
  } else {
    l0 = 0.5 * y[0]!;
    if (!Number.isNaN(y[1]!)) b0 = 0.5 * (y[1]! - y[0]!);
  }
  const s: number[] = [];
  if (seasonal) for (let i = 0; i < m; i++) s.push(Number.isNaN(y[i]!) ? 0 : y[i]! / l0);
  const params = [0, 0, 0, 0, l0, b0, ...s];

  let minSSE = Infinity;
  let best: number[] | undefined;
  for (let alpha = GUESS_LOW; alpha < GUESS_HIGH; alpha += GUESS_STEP) {
    for (let beta = GUESS_LOW; beta < GUESS_HIGH; beta += GUESS_STEP) {
      for (let gamma = GUESS_LOW; gamma < GUESS_HIGH; gamma += GUESS_STEP) {
        for (let phi = GUESS_LOW; phi < GUESS_HIGH; phi += GUESS_STEP) {
          params[0] = alpha;
          params[1] = beta;
          params[2] = gamma;
          params[3] = phi;
          const r = nelderMead((x) => model.sse(x), params);
          if (r.min < minSSE || best === undefined) {
            minSSE = r.min;
            best = r.x;
          }
        }
      }
    }
  }

  const forecasted = model.forecast(h, best!);
  const out: HWPoint[] = [];
  if (withFit) {
    const first = points[0]!.time;
    forecasted.forEach((v, i) => {
      if (!Number.isNaN(v)) out.push({ time: first + interval * BigInt(i), value: v });
    });
  } else {
    const last = points[points.length - 1]!.time;
    forecasted.slice(y.length).forEach((v, i) => {
      if (!Number.isNaN(v)) out.push({ time: last + interval * BigInt(i + 1), value: v });
    });
  }
  return out;
}
