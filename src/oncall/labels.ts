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

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;

export function fingerprint(labels: Readonly<LabelSet>): string {
  let h = FNV_OFFSET;
  const add = (bytes: Uint8Array): void => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK;
  };
  const sep = Uint8Array.of(SEPARATOR);
  const enc = new TextEncoder();
  for (const k of Object.keys(labels).sort()) {
    add(enc.encode(k));
    add(sep);
    add(enc.encode(labels[k]!));
    add(sep);
  }
  return h.toString(16).padStart(16, "0");
}

/** The labels that pin one alert whatever its level: what a snooze matches. */
export function identityLabels(id: string, labels: Readonly<LabelSet>): LabelSet {
  if (labels.alertname === id) return { alertname: id, topic: labels.topic ?? "" };
  const out: LabelSet = {};
  for (const [k, v] of Object.entries(labels)) if (k !== "severity") out[k] = v;
  return out;
}
