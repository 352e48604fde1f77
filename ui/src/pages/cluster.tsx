/**
 * Cluster mode (DESIGN §11) from `GET /tickd/v1/cluster`: the members and the partitions each
 * holds, every input partition with its owner, restore progress and lag, the dispatcher's
 * partitions and the config topic's progress. When tickd cannot read the groups from Kafka
 * (503) the reason is shown above what this instance knows by itself.
 */
import type { JSX } from "preact";
import { getJsonWith, type ClusterStatus } from "../api";
import { ErrorBanner, usePoll, When } from "../util";

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

function ClusterView(props: { s: ClusterStatus }): JSX.Element {
  const { s } = props;
  const me = s.member_id ?? "";
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
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Host</th>
                  <th scope="col">Input partitions</th>
                  <th scope="col">Dispatch partitions</th>
                </tr>
              </thead>
              <tbody>
                {s.members.map((m) => (
                  <tr key={m.id} data-member={m.id}>
                    <th scope="row">
                      <code>{m.id}</code> {m.id === me && <span class="badge">this</span>}
                    </th>
                    <td>{m.host}</td>
                    <td>
                      {partitionList(m.partitions.input)}
                      {Object.entries(m.partitions.input_topics ?? {}).map(([t, ps]) => (
                        <div key={t}>
                          <small>
                            {t}: {partitionList(ps)}
                          </small>
                        </div>
                      ))}
                    </td>
                    <td>{partitionList(m.partitions.dispatch)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {s.input !== undefined && (
        <section aria-labelledby="cluster-input">
          <h2 id="cluster-input">Input partitions</h2>
          <p class="muted">
            Group <code>{s.input.group}</code> ({s.input.state}), topic <code>{s.input.topic}</code>
          </p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Partition</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Restore</th>
                  <th scope="col" class="num">
                    Committed
                  </th>
                  <th scope="col" class="num">
                    End
                  </th>
                  <th scope="col" class="num">
                    Lag
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.input.partitions.map((p) => (
                  <tr key={`${p.topic}/${p.partition}`} data-partition={`${p.topic}/${p.partition}`}>
                    <th scope="row">
                      {p.topic === s.input!.topic ? p.partition : `${p.topic}/${p.partition}`}
                    </th>
                    <td>{p.owner ?? <span class="muted">nobody</span>}</td>
                    <td>
                      <Restore
                        {...(p.restored !== undefined ? { restored: p.restored } : {})}
                        {...(p.restore_total !== undefined ? { total: p.restore_total } : {})}
                        {...(p.state !== undefined ? { state: p.state } : {})}
                      />
                    </td>
                    <td class="num">{offset(p.committed_offset)}</td>
                    <td class="num">{p.end_offset ?? "—"}</td>
                    <td class="num lag">{p.lag ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
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
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Partition</th>
                    <th scope="col">Owner</th>
                    <th scope="col" class="num">
                      Committed
                    </th>
                    <th scope="col" class="num">
                      End
                    </th>
                    <th scope="col" class="num">
                      Lag
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {s.dispatch.partitions.map((p) => (
                    <tr key={p.partition} data-dispatch-partition={p.partition}>
                      <th scope="row">{p.partition}</th>
                      <td>{p.owner ?? <span class="muted">nobody</span>}</td>
                      <td class="num">{offset(p.committed_offset)}</td>
                      <td class="num">{p.end_offset}</td>
                      <td class="num lag">{p.lag}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}
