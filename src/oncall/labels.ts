/**
 * An alert's labels, as silences match them and the Alertmanager API shows them (DESIGN §12):
 * its tags plus `alertname` = the alert ID, `task`, `topic` and `severity` = the level in lower
 * case. An alert that came in with an `alertname` label of its own (Prometheus through
 * `POST /api/v2/alerts`, an Alertmanager webhook) keeps it, so `alertname=HighLoad` selects it
 * as it would in Alertmanager; its ID stays reachable through the other labels.
 *
 * The fingerprint is a 64-bit FNV-1a hash over the labels sorted by name (Alertmanager's
 * scheme: name, 0xff, value, 0xff for each pair), as 16 hex digits.
 */
import type { AlertEvent } from "../core/alert-event.js";
import { Level, levelName } from "../core/types.js";

export type LabelSet = Record<string, string>;

export function alertLabels(topic: string, e: AlertEvent): LabelSet {
  const out: LabelSet = {};
  for (const [k, v] of Object.entries(e.data.tags)) out[k] = v;
  if (out.alertname === undefined || out.alertname === "") out.alertname = e.state.id;
  out.task = e.data.taskName;
  out.topic = topic;
  out.severity = severityOf(e.state.level);
  return sortLabels(out);
}

export function severityOf(level: Level): string {
  return levelName(level).toLowerCase();
}

/** The same labels with keys in sorted order (stable JSON, stable hashes). */
export function sortLabels(labels: Readonly<LabelSet>): LabelSet {
  const out: LabelSet = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k]!;
  return out;
}

/**
 * FNV-1a 64 on four 16-bit limbs (little end first), in plain numbers: BigInt arithmetic
 * per byte cost more than the rest of an alert's on-call bookkeeping. The prime is
 * 2^40 + 0x1b3, so h·prime = h·0x1b3 + (h << 40).
 */
class Fnv64 {
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  byte(b: number): void {
    const h0 = this.h0 ^ b;
    const t0 = h0 * 0x1b3;
    const t1 = this.h1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
    const t3 = this.h3 * 0x1b3 + (t2 >>> 16) + (this.h1 << 8);
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
  }

  /** The string's UTF-8 bytes. */
  text(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        for (const b of Buffer.from(s.slice(i), "utf8")) this.byte(b);
        return;
      }
      this.byte(c);
    }
  }

  hex(): string {
    const limb = (n: number): string => n.toString(16).padStart(4, "0");
    return limb(this.h3) + limb(this.h2) + limb(this.h1) + limb(this.h0);
  }
}

const SEPARATOR = 0xff;

export function fingerprint(labels: Readonly<LabelSet>): string {
  const h = new Fnv64();
  for (const k of Object.keys(labels).sort()) {
    h.text(k);
    h.byte(SEPARATOR);
    h.text(labels[k]!);
    h.byte(SEPARATOR);
  }
  return h.hex();
}

/** The labels that pin one alert whatever its level: what a snooze matches. */
export function identityLabels(id: string, labels: Readonly<LabelSet>): LabelSet {
  if (labels.alertname === id) return { alertname: id, topic: labels.topic ?? "" };
  const out: LabelSet = {};
  for (const [k, v] of Object.entries(labels)) if (k !== "severity") out[k] = v;
  return out;
}
