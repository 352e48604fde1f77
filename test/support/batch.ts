/**
 * Runs a batch TICKscript in-process against a real InfluxDB: fires the query nodes at chosen
 * ticks (or drives `task.tick()` for the wall-clock schedules), waits for the queries, flushes
 * influxDBOut, and returns what the httpOut endpoints hold, the statements sent, the alert
 * events and the log messages. Shared by the batch integration suites.
 */
import type { AlertEvent, Series } from "../../src/core/alert-event.js";
import { HttpOutNode } from "../../src/engine/nodes/http-out-node.js";
import { InfluxDBOutNode } from "../../src/engine/nodes/influxdb-out-node.js";
import { QueryNode } from "../../src/engine/nodes/query-node.js";
import { createInfluxAccess } from "../../src/sources/influxdb.js";
import type { HttpPostAccess } from "../../src/engine/context.js";
import { runScript } from "./engine.js";
import { influxConfig } from "./influx.js";

export interface Ran {
  /** httpOut('name') series, by group in first-seen order; [] before any data. */
  out(name: string): Series[];
  /** The statements sent, in order. */
  queries: string[];
  events: AlertEvent[];
  messages: string[];
}

export async function runBatch(
  url: string,
  script: string,
  ticks: { fire?: (number | bigint)[]; clock?: (number | bigint)[] },
  opts: { httpPost?: HttpPostAccess } = {},
): Promise<Ran> {
  const influx = createInfluxAccess([influxConfig(url)]);
  const r = runScript(script, {
    influx,
    ...(opts.httpPost !== undefined ? { httpPost: opts.httpPost } : {}),
  });
  const qs = r.task.nodes.filter((n): n is QueryNode => n instanceof QueryNode);
  try {
    // Each fire waits for its queries, so that batches of one tick arrive before the next.
    for (const t of ticks.fire ?? []) {
      for (const q of qs) q.fire(BigInt(t));
      for (const q of qs) await q.idle();
    }
    for (const now of ticks.clock ?? []) r.task.tick(BigInt(now));
    for (const q of qs) await q.idle();
    for (const n of r.task.nodes) if (n instanceof InfluxDBOutNode) await n.flush();
    const queries = r.logs
      .filter((l) => l.msg === "starting batch query")
      .map((l) => String(l.fields?.["query"]));
    return {
      out: (name) => {
        const h = r.task.nodes.find((n): n is HttpOutNode => n instanceof HttpOutNode && n.endpoint === name);
        if (h === undefined) throw new Error(`no httpOut('${name}')`);
        return h.result().series ?? [];
      },
      queries,
      events: r.events,
      messages: r.messages,
    };
  } finally {
    await r.task.stop();
    await influx.close();
  }
}
