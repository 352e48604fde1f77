/**
 * Prometheus text for the engine: tasks, their nodes, alerts and Kafka inputs. Every family
 * is prefixed `tickd_` and the text ends with a newline, so it concatenates with the delivery
 * layer's ({@link createMetricsRoute}) into one `/metrics` answer.
 *
 * Everything is read at scrape time from counters the engine keeps anyway (TaskView
 * nodeStats, topic summaries, KafkaInputs.stats()); nothing here is on the write path.
 */
import type { TopicApi } from "../alert/topic-api.js";
import { LEVEL_NAMES, type LevelName } from "../core/types.js";
import { escapeLabel } from "../delivery/index.js";
import type { KafkaInputStats } from "../sources/kafka-input.js";
import type { NodeStatsView, TaskService, TaskView } from "./task-service.js";

/** Anything with the `stats()` of {@link startKafkaInputs}. */
export interface KafkaStatsSource {
  stats(): readonly KafkaInputStats[];
}

export interface EngineMetricsDeps {
  tasks: Pick<TaskService, "list">;
  /** Current alert states per topic (`tickd_topic_alerts`); optional. */
  topics?: Pick<TopicApi, "listTopics" | "topicEvents">;
  /**
   * The running Kafka inputs, or a getter for them: the daemon starts its inputs after the
   * HTTP server, so a getter lets `/metrics` be wired first. A getter that throws (the
   * inputs' binding is not initialised yet) or answers undefined means "no inputs".
   */
  kafka?: KafkaStatsSource | (() => KafkaStatsSource | undefined);
}

/** Kapacitor's per-level alert node statistics, by level. */
const LEVEL_STATS: Readonly<Record<LevelName, string>> = {
  OK: "oks_triggered",
  INFO: "infos_triggered",
  WARNING: "warns_triggered",
  CRITICAL: "crits_triggered",
};

/** Kapacitor names nodes `<desc><id>`: `stream0`, `from1`, `alert2`. */
const STREAM_ROOT = /^stream\d+$/;
const QUERY_NODE = /^query(_flux)?\d+$/;
const ALERT_NODE = /^alert\d+$/;

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

function family(out: string[], name: string, type: "counter" | "gauge", help: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** The alert node's `alerts_triggered`, undefined for other nodes. */
function alertsTriggered(s: NodeStatsView): number | undefined {
  return s.extra["alerts_triggered"];
}

function kafkaStats(src: EngineMetricsDeps["kafka"]): readonly KafkaInputStats[] {
  if (src === undefined) return [];
  try {
    const s = typeof src === "function" ? src() : src;
    return s?.stats() ?? [];
  } catch {
    // The daemon's inputs are declared after the HTTP server: a scrape in between lands here.
    return [];
  }
}

/** A `/metrics` source (see {@link createMetricsRoute}) rendering the engine's counters. */
export function engineMetrics(deps: EngineMetricsDeps): () => string {
  return () => renderEngineMetrics(deps);
}

export function renderEngineMetrics(deps: EngineMetricsDeps): string {
  const out: string[] = [];
  const tasks = deps.tasks.list({});

  family(out, "tickd_task_executing", "gauge", "1 while the task runs, 0 when disabled or failed to start.");
  for (const t of tasks) out.push(`tickd_task_executing${labels({ task: t.id })} ${t.executing ? 1 : 0}`);

  // Enabled yet not executing: the task could not start (its `error` says why) and drops
  // every point written for it. The unlabelled total exists even with no tasks, for alerting.
  const failed = (t: TaskView): boolean => t.status === "enabled" && !t.executing;
  family(
    out,
    "tickd_task_failed",
    "gauge",
    "1 when the task is enabled but could not start (see its error).",
  );
  for (const t of tasks) out.push(`tickd_task_failed${labels({ task: t.id })} ${failed(t) ? 1 : 0}`);
  family(out, "tickd_tasks_failed", "gauge", "Enabled tasks that could not start.");
  out.push(`tickd_tasks_failed ${tasks.filter(failed).length}`);

  const running = tasks.filter((t) => t.executing);
  family(
    out,
    "tickd_task_points_received_total",
    "counter",
    "Points that entered a stream task, or batches its queries returned (batch tasks).",
  );
  for (const t of running) {
    // A batch root receives nothing: its queries produce the task's input (what each query
    // sent down one edge is one batch).
    let n = 0;
    for (const s of t.nodeStats) {
      if (STREAM_ROOT.test(s.name)) n += s.collected;
      else if (QUERY_NODE.test(s.name)) n += s.edges[0]?.processed ?? 0;
    }
    out.push(`tickd_task_points_received_total${labels({ task: t.id })} ${n}`);
  }
  family(
    out,
    "tickd_task_points_dropped_total",
    "counter",
    "Messages dropped by the task's nodes because of an error (sum of the nodes' errors).",
  );
  for (const t of running) {
    const n = t.nodeStats.reduce((a, s) => a + s.errors, 0);
    out.push(`tickd_task_points_dropped_total${labels({ task: t.id })} ${n}`);
  }

  const nodeFamilies = [
    ["tickd_node_collected_total", "collected", "Messages a node received."],
    [
      "tickd_node_emitted_total",
      "emitted",
      "Messages a node passed on, summed over its child edges (0 for a leaf, as Kapacitor's emitted).",
    ],
    ["tickd_node_errors_total", "errors", "Messages a node dropped because of an error."],
  ] as const;
  for (const [name, key, help] of nodeFamilies) {
    family(out, name, "counter", help);
    for (const t of running)
      for (const s of t.nodeStats) out.push(`${name}${labels({ task: t.id, node: s.name })} ${s[key]}`);
  }

  family(
    out,
    "tickd_alert_events_total",
    "counter",
    "Alert events an alert node sent to its topics (every level, inhibited ones included).",
  );
  for (const t of running)
    for (const s of t.nodeStats) {
      const n = alertsTriggered(s);
      if (n !== undefined && ALERT_NODE.test(s.name))
        out.push(`tickd_alert_events_total${labels({ task: t.id, node: s.name })} ${n}`);
    }

  family(out, "tickd_alerts_total", "counter", "Alert events an alert node sent, by level.");
  for (const t of running)
    for (const s of t.nodeStats) {
      if (alertsTriggered(s) === undefined) continue;
      for (const level of LEVEL_NAMES) {
        const n = s.extra[LEVEL_STATS[level]] ?? 0;
        out.push(`tickd_alerts_total${labels({ task: t.id, node: s.name, level })} ${n}`);
      }
    }

  if (deps.topics !== undefined) {
    const topics = deps.topics.listTopics();
    family(out, "tickd_topic_alerts", "gauge", "Alerts (event ids) of a topic by their current level.");
    for (const topic of topics) {
      const n: Record<LevelName, number> = { OK: 0, INFO: 0, WARNING: 0, CRITICAL: 0 };
      for (const e of deps.topics.topicEvents(topic.id) ?? []) n[LEVEL_NAMES[e.level] ?? "OK"]++;
      for (const level of LEVEL_NAMES)
        out.push(`tickd_topic_alerts${labels({ topic: topic.id, level })} ${n[level]}`);
    }
    family(out, "tickd_topic_events_collected_total", "counter", "Alert events collected into a topic.");
    for (const topic of topics)
      out.push(`tickd_topic_events_collected_total${labels({ topic: topic.id })} ${topic.collected}`);
  }

  const inputs = kafkaStats(deps.kafka);
  if (inputs.length > 0) {
    const kafkaFamilies = [
      ["tickd_kafka_input_lag", "gauge", "lag", "Messages behind the partitions' high watermarks."],
      ["tickd_kafka_input_messages_total", "counter", "messages", "Kafka messages read."],
      ["tickd_kafka_input_points_total", "counter", "points", "Points written into the engine."],
      [
        "tickd_kafka_input_bad_messages_total",
        "counter",
        "badMessages",
        "Messages skipped because nothing in them decoded.",
      ],
      ["tickd_kafka_input_bad_lines_total", "counter", "badLines", "Lines or objects that did not decode."],
      [
        "tickd_kafka_input_write_errors_total",
        "counter",
        "writeErrors",
        "Points the engine refused with an error.",
      ],
    ] as const;
    for (const [name, type, key, help] of kafkaFamilies) {
      family(out, name, type, help);
      for (const i of inputs) out.push(`${name}${labels({ input: i.name })} ${i[key]}`);
    }
    family(out, "tickd_kafka_input_paused", "gauge", "1 while the input is paused by backpressure.");
    for (const i of inputs)
      out.push(`tickd_kafka_input_paused${labels({ input: i.name })} ${i.paused ? 1 : 0}`);
  }

  return out.join("\n") + "\n";
}
