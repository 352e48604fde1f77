/**
 * Line-protocol parse and format throughput on a Telegraf-shaped body: cpu (per core, ten
 * float fields), mem and net (mostly integers), disk (six tags), system (with a string
 * field that holds a comma and spaces); about 10k lines with nanosecond timestamps.
 * The baseline is a straightforward split/regex parser producing the same points, run in
 * the same process so the ratio means something on a noisy machine.
 */
import { formatPoints, parseLineProtocol } from "../src/core/line-protocol.js";
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

// --- baseline: the parser one writes first -------------------------------------------------

const LINE_RE = /^((?:[^\s\\]|\\.)+)\s+((?:[^\s"\\]|\\.|"(?:[^"\\]|\\.)*")+)(?:\s+(-?\d+))?\s*$/;
const FIELD_RE = /((?:[^=,\\]|\\.)+)=("(?:[^"\\]|\\.)*"|[^,]+)/g;
const UNESCAPED_COMMA = /(?<!\\),/;
const UNESCAPED_EQ = /(?<!\\)=/;

function naiveValue(raw: string): FieldValue {
  if (raw.startsWith('"')) return raw.slice(1, -1).replace(/\\(["\\])/g, "$1");
  if (/^-?\d+[iu]$/.test(raw)) return BigInt(raw.slice(0, -1));
  if (/^(t|T|true|True|TRUE)$/.test(raw)) return true;
  if (/^(f|F|false|False|FALSE)$/.test(raw)) return false;
  const n = Number(raw);
  if (Number.isNaN(n)) throw new Error(`bad value ${raw}`);
  return n;
}

function unescape(s: string): string {
  return s.replace(/\\([,= "])/g, "$1");
}

export function naiveParse(body: string, now = Date.now() * 1e6): Point[] {
  const points: Point[] = [];
  for (const rawLine of body.split("\n")) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE_RE.exec(line);
    if (!m) throw new Error(`bad line ${line}`);
    const [name = "", ...tagParts] = m[1]!.split(UNESCAPED_COMMA);
    const tags: Tags = {};
    for (const part of tagParts) {
      const [k = "", v = ""] = part.split(UNESCAPED_EQ);
      tags[unescape(k)] = unescape(v);
    }
    const fields: Fields = {};
    for (const f of m[2]!.matchAll(FIELD_RE)) fields[unescape(f[1]!)] = naiveValue(f[2]!);
    points.push({
      name: unescape(name),
      tags,
      fields,
      time: m[3] === undefined ? now : Number(BigInt(m[3])),
    });
  }
  return points;
}

// --- bench ----------------------------------------------------------------------------------

function sameShape(a: Point[], b: Point[]): boolean {
  if (a.length !== b.length) return false;
  const str = (p: Point) => JSON.stringify(p, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  return a.every((p, i) => str(p) === str(b[i]!));
}

function run(): BenchResult[] {
  const body = telegrafBody();
  const lines = TARGET_LINES;
  const parsed = parseLineProtocol(body);
  if (parsed.errors.length > 0 || parsed.points.length !== lines) {
    throw new Error(`bench body did not parse cleanly: ${JSON.stringify(parsed.errors[0])}`);
  }
  if (!sameShape(parsed.points, naiveParse(body)))
    throw new Error("baseline parser disagrees with parseLineProtocol");
  if (!sameShape(parseLineProtocol(formatPoints(parsed.points)).points, parsed.points)) {
    throw new Error("format/parse round trip of the bench body failed");
  }

  // Keep results reachable so the work cannot be optimised away.
  let sink = 0;
  const naive = opsPerSecond(() => {
    sink += naiveParse(body).length;
    return lines;
  });
  const parse = opsPerSecond(() => {
    sink += parseLineProtocol(body).points.length;
    return lines;
  });
  const format = opsPerSecond(() => {
    sink += formatPoints(parsed.points).length;
    return lines;
  });
  if (sink === 0) throw new Error("unreachable");
  return [
    {
      name: "line-protocol.parse",
      value: parse,
      unit: "lines/s",
      baseline: { name: "naive-split-parser", value: naive },
    },
    { name: "line-protocol.format", value: format, unit: "lines/s" },
  ];
}

export const benches: Bench[] = [{ name: "line-protocol", run }];
