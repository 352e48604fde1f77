/**
 * Execution statistics and httpOut through the HTTP API of a real daemon (in process, real
 * HTTP and SQLite), against Kapacitor's own expectations:
 * - server/server_test.go TestServer_EnableTask: an executing task's DOT carries
 *   `graph [throughput="… points/s"]`, each node's sorted stat vars and `processed` per edge;
 * - server/server_test.go TestServer_StreamTask and integrations/streamer_test.go (httpOut
 *   reads): `{"series":null}` before data, then models.Result with RFC3339Nano times;
 * - task.go ExecutionStats: `stats.task-stats.throughput`, `stats.node-stats.<node>` with
 *   collected/emitted per edge and the alert node's counters.
 * Our own script and data. Wall-clock figures (throughput, avg_exec_time_ns: the daemon's
 * tick times the next point) are checked for their form and then masked.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { runShow } from "../../../src/cli/client/tasks.js";
import { startDaemonIn } from "../../support/in-process-daemon.js";

const TASK = `dbrp "telegraf"."autogen"

var cpu = stream
    |from()
        .measurement('cpu')
        .groupBy('host')

cpu
    |window()
        .period(10s)
        .every(10s)
    |count('usage')
    |httpOut('counts')

cpu
    |alert()
        .crit(lambda: "usage" > 90.0)
        .topic('cpu')
`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function daemon(): Promise<string> {
  const { daemon, dir } = await startDaemonIn({ tasks: { "cpu.tick": TASK } });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => daemon.stop());
  return `http://127.0.0.1:${daemon.port}`;
}

async function write(url: string, lines: string): Promise<void> {
  const res = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body: lines });
  expect(res.status).toBe(204);
}

/**
 * The DOT with its wall-clock figures checked for their form (throughput "%0.2f", exec times
 * Go durations) and replaced by X and D.
 */
function stableDot(dot: string): string {
  const m = /^digraph cpu \{\ngraph \[(?:throughput="|label="Throughput: )(\d+\.\d\d) points\/s"/.exec(dot);
  expect(m, dot).not.toBeNull();
  return dot
    .replace(m![1]!, "X")
    .replace(
      /avg_exec_time_ns(="|=)(0s|\d+(\.\d+)?(ns|µs|ms|s))/g,
      (_all, eq: string) => `avg_exec_time_ns${eq}D`,
    );
}

/** node-stats with every avg_exec_time_ns checked to be a whole number of ns and removed. */
function withoutExecTimes(
  stats: Record<string, Record<string, number>>,
): Record<string, Record<string, number>> {
  return Object.fromEntries(
    Object.entries(stats).map(([node, s]) => {
      const { avg_exec_time_ns: ns, ...rest } = s;
      expect(Number.isInteger(ns) && ns! >= 0, `${node} avg_exec_time_ns ${ns}`).toBe(true);
      return [node, rest];
    }),
  );
}

describe("task statistics over the HTTP API", () => {
  it("answers httpOut as models.Result: null series before data, then RFC3339Nano times without empty tags", async () => {
    const url = await daemon();
    const before = await fetch(`${url}/kapacitor/v1/tasks/cpu/counts`);
    expect(before.status).toBe(200);
    expect(await before.text()).toBe('{"series":null}');
    // 1971-01-01T00:00:01Z …: host a's window closes at 11s with 2 points, host b's at 13s.
    await write(
      url,
      ["cpu,host=a usage=95 31536001", "cpu,host=b usage=20 31536003", "cpu,host=a usage=50 31536005"].join(
        "\n",
      ) + "\ncpu,host=a usage=40 31536011\ncpu,host=b usage=30 31536013\n",
    );
    const res = await fetch(`${url}/kapacitor/v1/tasks/cpu/counts`);
    expect(await res.text()).toBe(
      '{"series":[' +
        '{"name":"cpu","tags":{"host":"a"},"columns":["time","count"],"values":[["1971-01-01T00:00:11Z",2]]},' +
        '{"name":"cpu","tags":{"host":"b"},"columns":["time","count"],"values":[["1971-01-01T00:00:13Z",1]]}]}',
    );
  });

  it("shows Kapacitor's node-stats, task-stats and DOT with figures after data has flowed", async () => {
    const url = await daemon();
    const idle = (await (await fetch(`${url}/kapacitor/v1/tasks/cpu`)).json()) as { dot: string };
    expect(stableDot(idle.dot)).toBe(`digraph cpu {
graph [throughput="X points/s"];

stream0 [avg_exec_time_ns="D" errors="0" working_cardinality="0" ];
stream0 -> from1 [processed="0"];

from1 [avg_exec_time_ns="D" errors="0" working_cardinality="0" ];
from1 -> window2 [processed="0"];
from1 -> alert5 [processed="0"];

window2 [avg_exec_time_ns="D" errors="0" working_cardinality="0" ];
window2 -> count3 [processed="0"];

count3 [avg_exec_time_ns="D" errors="0" working_cardinality="0" ];
count3 -> http_out4 [processed="0"];

http_out4 [avg_exec_time_ns="D" errors="0" working_cardinality="0" ];

alert5 [alerts_inhibited="0" alerts_triggered="0" avg_exec_time_ns="D" crits_triggered="0" errors="0" infos_triggered="0" oks_triggered="0" warns_triggered="0" working_cardinality="0" ];
}`);

    // a: CRITICAL at 1s, OK at 5s; b: nothing; a's window closes at 11s; a mem point is dropped by from.
    await write(
      url,
      "cpu,host=a usage=95 31536001\ncpu,host=b usage=20 31536003\nmem,host=a usage=99 31536004\n" +
        "cpu,host=a usage=50 31536005\ncpu,host=a usage=40 31536011\n",
    );
    const task = (await (await fetch(`${url}/kapacitor/v1/tasks/cpu`)).json()) as {
      dot: string;
      stats: { "task-stats": { throughput: number }; "node-stats": Record<string, Record<string, number>> };
    };
    expect(typeof task.stats["task-stats"].throughput).toBe("number");
    const plain = { errors: 0 };
    expect(withoutExecTimes(task.stats["node-stats"])).toEqual({
      stream0: { ...plain, collected: 5, emitted: 5, working_cardinality: 0 },
      from1: { ...plain, collected: 5, emitted: 8, working_cardinality: 0 },
      window2: { ...plain, collected: 4, emitted: 1, working_cardinality: 2 },
      count3: { ...plain, collected: 1, emitted: 1, working_cardinality: 1 },
      http_out4: { ...plain, collected: 1, emitted: 0, working_cardinality: 1 },
      alert5: {
        ...plain,
        collected: 4,
        emitted: 0,
        working_cardinality: 2,
        alerts_triggered: 2,
        alerts_inhibited: 0,
        oks_triggered: 1,
        infos_triggered: 0,
        warns_triggered: 0,
        crits_triggered: 1,
      },
    });
    expect(stableDot(task.dot)).toBe(`digraph cpu {
graph [throughput="X points/s"];

stream0 [avg_exec_time_ns="D" errors="0" working_cardinality="0" ];
stream0 -> from1 [processed="5"];

from1 [avg_exec_time_ns="D" errors="0" working_cardinality="0" ];
from1 -> window2 [processed="4"];
from1 -> alert5 [processed="4"];

window2 [avg_exec_time_ns="D" errors="0" working_cardinality="2" ];
window2 -> count3 [processed="1"];

count3 [avg_exec_time_ns="D" errors="0" working_cardinality="1" ];
count3 -> http_out4 [processed="1"];

http_out4 [avg_exec_time_ns="D" errors="0" working_cardinality="1" ];

alert5 [alerts_inhibited="0" alerts_triggered="2" avg_exec_time_ns="D" crits_triggered="1" errors="0" infos_triggered="0" oks_triggered="1" warns_triggered="0" working_cardinality="2" ];
}`);

    const labels = (await (await fetch(`${url}/kapacitor/v1/tasks/cpu?dot-view=labels`)).json()) as {
      dot: string;
    };
    expect(stableDot(labels.dot)).toContain(
      'graph [label="Throughput: X points/s" forcelabels=true pad="0.8,0.5"];\n\n' +
        'stream0 [xlabel="avg_exec_time_ns=D\\rerrors=0\\rworking_cardinality=0"];\n' +
        'stream0 -> from1 [label="processed=5"];\n',
    );
  });

  it("prints the DOT with figures in tickctl show (kapacitor show's DOT: section)", async () => {
    const url = await daemon();
    await write(url, "cpu,host=a usage=95 31536001\ncpu,host=a usage=96 31536002\n");
    let out = "";
    const code = await runShow("cpu", { url, out: (s) => (out += s), err: () => undefined, json: false });
    expect(code).toBe(0);
    const dot = out.slice(out.indexOf("DOT:\n") + "DOT:\n".length);
    expect(stableDot(dot)).toContain('from1 -> alert5 [processed="2"];\n');
    expect(
      stableDot(dot).endsWith(
        '\nalert5 [alerts_inhibited="0" alerts_triggered="2" avg_exec_time_ns="D" crits_triggered="2" errors="0" ' +
          'infos_triggered="0" oks_triggered="0" warns_triggered="0" working_cardinality="1" ];\n}\n',
      ),
    ).toBe(true);
  });
});
