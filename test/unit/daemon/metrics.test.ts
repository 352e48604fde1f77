import { afterEach, describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import { engineMetrics, type EngineMetricsDeps } from "../../../src/server/metrics.js";
import type { NodeStatsView, TaskView } from "../../../src/server/task-service.js";
import type { KafkaInputStats } from "../../../src/sources/kafka-input.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { testTaskManager } from "../../support/engine.js";
import { startDaemonIn } from "../../support/in-process-daemon.js";

const S = 1e9;
const SCRIPT = `dbrp "telegraf"."autogen"
stream |from().measurement('cpu').groupBy('host') |alert().crit(lambda: "v" > 90.0)`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function setup() {
  const store: Store = openStore(":memory:");
  cleanups.push(() => store.close());
  const events: AlertEvent[] = [];
  let now = 1_700_000_000 * S;
  const tm = testTaskManager(store, (e) => void events.push(e), { now: () => (now += S) });
  cleanups.push(() => tm.stopAll());
  return { tm, events };
}

const cpu = (host: string, fields: Record<string, number>, sec: number) => ({
  name: "cpu",
  tags: { host },
  fields,
  time: BigInt(sec) * 1_000_000_000n,
});

/** The sample lines (no HELP/TYPE) of one family. */
const samples = (text: string, family: string): string[] =>
  text.split("\n").filter((l) => l.startsWith(`${family}{`) || l.startsWith(`${family} `));

function view(id: string, nodeStats: TaskView["nodeStats"]): TaskView {
  return {
    id,
    templateId: "",
    type: "stream",
    dbrps: [],
    script: "",
    status: "enabled",
    vars: {},
    error: "",
    created: 0,
    modified: 0,
    lastEnabled: 0,
    executing: true,
    dot: "",
    dotLabels: "",
    nodeStats,
    throughput: 0,
  };
}

/** A node's view with Kapacitor's figures; `sent` fills one child edge. */
function node(
  name: string,
  collected: number,
  emitted: number,
  errors: number,
  extra: Record<string, number> = {},
): NodeStatsView {
  return {
    name,
    kind: name.replace(/\d+$/, ""),
    collected,
    emitted,
    errors,
    workingCardinality: 0,
    avgExecTimeNs: 0,
    extra,
    edges: emitted > 0 ? [{ child: "next", processed: emitted }] : [],
  };
}

function kafkaStat(name: string, s: Partial<KafkaInputStats>): KafkaInputStats {
  return {
    name,
    topics: ["t"],
    groupId: "g",
    messages: 0,
    points: 0,
    badMessages: 0,
    badLines: 0,
    writeErrors: 0,
    batches: 0,
    paused: false,
    lag: 0,
    ...s,
  };
}

describe("engineMetrics over a real TaskManager", () => {
  it("renders task, node and alert counters after writes", () => {
    const { tm, events } = setup();
    tm.define({ id: "cpu", script: SCRIPT, status: "enabled" });
    tm.define({ id: "off", script: SCRIPT });
    // 95 → CRITICAL, 50 → OK, a point without "v" → an error in the alert node.
    tm.write("telegraf", "autogen", [cpu("a", { v: 95 }, 1), cpu("a", { v: 50 }, 2), cpu("b", { x: 1 }, 3)]);
    expect(events.map((e) => e.state.level)).toEqual([Level.CRITICAL, Level.OK]);
    const text = engineMetrics({ tasks: tm })();
    expect(text).toBe(
      [
        "# HELP tickd_task_executing 1 while the task runs, 0 when disabled or failed to start.",
        "# TYPE tickd_task_executing gauge",
        'tickd_task_executing{task="cpu"} 1',
        'tickd_task_executing{task="off"} 0',
        "# HELP tickd_task_failed 1 when the task is enabled but could not start (see its error).",
        "# TYPE tickd_task_failed gauge",
        'tickd_task_failed{task="cpu"} 0',
        'tickd_task_failed{task="off"} 0',
        "# HELP tickd_tasks_failed Enabled tasks that could not start.",
        "# TYPE tickd_tasks_failed gauge",
        "tickd_tasks_failed 0",
        "# HELP tickd_task_points_received_total Points that entered a stream task, or batches its queries returned (batch tasks).",
        "# TYPE tickd_task_points_received_total counter",
        'tickd_task_points_received_total{task="cpu"} 3',
        "# HELP tickd_task_points_dropped_total Messages dropped by the task's nodes because of an error (sum of the nodes' errors).",
        "# TYPE tickd_task_points_dropped_total counter",
        'tickd_task_points_dropped_total{task="cpu"} 1',
        "# HELP tickd_node_collected_total Messages a node received.",
        "# TYPE tickd_node_collected_total counter",
        'tickd_node_collected_total{task="cpu",node="stream0"} 3',
        'tickd_node_collected_total{task="cpu",node="from1"} 3',
        'tickd_node_collected_total{task="cpu",node="alert2"} 3',
        "# HELP tickd_node_emitted_total Messages a node passed on, summed over its child edges (0 for a leaf, as Kapacitor's emitted).",
        "# TYPE tickd_node_emitted_total counter",
        'tickd_node_emitted_total{task="cpu",node="stream0"} 3',
        'tickd_node_emitted_total{task="cpu",node="from1"} 3',
        'tickd_node_emitted_total{task="cpu",node="alert2"} 0',
        "# HELP tickd_node_errors_total Messages a node dropped because of an error.",
        "# TYPE tickd_node_errors_total counter",
        'tickd_node_errors_total{task="cpu",node="stream0"} 0',
        'tickd_node_errors_total{task="cpu",node="from1"} 0',
        'tickd_node_errors_total{task="cpu",node="alert2"} 1',
        "# HELP tickd_alert_events_total Alert events an alert node sent to its topics (every level, inhibited ones included).",
        "# TYPE tickd_alert_events_total counter",
        'tickd_alert_events_total{task="cpu",node="alert2"} 2',
        "# HELP tickd_alerts_total Alert events an alert node sent, by level.",
        "# TYPE tickd_alerts_total counter",
        'tickd_alerts_total{task="cpu",node="alert2",level="OK"} 1',
        'tickd_alerts_total{task="cpu",node="alert2",level="INFO"} 0',
        'tickd_alerts_total{task="cpu",node="alert2",level="WARNING"} 0',
        'tickd_alerts_total{task="cpu",node="alert2",level="CRITICAL"} 1',
        "",
      ].join("\n"),
    );
  });

  it("reads counters live: a later scrape sees later writes, a disabled task loses its node lines", () => {
    const { tm } = setup();
    tm.define({ id: "cpu", script: SCRIPT, status: "enabled" });
    const scrape = engineMetrics({ tasks: tm });
    expect(samples(scrape(), "tickd_task_points_received_total")).toEqual([
      'tickd_task_points_received_total{task="cpu"} 0',
    ]);
    tm.write("telegraf", "autogen", [cpu("a", { v: 1 }, 1), cpu("a", { v: 2 }, 2)]);
    tm.write("other", "autogen", [cpu("a", { v: 3 }, 3)]);
    expect(samples(scrape(), "tickd_task_points_received_total")).toEqual([
      'tickd_task_points_received_total{task="cpu"} 2',
    ]);
    tm.update("cpu", { status: "disabled" });
    const text = scrape();
    expect(samples(text, "tickd_task_executing")).toEqual(['tickd_task_executing{task="cpu"} 0']);
    expect(samples(text, "tickd_task_points_received_total")).toEqual([]);
    expect(samples(text, "tickd_node_collected_total")).toEqual([]);
  });
});

describe("tasks that could not start", () => {
  it("are 1 in tickd_task_failed and counted in tickd_tasks_failed; disabled ones are not", () => {
    const failed = { ...view("stale", []), executing: false, error: "must specify dbrp" };
    const off = { ...view("off", []), status: "disabled" as const, executing: false };
    const text = engineMetrics({ tasks: { list: () => [view("cpu", []), failed, off] } })();
    expect(samples(text, "tickd_task_failed")).toEqual([
      'tickd_task_failed{task="cpu"} 0',
      'tickd_task_failed{task="stale"} 1',
      'tickd_task_failed{task="off"} 0',
    ]);
    expect(samples(text, "tickd_tasks_failed")).toEqual(["tickd_tasks_failed 1"]);
    expect(samples(engineMetrics({ tasks: { list: () => [] } })(), "tickd_tasks_failed")).toEqual([
      "tickd_tasks_failed 0",
    ]);
  });
});

describe("engineMetrics rendering", () => {
  it("renders per-level alert counters when an alert node exposes them, and escapes labels", () => {
    const nodeStats = [
      node("stream0", 7, 7, 0),
      node('alert1"x\\y', 7, 3, 0),
      node("alert2", 7, 0, 2, {
        alerts_triggered: 3,
        oks_triggered: 1,
        infos_triggered: 0,
        warns_triggered: 0,
        crits_triggered: 2,
      }),
    ];
    const text = engineMetrics({ tasks: { list: () => [view("t", nodeStats)] } })();
    expect(samples(text, "tickd_task_points_received_total")).toEqual([
      'tickd_task_points_received_total{task="t"} 7',
    ]);
    expect(samples(text, "tickd_task_points_dropped_total")).toEqual([
      'tickd_task_points_dropped_total{task="t"} 2',
    ]);
    expect(samples(text, "tickd_node_emitted_total")).toContain(
      'tickd_node_emitted_total{task="t",node="alert1\\"x\\\\y"} 3',
    );
    expect(samples(text, "tickd_alerts_total")).toEqual([
      'tickd_alerts_total{task="t",node="alert2",level="OK"} 1',
      'tickd_alerts_total{task="t",node="alert2",level="INFO"} 0',
      'tickd_alerts_total{task="t",node="alert2",level="WARNING"} 0',
      'tickd_alerts_total{task="t",node="alert2",level="CRITICAL"} 2',
    ]);
  });

  it("counts what a batch task's queries returned as its input", () => {
    const nodeStats = [
      node("batch0", 0, 0, 0),
      node("query1", 0, 4, 0),
      node("query_flux2", 0, 2, 0),
      node("alert3", 6, 0, 0),
    ];
    const text = engineMetrics({ tasks: { list: () => [view("b", nodeStats)] } })();
    expect(samples(text, "tickd_task_points_received_total")).toEqual([
      'tickd_task_points_received_total{task="b"} 6',
    ]);
  });

  it("renders topic alerts by current level", () => {
    const topics: NonNullable<EngineMetricsDeps["topics"]> = {
      listTopics: () => [{ id: "main:cpu:alert2", level: Level.CRITICAL, collected: 5 }],
      topicEvents: () => [
        { id: "a", message: "", details: "", time: 0n, duration: 0, level: Level.CRITICAL },
        { id: "b", message: "", details: "", time: 0n, duration: 0, level: Level.CRITICAL },
        { id: "c", message: "", details: "", time: 0n, duration: 0, level: Level.OK },
      ],
    };
    const text = engineMetrics({ tasks: { list: () => [] }, topics })();
    expect(samples(text, "tickd_topic_alerts")).toEqual([
      'tickd_topic_alerts{topic="main:cpu:alert2",level="OK"} 1',
      'tickd_topic_alerts{topic="main:cpu:alert2",level="INFO"} 0',
      'tickd_topic_alerts{topic="main:cpu:alert2",level="WARNING"} 0',
      'tickd_topic_alerts{topic="main:cpu:alert2",level="CRITICAL"} 2',
    ]);
    expect(samples(text, "tickd_topic_events_collected_total")).toEqual([
      'tickd_topic_events_collected_total{topic="main:cpu:alert2"} 5',
    ]);
  });

  it("renders Kafka inputs from stats(), read lazily through a getter", () => {
    const started: { inputs?: { stats(): KafkaInputStats[] } } = {};
    const scrape = engineMetrics({ tasks: { list: () => [] }, kafka: () => started.inputs });
    expect(scrape()).not.toContain("tickd_kafka");
    started.inputs = {
      stats: () => [kafkaStat("in1", { lag: 12, messages: 40, badMessages: 2, paused: true })],
    };
    const text = scrape();
    expect(samples(text, "tickd_kafka_input_lag")).toEqual(['tickd_kafka_input_lag{input="in1"} 12']);
    expect(samples(text, "tickd_kafka_input_messages_total")).toEqual([
      'tickd_kafka_input_messages_total{input="in1"} 40',
    ]);
    expect(samples(text, "tickd_kafka_input_bad_messages_total")).toEqual([
      'tickd_kafka_input_bad_messages_total{input="in1"} 2',
    ]);
    expect(samples(text, "tickd_kafka_input_paused")).toEqual(['tickd_kafka_input_paused{input="in1"} 1']);
    expect(text).toContain("# TYPE tickd_kafka_input_lag gauge\n");
    expect(text).toContain("# TYPE tickd_kafka_input_messages_total counter\n");
  });

  it("treats a getter whose binding is not initialised yet as no Kafka inputs", () => {
    const scrape = engineMetrics({
      tasks: { list: () => [] },
      kafka: () => {
        throw new ReferenceError("Cannot access 'kafkaInputs' before initialization");
      },
    });
    expect(scrape()).not.toContain("tickd_kafka");
    expect(engineMetrics({ tasks: { list: () => [] }, kafka: { stats: () => [] } })()).not.toContain(
      "tickd_kafka",
    );
  });
});

describe("GET /metrics of the daemon", () => {
  it("answers the task's counters after a write, next to the delivery metrics", async () => {
    const { daemon } = await startDaemonIn({ tasks: { "cpu.tick": `${SCRIPT}.topic('cpu')` } });
    cleanups.push(() => daemon.stop());
    const url = `http://127.0.0.1:${daemon.port}`;
    const w = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: "cpu,host=a v=95 1\ncpu,host=a v=50 2\n",
    });
    expect(w.status).toBe(204);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain("# TYPE tickd_deliveries_total counter\n");
    expect(samples(text, "tickd_task_executing")).toEqual(['tickd_task_executing{task="cpu"} 1']);
    expect(samples(text, "tickd_task_points_received_total")).toEqual([
      'tickd_task_points_received_total{task="cpu"} 2',
    ]);
    expect(samples(text, "tickd_alert_events_total")).toEqual([
      'tickd_alert_events_total{task="cpu",node="alert2"} 2',
    ]);
    expect(samples(text, "tickd_topic_events_collected_total")).toEqual([
      'tickd_topic_events_collected_total{topic="cpu"} 2',
    ]);
    expect(samples(text, "tickd_topic_alerts")).toEqual([
      'tickd_topic_alerts{topic="cpu",level="OK"} 1',
      'tickd_topic_alerts{topic="cpu",level="INFO"} 0',
      'tickd_topic_alerts{topic="cpu",level="WARNING"} 0',
      'tickd_topic_alerts{topic="cpu",level="CRITICAL"} 0',
    ]);
    expect(text).not.toContain("tickd_kafka");
  });
});
