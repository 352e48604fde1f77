/**
 * Line-protocol parse and format throughput on a Telegraf-shaped body: cpu (per core, ten
 * float fields), mem and net (mostly integers), disk (six tags), system (with a string
 * field that holds a comma and spaces); 10k lines with nanosecond timestamps, 249 bytes a
 * line on average. A second body has short lines (two tags, two fields, 75 bytes), which is
 * what many Kafka producers write. Both are parsed from bytes, as the daemon receives them.
 * The baseline is a straightforward split-based parser producing the same points, run in
 * the same process so the ratio means something on a noisy machine.
 *
 * The Telegraf mix is parsed a second way, as the daemon does for the shipped
 * tasks/cpu_alert.tick (which reads one field, usage_idle of cpu): only the fields that task
 * reads are decoded (the others are checked, not converted). That figure is printed beside
 * the full decode of the same parser and beside the naive full-decode parser, same run.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatPoints, parseLineProtocol, type FieldFilter } from "../src/core/line-protocol.js";
import { FieldDemandFilter, taskFieldDemand } from "../src/engine/field-demand.js";
import { checkScript } from "../src/pipeline/check.js";
import type { Fields, FieldValue, Point, Tags } from "../src/core/types.js";
import { opsPerSecond, type Bench, type BenchResult } from "./harness.js";

const TARGET_LINES = 10_000;

/** Deterministic PRNG (mulberry32) so every run parses the same body. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function telegrafBody(lines = TARGET_LINES): string {
  const r = rng(42);
  const pct = () => String(r() * 100);
  const int = (max: number) => `${Math.floor(r() * max)}i`;
  const out: string[] = [];
  let t = 1_732_420_800_000_000_000;
  for (let tick = 0; out.length < lines; tick++) {
    for (let h = 0; h < 4 && out.length < lines; h++) {
      const host = `web-${String(h).padStart(2, "0")}.prod.example.com`;
      const ts = String(t + h * 1_000_003 + Math.floor(r() * 1000));
      for (let c = 0; c <= 8; c++) {
        const cpu = c === 8 ? "cpu-total" : `cpu${c}`;
        out.push(
          `cpu,cpu=${cpu},host=${host} usage_guest=0,usage_guest_nice=0,usage_idle=${pct()},` +
            `usage_iowait=${pct()},usage_irq=0,usage_nice=0,usage_softirq=${pct()},usage_steal=0,` +
            `usage_system=${pct()},usage_user=${pct()} ${ts}`,
        );
      }
      out.push(
        `mem,host=${host} active=${int(8e9)},available=${int(16e9)},available_percent=${pct()},` +
          `buffered=${int(2e9)},cached=${int(8e9)},free=${int(8e9)},inactive=${int(8e9)},` +
          `total=17179869184i,used=${int(16e9)},used_percent=${pct()} ${ts}`,
      );
      for (const [device, path] of [
        ["sda1", "/"],
        ["sdb1", "/var/lib/docker"],
      ]) {
        out.push(
          `disk,device=${device},fstype=ext4,host=${host},mode=rw,path=${path} free=${int(6e10)},` +
            `inodes_free=${int(6e6)},inodes_total=6553600i,inodes_used=${int(1e6)},total=67371577344i,` +
            `used=${int(6e10)},used_percent=${pct()} ${ts}`,
        );
      }
      for (const iface of ["eth0", "lo"]) {
        out.push(
          `net,host=${host},interface=${iface} bytes_recv=${int(1e11)},bytes_sent=${int(1e11)},` +
            `drop_in=0i,drop_out=0i,err_in=0i,err_out=0i,packets_recv=${int(1e9)},packets_sent=${int(1e9)} ${ts}`,
        );
      }
      out.push(
        `system,host=${host} load1=${(r() * 4).toFixed(2)},load15=${(r() * 4).toFixed(2)},` +
          `load5=${(r() * 4).toFixed(2)},n_cpus=8i,n_users=${int(5)} ${ts}`,
      );
      out.push(`system,host=${host} uptime=${int(5e6)},uptime_format="${tick % 60} days, 3:02" ${ts}`);
    }
    t += 10_000_000_000;
  }
  // Decoded from bytes like an HTTP body, which gives a flat string (concatenation would
  // leave a rope that every character access has to go through).
  return Buffer.from(out.slice(0, lines).join("\n") + "\n").toString("utf8");
}

// --- baseline: the parser one writes first ------------------------------------------------

/**
 * Splits on newlines, spaces, commas and `=` and converts values with Number/BigInt. It
 * ignores escaping and quoting, which the bench bodies do not use (the string field of the
 * `system` lines holds a comma and spaces, so those lines are split on quotes first).
 */
function naiveValue(raw: string): FieldValue {
  const last = raw.charCodeAt(raw.length - 1);
  if (raw.startsWith('"')) return raw.slice(1, -1);
  if (last === 105 /* i */) return BigInt(raw.slice(0, -1));
  if (raw === "true" || raw === "t") return true;
  if (raw === "false" || raw === "f") return false;
  return Number(raw);
}

export function naiveParse(body: string): Point[] {
  const points: Point[] = [];
  for (const line of body.split("\n")) {
    if (line === "") continue;
    const q = line.indexOf('"');
    let head: string, fieldText: string, ts: string;
    if (q < 0) [head = "", fieldText = "", ts = ""] = line.split(" ");
    else {
      const sp = line.indexOf(" ");
      head = line.slice(0, sp);
      const end = line.lastIndexOf(" ");
      fieldText = line.slice(sp + 1, end);
      ts = line.slice(end + 1);
    }
    const [name = "", ...tagParts] = head.split(",");
    const tags: Tags = {};
    for (const part of tagParts) {
      const [k = "", v = ""] = part.split("=");
      tags[k] = v;
    }
    const fields: Fields = {};
    const parts = q < 0 ? fieldText.split(",") : fieldText.split(/,(?=[^"]*(?:"[^"]*"[^"]*)*$)/);
    for (const part of parts) {
      const eq = part.indexOf("=");
      fields[part.slice(0, eq)] = naiveValue(part.slice(eq + 1));
    }
    points.push({ name, tags, fields, time: BigInt(ts) });
  }
  return points;
}

/** Short lines: two tags, two fields, as many Kafka producers and simple agents write them. */
export function shortLinesBody(lines = TARGET_LINES): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const v = 10 + (i % 70);
    out.push(
      `cpu,host=h${i % 200},cpu=cpu-total usage_idle=${100 - v},usage_user=${v} ${(1_700_000_000 + i) * 1e9}`,
    );
  }
  return Buffer.from(out.join("\n") + "\n").toString("utf8");
}

// --- bench ----------------------------------------------------------------------------------

function sameShape(a: Point[], b: Point[]): boolean {
  if (a.length !== b.length) return false;
  // Tag order is not significant (the serializer sorts tags); field order is.
  const str = (p: Point) =>
    JSON.stringify({ ...p, tags: Object.entries(p.tags).sort() }, (_k, v: unknown) =>
      typeof v === "bigint" ? `${v}n` : v,
    );
  return a.every((p, i) => str(p) === str(b[i]!));
}

/** Checks that the parser, the baseline and the serializer agree on `body`. */
function verify(body: string, lines: number): Point[] {
  const parsed = parseLineProtocol(body);
  if (parsed.errors.length > 0 || parsed.points.length !== lines) {
    throw new Error(`bench body did not parse cleanly: ${JSON.stringify(parsed.errors[0])}`);
  }
  if (!sameShape(parseLineProtocol(Buffer.from(body)).points, parsed.points))
    throw new Error("parsing the bytes of the bench body differs from parsing its text");
  if (!sameShape(parsed.points, naiveParse(body)))
    throw new Error("baseline parser disagrees with parseLineProtocol");
  if (!sameShape(parseLineProtocol(formatPoints(parsed.points)).points, parsed.points)) {
    throw new Error("format/parse round trip of the bench body failed");
  }
  return parsed.points;
}

/** Parse rate of `body` from bytes (as the daemon gets HTTP bodies and Kafka values), and the baseline's. */
function parseRates(label: string, body: string): BenchResult {
  const lines = TARGET_LINES;
  const bytes = Buffer.from(body, "utf8");
  // Keep results reachable so the work cannot be optimised away.
  let sink = 0;
  const parse = opsPerSecond(() => {
    sink += parseLineProtocol(bytes).points.length;
    return lines;
  });
  const naive = opsPerSecond(() => {
    sink += naiveParse(body).length;
    return lines;
  });
  if (sink === 0) throw new Error("unreachable");
  // Checked after timing: the check keeps every parsed point alive for a while, which makes
  // V8 allocate later points straight into the old generation (pretenuring) and would
  // measure that instead of the steady state of a parser whose points die young.
  verify(body, lines);
  const perLine = Math.round(bytes.length / lines);
  return {
    name: `line-protocol.parse (${label}, ${perLine} B/line)`,
    value: parse,
    unit: "lines/s",
    baseline: { name: "naive-split-parser", value: naive },
  };
}

/** The parser filter the daemon derives from the shipped cpu_alert.tick. */
function cpuAlertFilter(): FieldFilter {
  const file = fileURLToPath(new URL("../../tasks/cpu_alert.tick", import.meta.url));
  const { graph } = checkScript(readFileSync(file, "utf8"), file, {});
  const filter = graph === undefined ? undefined : FieldDemandFilter.of([taskFieldDemand(graph)]);
  if (filter === undefined) throw new Error("cpu_alert.tick should not need every field");
  return filter;
}

/** The Telegraf mix decoded for a task that reads one field, beside both full decodes. */
function demandRates(body: string): BenchResult[] {
  const lines = TARGET_LINES;
  const bytes = Buffer.from(body, "utf8");
  const fields = cpuAlertFilter();
  const check = parseLineProtocol(bytes, { fields });
  if (check.errors.length > 0 || check.points.length !== lines) throw new Error("filtered parse differs");
  let sink = 0;
  // Interleaved rounds, so both see the same machine.
  let lazy = 0;
  let full = 0;
  let naive = 0;
  for (let round = 0; round < 2; round++) {
    lazy = Math.max(
      lazy,
      opsPerSecond(() => {
        sink += parseLineProtocol(bytes, { fields }).points.length;
        return lines;
      }),
    );
    full = Math.max(
      full,
      opsPerSecond(() => {
        sink += parseLineProtocol(bytes).points.length;
        return lines;
      }),
    );
  }
  naive = opsPerSecond(() => {
    sink += naiveParse(body).length;
    return lines;
  });
  if (sink === 0) throw new Error("unreachable");
  const perLine = Math.round(bytes.length / lines);
  const name = `line-protocol.parse (telegraf, ${perLine} B/line, cpu_alert.tick reads 1 field)`;
  return [
    { name, value: lazy, unit: "lines/s", baseline: { name: "full decode, same parser", value: full } },
    {
      name,
      value: lazy,
      unit: "lines/s",
      baseline: { name: "naive-split-parser (full decode)", value: naive },
    },
  ];
}

function run(): BenchResult[] {
  const telegraf = telegrafBody();
  const results = [
    parseRates("telegraf", telegraf),
    ...demandRates(telegraf),
    parseRates("short lines", shortLinesBody()),
  ];
  const points = verify(telegraf, TARGET_LINES);
  let sink = 0;
  const format = opsPerSecond(() => {
    sink += formatPoints(points).length;
    return TARGET_LINES;
  });
  if (sink === 0) throw new Error("unreachable");
  return [...results, { name: "line-protocol.format", value: format, unit: "lines/s" }];
}

export const benches: Bench[] = [{ name: "line-protocol", run }];
