/**
 * `|sideload()` over real files (Kapacitor's sideload.go, services/sideload and
 * TestStream_Sideload): the order templates pick files by the point's tags, the first file
 * holding a key wins, values take the type of the default (YAML numbers are float64s, so an
 * int default takes 5 but not 5.5), a missing key or a value that does not convert takes the
 * default, and reload() picks up changed files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpOutNode } from "../../../src/engine/nodes/http-out-node.js";
import { createSideloadSources } from "../../../src/sources/sideload.js";
import { runScript } from "../../support/engine.js";

const S = 1_000_000_000;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tickd-sideload-"));
  mkdirSync(join(dir, "host"));
  writeFileSync(join(dir, "host", "a.yml"), "threshold: 80\nowner: ops\nslots: 5.5\n");
  writeFileSync(join(dir, "host", "b.json"), '{"threshold": "95.5", "paged": "true"}');
  writeFileSync(join(dir, "default.yml"), "threshold: 50\nowner: nobody\nslots: 4\npaged: false\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function script(): string {
  return `stream
  |from().measurement('cpu')
  |sideload()
    .source('${pathToFileURL(dir).href}')
    .order('host/{{.host}}.yml', 'host/{{.host}}.json', 'default.yml')
    .field('threshold', 0.0)
    .field('slots', 1)
    .field('paged', TRUE)
    .tag('owner', 'unknown')
  |alert().id('{{ index .Tags "host" }}').crit(lambda: "value" > "threshold")`;
}

describe("|sideload()", () => {
  it("loads fields and tags by order, converted to the defaults' types", () => {
    const sources = createSideloadSources();
    const r = runScript(script(), { sideload: (u) => sources.open(u) });
    r.task.write("db", "rp", { name: "cpu", tags: { host: "a" }, fields: { value: 85 }, time: BigInt(S) });
    r.task.write("db", "rp", {
      name: "cpu",
      tags: { host: "b" },
      fields: { value: 90 },
      time: BigInt(2 * S),
    });
    r.task.write("db", "rp", {
      name: "cpu",
      tags: { host: "c" },
      fields: { value: 60 },
      time: BigInt(3 * S),
    });
    const rows = r.events.map((e) => ({
      id: e.state.id,
      tags: e.data.series[0]!.tags,
      cols: e.data.series[0]!.columns,
      row: e.data.series[0]!.values[0],
    }));
    // a: threshold 80 (float from a YAML int), slots 5.5 does not fit the int default → 1
    // (logged), paged from default.yml, owner ops.
    expect(rows[0]).toEqual({
      id: "a",
      tags: { host: "a", owner: "ops" },
      cols: ["time", "paged", "slots", "threshold", "value"],
      row: [BigInt(S), false, 1n, 80, 85],
    });
    // b: strings converted ("95.5" → 95.5, "true" → true); owner falls through to default.yml.
    // (One nil group: b's OK is the recovery of a's CRITICAL.)
    expect(rows[1]).toEqual({
      id: "b",
      tags: { host: "b", owner: "nobody" },
      cols: ["time", "paged", "slots", "threshold", "value"],
      row: [BigInt(2 * S), true, 4n, 95.5, 90],
    });
    expect(rows[2]).toEqual({
      id: "c",
      tags: { host: "c", owner: "nobody" },
      cols: ["time", "paged", "slots", "threshold", "value"],
      row: [BigInt(3 * S), false, 4n, 50, 60],
    });
    expect(r.messages.filter((m) => m.includes("failed to load key slots"))).toHaveLength(1);
  });

  // sideload.go: each node renders its order over the point's tags as they reach it, so the
  // second node sees the tag the first one added; fields of both end up on the point.
  it("TestStream_Sideload_Multiple: two sideload nodes in a row, the second keyed by the first's tag", () => {
    for (const d of ["t0", "t1", "t2", "t3"]) mkdirSync(join(dir, d));
    writeFileSync(join(dir, "t0", "x.yml"), "f1: 3\n");
    writeFileSync(join(dir, "t1", "p.yml"), "f1: 7\nf2: 1.25\nt3: blue\n");
    writeFileSync(join(dir, "t2", "k.yml"), "f2: 2.5\nother: 9\n");
    writeFileSync(join(dir, "t3", "blue.yml"), "other: 11\n");
    const src = pathToFileURL(dir).href;
    const sources = createSideloadSources();
    const r = runScript(
      `stream
  |from().measurement('m').groupBy('t0', 't1', 't2')
  |sideload()
    .source('${src}')
    .order('t0/{{.t0}}.yml', 't1/{{.t1}}.yml', 't2/{{.t2}}.yml')
    .field('f1', 0)
    .field('f2', 0.0)
    .tag('t3', 'one')
  |sideload()
    .source('${src}')
    .order('t3/{{.t3}}.yml', 't2/{{.t2}}.yml')
    .field('other', -1.0)
  |httpOut('o')`,
      { sideload: (u) => sources.open(u) },
    );
    const tagSets = [
      { t0: "x", t1: "q", t2: "z" },
      { t0: "w", t1: "p", t2: "k" },
      { t0: "w", t1: "q", t2: "k" },
    ];
    for (const tags of tagSets)
      r.task.write("db", "rp", { name: "m", tags, fields: { value: 1 }, time: BigInt(S) });
    const out = r.task.nodes.find((n): n is HttpOutNode => n instanceof HttpOutNode)!.result();
    const cols = ["time", "f1", "f2", "other", "value"];
    expect(out.series).toEqual([
      // f1 from t0/x (an int default takes YAML's 3), no f2 anywhere, t3 and other by default.
      { name: "m", tags: { ...tagSets[0], t3: "one" }, columns: cols, values: [[BigInt(S), 3n, 0, -1, 1]] },
      // t1/p gives f1, f2 (before t2/k) and t3=blue; the second node finds t3/blue first.
      {
        name: "m",
        tags: { ...tagSets[1], t3: "blue" },
        columns: cols,
        values: [[BigInt(S), 7n, 1.25, 11, 1]],
      },
      // f2 from t2/k; t3 defaults to one, so the second node falls through to t2/k's other.
      { name: "m", tags: { ...tagSets[2], t3: "one" }, columns: cols, values: [[BigInt(S), 0n, 2.5, 9, 1]] },
    ]);
    expect(r.messages).toEqual([]);
  });

  it("reload() reads changed files", () => {
    const sources = createSideloadSources();
    const r = runScript(script(), { sideload: (u) => sources.open(u) });
    r.task.write("db", "rp", { name: "cpu", tags: { host: "c" }, fields: { value: 60 }, time: BigInt(S) });
    expect(r.events).toHaveLength(1);
    writeFileSync(join(dir, "default.yml"), "threshold: 70\n");
    sources.reload();
    r.task.write("db", "rp", {
      name: "cpu",
      tags: { host: "c" },
      fields: { value: 60 },
      time: BigInt(2 * S),
    });
    expect(r.events.map((e) => e.state.level)).toEqual([3, 0]);
  });

  it("refuses sources that are not absolute file directories", () => {
    const sources = createSideloadSources();
    expect(() => sources.open("http://example.com/x")).toThrow(/from files only/);
    expect(() => sources.open("s3://bucket/x")).toThrow(/unsupported sideload source scheme "s3"/);
    expect(() => sources.open("file:///no/such/dir/for/tickd")).toThrow(/ENOENT/);
  });
});
