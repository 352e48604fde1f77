/**
 * Connectors (`GET /tickd/v1/connectors`) and inbound integrations (`GET
 * /tickd/v1/integrations`), each with its last event and its last error when they exist
 * (DESIGN §12, §13). Secrets never reach the console: the API returns none, and error
 * messages have them redacted. A writer can test a connector (Kibana's `_execute`).
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { getJson, send, type ConnectorActivity, type IntegrationActivity } from "../api";
import { ErrorBanner, usePoll, When } from "../util";

interface ExecuteResult {
  status: "ok" | "error";
  message?: string;
  service_message?: string;
}

/** The last event and last error cells of one row (labelled inside the cell on a phone). */
function ActivityCells(props: {
  last_event: string | null;
  last_error: string | null;
  last_error_at: string | null;
}): JSX.Element {
  return (
    <>
      <td class="last-event">
        <span class="cell-label">Last event: </span>
        {props.last_event === null ? <span class="muted">never</span> : <When time={props.last_event} />}
      </td>
      <td class="last-error detail">
        <span class="cell-label">Last error: </span>
        {props.last_error === null ? (
          <span class="muted">none</span>
        ) : (
          <>
            {props.last_error_at !== null && <When time={props.last_error_at} />}{" "}
            <span class="lvl-critical">{props.last_error}</span>
          </>
        )}
      </td>
    </>
  );
}

export function IntegrationsPage(props: { write: boolean }): JSX.Element {
  const connectors = usePoll(
    () => getJson<{ connectors: ConnectorActivity[] }>("/tickd/v1/connectors"),
    "connectors",
  );
  const inbound = usePoll(
    () => getJson<{ integrations: IntegrationActivity[] }>("/tickd/v1/integrations"),
    "integrations",
  );
  const [notice, setNotice] = useState("");
  const [error, setError] = useState("");
  const test = (c: ConnectorActivity): void => {
    setNotice("");
    send<ExecuteResult>(
      "POST",
      `/api/actions/connector/${encodeURIComponent(c.id)}/_execute`,
      { params: {} },
      { "kbn-xsrf": "tickd-console" },
    ).then(
      (r) => {
        if (r?.status === "ok") {
          setNotice(`Connector ${c.id} answered ok`);
          setError("");
        } else setError(`Connector ${c.id}: ${[r?.message, r?.service_message].filter(Boolean).join(": ")}`);
        connectors.reload();
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };
  const cs = connectors.data?.connectors ?? [];
  const sources = inbound.data?.integrations ?? [];
  return (
    <section aria-labelledby="integrations-title">
      <h1 id="integrations-title">Connectors and integrations</h1>
      <ErrorBanner error={connectors.error || inbound.error || error} />
      <p class="notice" role="status" aria-live="polite">
        {notice}
      </p>
      <section aria-labelledby="connectors-title">
        <h2 id="connectors-title">Connectors ({cs.length})</h2>
        {connectors.data !== undefined && cs.length === 0 && (
          <p class="muted">
            No connectors yet: <code>tickctl connectors create</code> or{" "}
            <code>POST /api/actions/connector</code>.
          </p>
        )}
        {cs.length > 0 && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Connector</th>
                  <th scope="col">Type</th>
                  <th scope="col" class="num">
                    Used by
                  </th>
                  <th scope="col">Last event</th>
                  <th scope="col">Last error</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {cs.map((c) => (
                  <tr key={c.id} data-connector={c.id}>
                    <th scope="row">
                      {c.name} <code>{c.id}</code>
                      {c.is_missing_secrets && <span class="badge lvl-critical">missing secrets</span>}
                    </th>
                    <td>
                      <code>{c.connector_type_id}</code>
                    </td>
                    <td class="num">
                      <span class="cell-label">Used by: </span>
                      {c.referenced_by_count}
                    </td>
                    <ActivityCells {...c} />
                    <td class="actions">
                      {props.write && (
                        <button type="button" onClick={() => test(c)} aria-label={`Test connector ${c.id}`}>
                          Test
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
      <section aria-labelledby="inbound-title">
        <h2 id="inbound-title">Inbound integrations</h2>
        <p class="muted">
          Point a tool's webhook at <code>/tickd/v1/integrations/&lt;source&gt;?topic=&lt;topic&gt;</code>.
        </p>
        {sources.length > 0 && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Signature</th>
                  <th scope="col">Last event</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {sources.map((s) => (
                  <tr key={s.name} data-integration={s.name}>
                    <th scope="row">
                      {s.name}
                      {s.aliases.length > 0 && <small class="muted"> ({s.aliases.join(", ")})</small>}
                    </th>
                    <td>
                      <span class="cell-label">Signature: </span>
                      {s.signature_checked ? "checked" : <span class="muted">not checked</span>}
                    </td>
                    <ActivityCells {...s} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}
