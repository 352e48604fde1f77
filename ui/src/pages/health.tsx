/**
 * Health from tickd's own `/metrics` (Prometheus text): inputs (points per task, Kafka
 * consumers and their lag), handlers (deliveries by outcome, refusals, node errors) and the
 * delivery journal. Only series that say something (non-zero, or a gauge) are listed.
 */
import type { JSX } from "preact";
import { getText } from "../api";
import { Link } from "../router";
import { ErrorBanner, usePoll } from "../util";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's sample lines (comments and blank lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === "n" ? "\n" : c));
    }
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

const SECTIONS: readonly { title: string; prefixes: readonly string[]; always?: boolean }[] = [
  {
    title: "Inputs",
    prefixes: ["tickd_task_points_received_total", "tickd_task_points_dropped_total", "tickd_kafka_input_"],
  },
  { title: "Kafka lag", prefixes: ["tickd_kafka_input_lag"], always: true },
  {
    title: "Handlers and errors",
    prefixes: [
      "tickd_deliveries_total",
      "tickd_delivery_refused_total",
      "tickd_node_errors_total",
      "tickd_tasks_failed",
    ],
  },
  {
    title: "Delivery journal",
    prefixes: ["tickd_delivery_queue_depth", "tickd_delivery_retrying", "tickd_delivery_journal_"],
    always: true,
  },
];

export function HealthPage(): JSX.Element {
  const metrics = usePoll(() => getText("/metrics").then(parseMetrics), "metrics");
  const all = metrics.data ?? [];
  return (
    <section aria-labelledby="health-title">
      <h1 id="health-title">Health</h1>
      <ErrorBanner error={metrics.error} />
      <p>
        Members, partitions and lag of cluster mode: <Link href="/ui/cluster">Cluster</Link>.
      </p>
      {SECTIONS.map((s) => {
        const rows = all.filter(
          (x) => s.prefixes.some((p) => x.name.startsWith(p)) && (s.always === true || x.value !== 0),
        );
        const id = `health-${s.title.replace(/\W+/g, "-").toLowerCase()}`;
        return (
          <section key={s.title} aria-labelledby={id}>
            <h2 id={id}>{s.title}</h2>
            {rows.length === 0 ? (
              <p class="muted">{metrics.data === undefined ? "Loading…" : "Nothing to report."}</p>
            ) : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Metric</th>
                      <th scope="col">Labels</th>
                      <th scope="col" class="num">
                        Value
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r, i) => (
                      <tr key={i}>
                        <td>
                          <code>{r.name.replace(/^tickd_/, "")}</code>
                        </td>
                        <td>
                          {Object.entries(r.labels)
                            .map(([k, v]) => `${k}=${v}`)
                            .join(", ")}
                        </td>
                        <td class="num">{r.value}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
    </section>
  );
}
