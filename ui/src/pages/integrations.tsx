/**
 * Connectors (`GET /tickd/v1/connectors`) and inbound integrations (`GET
 * /tickd/v1/integrations`), each with its last event and its last error when they exist
 * (DESIGN §12, §13). Secrets never reach the console: the API returns none, and error
 * messages have them redacted. A writer can test a connector (Kibana's `_execute`).
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { getJson, send, type ActivityJson, type ConnectorActivity, type IntegrationActivity } from "../api";
import { ErrorBanner, Table, usePoll, When, type Column } from "../util";

interface ExecuteResult {
  status: "ok" | "error";
  message?: string;
  service_message?: string;
}

/** The last event and last error columns (each labelled inside its cell on a phone). */
function activityColumns<T extends ActivityJson>(): Column<T>[] {
  return [
    {
      title: "Last event",
      class: "last-event",
      cell: (r) => (
        <>
          <span class="cell-label">Last event: </span>
          {r.last_event === null ? <span class="muted">never</span> : <When time={r.last_event} />}
        </>
      ),
    },
    {
      title: "Last error",
      class: "last-error detail",
      cell: (r) => (
        <>
          <span class="cell-label">Last error: </span>
          {r.last_error === null ? (
            <span class="muted">none</span>
          ) : (
            <>
              {r.last_error_at !== null && <When time={r.last_error_at} />}{" "}
              <span class="lvl-critical">{r.last_error}</span>
            </>
          )}
        </>
      ),
    },
  ];
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
          <Table
            rows={cs}
            rowKey={(c) => c.id}
            attrs={(c) => ({ "data-connector": c.id })}
            columns={[
              {
                title: "Connector",
                cell: (c) => (
                  <>
                    {c.name} <code>{c.id}</code>
                    {c.is_missing_secrets && <span class="badge lvl-critical">missing secrets</span>}
                  </>
                ),
              },
              { title: "Type", cell: (c) => <code>{c.connector_type_id}</code> },
              {
                title: "Used by",
                class: "num",
                cell: (c) => (
                  <>
                    <span class="cell-label">Used by: </span>
                    {c.referenced_by_count}
                  </>
                ),
              },
              ...activityColumns<ConnectorActivity>(),
              {
                title: "Actions",
                header: <span class="sr-only">Actions</span>,
                class: "actions",
                cell: (c) =>
                  props.write && (
                    <button type="button" onClick={() => test(c)} aria-label={`Test connector ${c.id}`}>
                      Test
                    </button>
                  ),
              },
            ]}
          />
        )}
      </section>
      <section aria-labelledby="inbound-title">
        <h2 id="inbound-title">Inbound integrations</h2>
        <p class="muted">
          Point a tool's webhook at <code>/tickd/v1/integrations/&lt;source&gt;?topic=&lt;topic&gt;</code>.
        </p>
        <Table
          rows={sources}
          rowKey={(x) => x.name}
          attrs={(x) => ({ "data-integration": x.name })}
          columns={[
            {
              title: "Source",
              cell: (x) => (
                <>
                  {x.name}
                  {x.aliases.length > 0 && <small class="muted"> ({x.aliases.join(", ")})</small>}
                </>
              ),
            },
            {
              title: "Signature",
              cell: (x) => (
                <>
                  <span class="cell-label">Signature: </span>
                  {x.signature_checked ? "checked" : <span class="muted">not checked</span>}
                </>
              ),
            },
            ...activityColumns<IntegrationActivity>(),
          ]}
        />
      </section>
    </section>
  );
}
