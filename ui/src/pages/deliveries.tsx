/**
 * Failed deliveries (`GET /tickd/v1/deliveries?status=failed`) with their last error; a writer
 * can queue one again (`POST /tickd/v1/deliveries/{id}/retry`).
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { getJson, send, type Delivery } from "../api";
import { Link } from "../router";
import { ErrorBanner, usePoll, When } from "../util";

export function DeliveriesPage(props: { write: boolean }): JSX.Element {
  const list = usePoll(
    () => getJson<{ deliveries: Delivery[] }>("/tickd/v1/deliveries?status=failed&limit=200"),
    "deliveries",
  );
  const [notice, setNotice] = useState("");
  const [error, setError] = useState("");
  const retry = (d: Delivery): void => {
    send("POST", `/tickd/v1/deliveries/${d.id}/retry`).then(
      () => {
        setNotice(`Delivery ${d.id} queued again`);
        setError("");
        list.reload();
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };
  const rows = list.data?.deliveries ?? [];
  return (
    <section aria-labelledby="deliveries-title">
      <h1 id="deliveries-title">Failed deliveries</h1>
      <ErrorBanner error={list.error || error} />
      <p class="notice" role="status" aria-live="polite">
        {notice}
      </p>
      {list.data !== undefined && rows.length === 0 && <p>No failed deliveries.</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Alert</th>
                <th scope="col">Handler</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">When</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id}>
                  <td>{d.id}</td>
                  <th scope="row">
                    <Link href={`/ui/history?id=${encodeURIComponent(d.alert_id)}`}>{d.alert_id}</Link>
                    <br />
                    <small>{d.topic}</small>
                  </th>
                  <td>
                    {d.handler} <small>({d.kind})</small>
                  </td>
                  <td>{d.attempts}</td>
                  <td class="detail">
                    {d.last_status > 0 ? `HTTP ${d.last_status}: ` : ""}
                    {d.last_error}
                  </td>
                  <td>
                    <When time={d.updated} />
                  </td>
                  <td class="actions">
                    {props.write && (
                      <button type="button" onClick={() => retry(d)} aria-label={`Retry delivery ${d.id}`}>
                        Retry
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
