/**
 * `tickctl cluster`: `GET /tickd/v1/cluster` as tables — the members and what each holds, every
 * input partition (owner, restore progress, offsets, lag), the dispatcher's partitions and the
 * config topic's progress. `--json` prints the document. When tickd cannot read the groups
 * from Kafka (503) it prints this instance's own figures and the reason, and exits 1.
 */
import type { ClusterStatusJson } from "../../cluster/status-view.js";
import { printJson, runClient, type ClientOptions } from "./api.js";
import { columnWidth, padRight } from "./format.js";

/** Left-aligned columns as wide as their longest cell plus one space, as the other listings. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) =>
    columnWidth(
      rows.map((r) => r[i] ?? ""),
      h.length,
    ),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => padRight(c, widths[i] ?? 0))
      .join("")
      .trimEnd() + "\n";
  return line(headers) + rows.map(line).join("");
}

/** `0-3,5` for [0,1,2,3,5]; `-` for none. */
export function partitionList(ps: readonly number[]): string {
  if (ps.length === 0) return "-";
  const out: string[] = [];
  let start = ps[0]!;
  let prev = start;
  for (const p of [...ps.slice(1), Number.NaN]) {
    if (p === prev + 1) {
      prev = p;
      continue;
    }
    out.push(start === prev ? String(start) : prev === start + 1 ? `${start},${prev}` : `${start}-${prev}`);
    start = p;
    prev = p;
  }
  return out.join(",");
}

/** The human form of the document (everything but `--json`). */
export function formatCluster(s: ClusterStatusJson): string {
  if (!s.enabled) return "Cluster mode is off: this tickd runs as one node ([cluster] enabled = false).\n";
  let text = `Cluster ${s.name ?? ""}, this member: ${s.member_id ?? ""}`;
  text += s.updated !== undefined ? ` (Kafka figures of ${s.updated})\n` : "\n";
  if (s.members !== undefined) {
    text += `\nMembers (${s.members.length}):\n`;
    text += table(
      ["ID", "Host", "Input partitions", "Dispatch partitions", "Client ID"],
      s.members.map((m) => [
        m.id === s.member_id ? `${m.id} (this)` : m.id,
        m.host,
        partitionList(m.partitions.input) +
          Object.entries(m.partitions.input_topics ?? {})
            .map(([t, ps]) => ` ${t}:${partitionList(ps)}`)
            .join(""),
        partitionList(m.partitions.dispatch),
        m.client_id,
      ]),
    );
  }
  if (s.input !== undefined) {
    text += `\nInput: group ${s.input.group} (${s.input.state}), topic ${s.input.topic}\n`;
    const other = s.input.partitions.some((p) => p.topic !== s.input!.topic);
    text += table(
      [...(other ? ["Topic"] : []), "Partition", "Owner", "State", "Restored", "Committed", "End", "Lag"],
      s.input.partitions.map((p) => [
        ...(other ? [p.topic] : []),
        String(p.partition),
        p.owner ?? "-",
        p.state ?? "",
        p.restored !== undefined && p.restore_total !== undefined ? `${p.restored}/${p.restore_total}` : "",
        p.committed_offset,
        p.end_offset ?? "",
        p.lag !== undefined ? String(p.lag) : "",
      ]),
    );
  }
  if (s.dispatch !== undefined) {
    text += `\nDispatch: group ${s.dispatch.group} (${s.dispatch.state}), topic ${s.dispatch.topic}`;
    text += s.dispatch.in_flight !== undefined ? `, in flight here: ${s.dispatch.in_flight}\n` : "\n";
    if (s.dispatch.partitions.length > 0)
      text += table(
        ["Partition", "Owner", "Committed", "End", "Lag"],
        s.dispatch.partitions.map((p) => [
          String(p.partition),
          p.owner ?? "-",
          p.committed_offset,
          p.end_offset,
          String(p.lag),
        ]),
      );
  }
  if (s.config !== undefined)
    text += `\nConfig topic: ${s.config.applied} records applied, ${s.config.caught_up ? "caught up" : "still reading"}\n`;
  return text;
}

/** `tickctl cluster [--json]`. */
export function runCluster(opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const res = await api.get("/tickd/v1/cluster", [503]);
    const body = (res.body ?? { enabled: false }) as ClusterStatusJson & { message?: string };
    if (opts.json) printJson(opts, body);
    else if (body.enabled === true || res.status === 200) opts.out(formatCluster(body));
    if (res.status !== 200) {
      opts.err(`tickctl: ${body.error ?? body.message ?? `HTTP ${res.status}`}\n`);
      return 1;
    }
    return 0;
  });
}
