/**
 * docs/KAPACITOR-TESTS.md from its sources: the lists of Kapacitor's integration tests
 * (docs/kapacitor-tests/*_test.go.txt, every `func Test…` of the file in order) and the status
 * of each (docs/kapacitor-tests/status.json). `check()` refuses a test without a status, a
 * status for a test not in the lists, and a `matched` row whose test file is missing or does
 * not name the Kapacitor test (or its `pin`), so the doc cannot claim what no test pins.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = join(ROOT, "docs/kapacitor-tests");
export const DOC = join(ROOT, "docs/KAPACITOR-TESTS.md");

export type Status = "matched" | "differs" | "cannot" | "not yet checked";
export interface Row {
  status: Status;
  /** The test of ours that pins it (required for matched). */
  test?: string;
  /** A string that file holds instead of the test's name (e.g. `TestStream_HttpPost*`). */
  pin?: string;
  note?: string;
}

interface Source {
  file: string;
  header: string;
  names: string[];
}

function source(file: string): Source {
  const lines = readFileSync(join(DIR, `${file}.txt`), "utf8").split("\n");
  return {
    file,
    header: lines[0]!.replace(/^#\s*/, ""),
    names: lines.filter((l) => /^Test\w+$/.test(l.trim())).map((l) => l.trim()),
  };
}

export function sources(): Source[] {
  return [source("streamer_test.go"), source("batcher_test.go")];
}

export function statuses(): Record<string, Row> {
  return JSON.parse(readFileSync(join(DIR, "status.json"), "utf8")) as Record<string, Row>;
}

/** Problems that make the doc dishonest or incomplete; empty when it is sound. */
export function check(): string[] {
  const rows = statuses();
  const listed = new Set(sources().flatMap((s) => s.names));
  const out: string[] = [];
  for (const n of listed) if (rows[n] === undefined) out.push(`${n}: no status in status.json`);
  for (const [n, r] of Object.entries(rows)) {
    if (!listed.has(n)) out.push(`${n}: has a status but is not in the lists`);
    if (!["matched", "differs", "cannot", "not yet checked"].includes(r.status))
      out.push(`${n}: bad status ${r.status}`);
    if (r.status !== "matched" && r.note === undefined) out.push(`${n}: ${r.status} needs a note saying why`);
    if (r.test !== undefined && !existsSync(join(ROOT, r.test))) out.push(`${n}: ${r.test} does not exist`);
    if (r.status === "matched") {
      if (r.test === undefined) {
        out.push(`${n}: matched without a test`);
        continue;
      }
      const text = existsSync(join(ROOT, r.test)) ? readFileSync(join(ROOT, r.test), "utf8") : "";
      // The name as a whole word (TestStream_Join must not be found in TestStream_JoinN).
      const named =
        r.pin !== undefined ? text.includes(r.pin) : new RegExp(`${n}(?![A-Za-z0-9_])`).test(text);
      if (!named) out.push(`${n}: ${r.test} does not mention ${r.pin ?? n}`);
    }
  }
  return out;
}

/** Area of a test, from its name (first matching rule). */
const AREAS: [string, RegExp][] = [
  ["Node statistics", /Cardinality/],
  [
    "Alert handlers",
    /^Test\w+_Alert(Sensu|Slack|Kafka|Telegram|TCP|HipChat|Alerta|Pushover|OpsGenie|PagerDuty|HTTPPost|VictorOps|Talk|Log|Exec|Email|SNMPTrap)/,
  ],
  ["Alert node", /_Alert/],
  [
    "Transforms (derivative, elapsed, difference, moving average, cumulative sum, Holt-Winters, changeDetect)",
    /Derivative|Elapsed|Difference|MovingAverage|CumulativeSum|HoltWinters|ChangeDetect|InfluxQLNodeMissing/,
  ],
  ["Windows", /_Window/],
  ["Barrier", /_Barrier/],
  ["Shift", /_Shift/],
  [
    "Eval, default, delete, where, now()",
    /_Eval|_Default|_Delete|Where|Aggregate_Changing|LambdaNow|EvalNow|AllMeasurements|SimpleMR|CountEmpty|SumEmpty|InvalidQuery/,
  ],
  ["Group by", /GroupBy/],
  ["Join, union, combine, flatten", /Join|Union|Combine|Flatten/],
  [
    "InfluxQL functions, selectors, sample, state tracking",
    /InfluxQL_|Selector|Sample_|State(Duration|Count)/,
  ],
  ["httpPost, httpOut", /Http/],
  ["Other nodes and services (UDF, autoscale, loopback, sideload, influxDBOut)", /./],
];

function area(name: string): string {
  return AREAS.find(([, re]) => re.test(name))![0];
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

export function render(): string {
  const rows = statuses();
  const out: string[] = [
    "# Kapacitor's integration tests and tickd",
    "",
    "Every `func Test…` of Kapacitor's `integrations/streamer_test.go` and `integrations/batcher_test.go`,",
    "with what tickd does about it. Generated from `docs/kapacitor-tests/` (the function lists taken",
    "from the source, and `status.json`) by `KAPACITOR_TESTS_WRITE=1 npx vitest run --project unit",
    "test/unit/docs/kapacitor-tests.test.ts`; the same test fails in CI when this file is stale, when a",
    "listed test has no status, or when a `matched` row's test file does not name the Kapacitor test.",
    "",
    "- **matched**: a test of ours, run in CI, pins the same behaviour with our own data (the path).",
    "- **differs**: tickd does something else; the note says whether that is deliberate or a bug.",
    "- **cannot**: outside what tickd can do (the note says why).",
    "- **not yet checked**: nobody compared it yet.",
    "",
    "Our cases read results the way Kapacitor's tests do (httpOut's models.Result, alert JSON). Stream",
    "cases run in the engine (`test/conformance/kapacitor-stream.test.ts`) or as scenarios through",
    "`tickctl test` and the daemon (`test/conformance/scenarios/`, `parity.test.ts`); batch cases run",
    "against the real InfluxDB 1.x (`test/integration/`), where InfluxDB answers the statement tickd",
    "builds instead of a recorded `.brpl` answer.",
    "",
  ];
  const totals: string[] = [];
  for (const src of sources()) {
    const count = (s: Status) => src.names.filter((n) => rows[n]?.status === s).length;
    totals.push(
      `| ${src.file} | ${src.names.length} | ${count("matched")} | ${count("differs")} | ${count("cannot")} | ${count("not yet checked")} |`,
    );
  }
  out.push(
    "| file | tests | matched | differs | cannot | not yet checked |",
    "|---|---|---|---|---|---|",
    ...totals,
    "",
  );
  for (const src of sources()) {
    out.push(`## ${src.file}`, "", `Source: ${src.header}.`, "");
    const byArea = new Map<string, string[]>();
    for (const n of src.names) {
      const a = area(n);
      byArea.set(a, [...(byArea.get(a) ?? []), n]);
    }
    for (const [a] of AREAS) {
      const names = byArea.get(a);
      if (names === undefined) continue;
      out.push(`### ${a}`, "", "| test | status | pinned by / why |", "|---|---|---|");
      for (const n of names) {
        const r = rows[n]!;
        const where = [r.test !== undefined ? `\`${r.test}\`` : "", r.note ?? ""]
          .filter((x) => x !== "")
          .join(" — ");
        out.push(`| ${n} | ${r.status} | ${cell(where)} |`);
      }
      out.push("");
    }
  }
  return out.join("\n");
}
