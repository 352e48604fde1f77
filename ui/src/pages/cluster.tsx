/**
 * Cluster mode (DESIGN §11) from `GET /tickd/v1/cluster`: the members and the partitions each
 * holds, every input partition with its owner, restore progress and lag, the dispatcher's
 * partitions and the config topic's progress. When tickd cannot read the groups from Kafka
 * (503) the reason is shown above what this instance knows by itself.
 */
import type { JSX } from "preact";
import { getJsonWith, type ClusterStatus } from "../api";
import { ErrorBanner, Table, usePoll, When, type Column } from "../util";

/** "-1" (nothing committed yet) reads as "none". */
function offset(o: string): string {
  return o === "-1" ? "none" : o;
}

function partitionList(ps: readonly number[]): string {
  return ps.length === 0 ? "—" : ps.join(", ");
}

function Restore(props: { restored?: number; total?: number; state?: string }): JSX.Element {
  if (props.restored === undefined || props.total === undefined) return <span class="muted">—</span>;
  const label = `${props.restored} of ${props.total} state records`;
  return (
    <span class="restore">
      <progress value={props.restored} max={Math.max(props.total, 1)} aria-label={label} />{" "}
      <small>{props.state === "active" ? "done" : `${props.restored}/${props.total}`}</small>
    </span>
  );
}

export function ClusterPage(): JSX.Element {
  const st = usePoll(() => getJsonWith<ClusterStatus>("/tickd/v1/cluster", [503]), "cluster");
  const s = st.data?.body;
  const error = st.error || (s?.error ?? "");
  return (
    <section aria-labelledby="cluster-title">
      <h1 id="cluster-title">Cluster</h1>
      <ErrorBanner error={error} />
      {s === undefined ? (
        <p class="muted">{st.error === "" ? "Loading…" : ""}</p>
      ) : !s.enabled ? (
        <p>
          Cluster mode is off: this tickd runs as one node (<code>[cluster] enabled = false</code>).
        </p>
      ) : (
        <ClusterView s={s} />
      )}
    </section>
  );
}

/** Columns the input and dispatch partition tables share. */
interface PartitionRow {
  owner: string | null;
  committed_offset: string;
  end_offset?: string;
  lag?: number;
}
const owner: Column<PartitionRow> = {
  title: "Owner",
  cell: (p) => p.owner ?? <span class="muted">nobody</span>,
};
const offsetColumns: Column<PartitionRow>[] = [
  { title: "Committed", class: "num", cell: (p) => offset(p.committed_offset) },
  { title: "End", class: "num", cell: (p) => p.end_offset ?? "—" },
  { title: "Lag", class: "num lag", cell: (p) => p.lag ?? "—" },
];

function ClusterView(props: { s: ClusterStatus }): JSX.Element {
  const { s } = props;
  const me = s.member_id ?? "";
  const input = s.input;
  return (
    <>
      <dl class="facts">
        <dt>Cluster</dt>
        <dd>{s.name}</dd>
        <dt>This member</dt>
        <dd>
          <code>{me}</code>
        </dd>
        {s.updated !== undefined && (
          <>
            <dt>Read from Kafka</dt>
            <dd>
              <When time={s.updated} />
            </dd>
          </>
        )}
        {s.config !== undefined && (
          <>
            <dt>Config topic</dt>
            <dd>
              {s.config.applied} records applied, {s.config.caught_up ? "caught up" : "still reading"}
            </dd>
          </>
        )}
      </dl>
      {s.members !== undefined && (
        <section aria-labelledby="cluster-members">
          <h2 id="cluster-members">Members ({s.members.length})</h2>
          <Table
            rows={s.members}
            rowKey={(m) => m.id}
            attrs={(m) => ({ "data-member": m.id })}
            columns={[
              {
                title: "Member",
                cell: (m) => (
                  <>
                    <code>{m.id}</code> {m.id === me && <span class="badge">this</span>}
                  </>
                ),
              },
              { title: "Host", cell: (m) => m.host },
              {
                title: "Input partitions",
                cell: (m) => (
                  <>
                    {partitionList(m.partitions.input)}
                    {Object.entries(m.partitions.input_topics ?? {}).map(([t, ps]) => (
                      <div key={t}>
                        <small>
                          {t}: {partitionList(ps)}
                        </small>
                      </div>
                    ))}
                  </>
                ),
              },
              { title: "Dispatch partitions", cell: (m) => partitionList(m.partitions.dispatch) },
            ]}
          />
        </section>
      )}
      {input !== undefined && (
        <section aria-labelledby="cluster-input">
          <h2 id="cluster-input">Input partitions</h2>
          <p class="muted">
            Group <code>{input.group}</code> ({input.state}), topic <code>{input.topic}</code>
          </p>
          <Table
            rows={input.partitions}
            rowKey={(p) => `${p.topic}/${p.partition}`}
            attrs={(p) => ({ "data-partition": `${p.topic}/${p.partition}` })}
            columns={[
              {
                title: "Partition",
                cell: (p) => (p.topic === input.topic ? p.partition : `${p.topic}/${p.partition}`),
              },
              owner,
              {
                title: "Restore",
                cell: (p) => (
                  <Restore
                    {...(p.restored !== undefined ? { restored: p.restored } : {})}
                    {...(p.restore_total !== undefined ? { total: p.restore_total } : {})}
                    {...(p.state !== undefined ? { state: p.state } : {})}
                  />
                ),
              },
              ...offsetColumns,
            ]}
          />
        </section>
      )}
      {s.dispatch !== undefined && (
        <section aria-labelledby="cluster-dispatch">
          <h2 id="cluster-dispatch">Notification dispatch</h2>
          <p class="muted">
            Group <code>{s.dispatch.group}</code> ({s.dispatch.state}), topic <code>{s.dispatch.topic}</code>
            {s.dispatch.in_flight !== undefined && <>, in flight here: {s.dispatch.in_flight}</>}
          </p>
          {s.dispatch.partitions.length > 0 && (
            <Table
              rows={s.dispatch.partitions}
              rowKey={(p) => String(p.partition)}
              attrs={(p) => ({ "data-dispatch-partition": String(p.partition) })}
              columns={[{ title: "Partition", cell: (p) => p.partition }, owner, ...offsetColumns]}
            />
          )}
        </section>
      )}
    </>
  );
}
