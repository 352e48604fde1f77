/**
 * `GET /kapacitor/v1/debug/vars`: Kapacitor's expvar document, in the shape Telegraf's
 * `kapacitor` input and Chronograf read (top-level `cluster_id`, `host`, `num_tasks`,
 * `num_enabled_tasks`, `num_subscriptions`, `server_id`, `version`, `memstats`, and under
 * `kapacitor` one `{name, tags, values}` object per statistic: `ingress` per
 * database/retention policy/measurement, `edges` per pipeline edge, `nodes` per pipeline
 * node, `load`). Like Kapacitor, `avg_exec_time_ns` is a Go duration string there.
 *
 * Memory figures come from Node: Go's heap fields are mapped to V8's (HeapAlloc = used heap,
 * HeapSys = reserved heap, Sys = resident set); NumGC and PauseTotalNs are counted from GC
 * performance entries since this module was created.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { formatGoDuration } from "../../core/go-format.js";
import type { TaskView } from "../task-service.js";
import type { IngressRow } from "./ingress.js";

export interface DebugVarsSource {
  clusterId: string;
  serverId: string;
  host: string;
  version: string;
  tasks(): readonly TaskView[];
  ingress(): readonly IngressRow[];
  /** InfluxDB subscriptions this instance holds (0 without InfluxDB). */
  subscriptions(): number;
  /** Tasks or handler files that failed to load from the load directories. */
  loadErrors(): number;
}

export interface Statistic {
  name: string;
  tags: Record<string, string>;
  values: Record<string, number | string>;
}

/** Counts GC runs and their pause time (Go's NumGC, PauseTotalNs). */
class GcCounter {
  numGc = 0;
  pauseTotalNs = 0;
  lastGcNs = 0;
  private readonly observer: PerformanceObserver;
  constructor() {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.numGc++;
        this.pauseTotalNs += Math.round(e.duration * 1e6);
        this.lastGcNs = Math.round((performance.timeOrigin + e.startTime + e.duration) * 1e6);
      }
    });
    this.observer.observe({ entryTypes: ["gc"] });
  }
  close(): void {
    this.observer.disconnect();
  }
}

export class DebugVars {
  private readonly gc = new GcCounter();

  constructor(private readonly src: DebugVarsSource) {}

  close(): void {
    this.gc.close();
  }

  document(): Record<string, unknown> {
    const s = this.src;
    const tasks = s.tasks();
    const base = { cluster_id: s.clusterId, server_id: s.serverId, host: s.host };
    const stats: Statistic[] = [];
    for (const r of s.ingress()) {
      stats.push({
        name: "ingress",
        tags: {
          ...base,
          task_master: "main",
          database: r.database,
          retention_policy: r.retentionPolicy,
          measurement: r.measurement,
        },
        values: { points_received: r.pointsReceived },
      });
    }
    for (const t of tasks) {
      if (!t.executing) continue;
      const kindOf = new Map(t.nodeStats.map((n) => [n.name, n]));
      for (const n of t.nodeStats) {
        stats.push({
          name: "nodes",
          tags: { ...base, task: t.id, node: n.name, type: t.type, kind: n.kind },
          values: {
            avg_exec_time_ns: formatGoDuration(Math.round(n.avgExecTimeNs)),
            errors: n.errors,
            working_cardinality: n.workingCardinality,
            collected: n.collected,
            emitted: n.emitted,
            ...n.extra,
          },
        });
        for (const e of n.edges) {
          if (!kindOf.has(e.child)) continue;
          stats.push({
            name: "edges",
            tags: { ...base, task: t.id, parent: n.name, child: e.child, type: t.type },
            values: { collected: e.processed, emitted: e.processed },
          });
        }
      }
    }
    stats.push({ name: "load", tags: { ...base }, values: { errors: s.loadErrors() } });

    const kapacitor: Record<string, Statistic> = {};
    for (const st of stats) kapacitor[statKey(st)] = st;
    return {
      cluster_id: s.clusterId,
      cmdline: process.argv,
      host: s.host,
      kapacitor,
      memstats: this.memstats(),
      num_enabled_tasks: tasks.filter((t) => t.status === "enabled").length,
      num_subscriptions: s.subscriptions(),
      num_tasks: tasks.length,
      platform: "tickd",
      product: "kapacitor",
      server_id: s.serverId,
      version: s.version,
    };
  }

  private memstats(): Record<string, number> {
    const m = process.memoryUsage();
    return {
      Alloc: m.heapUsed,
      Sys: m.rss,
      HeapAlloc: m.heapUsed,
      HeapSys: m.heapTotal,
      HeapIdle: Math.max(0, m.heapTotal - m.heapUsed),
      HeapInuse: m.heapUsed,
      OtherSys: m.external + m.arrayBuffers,
      NumGC: this.gc.numGc,
      PauseTotalNs: this.gc.pauseTotalNs,
      LastGC: this.gc.lastGcNs,
    };
  }
}

/** A stable key per statistic: name and sorted tags (Kapacitor keys its expvar map the same way). */
function statKey(st: Statistic): string {
  const tags = Object.keys(st.tags)
    .sort()
    .map((k) => `${k}=${st.tags[k]}`)
    .join(",");
  return `${st.name}:${tags}`;
}
