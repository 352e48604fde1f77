/**
 * History: every state change, delivery attempt and on-call note (`GET /tickd/v1/history`),
 * newest first, filtered by alert id, topic, task and age — all kept in the URL.
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { getJson, type HistoryEntry } from "../api";
import { setQuery, useLocation } from "../router";
import { ErrorBanner, usePoll, When } from "../util";

const FIELDS = [
  ["id", "Alert id"],
  ["topic", "Topic"],
  ["task", "Task"],
  ["since", "Since (e.g. 2h)"],
] as const;

export function HistoryPage(): JSX.Element {
  const url = useLocation();
  const current = Object.fromEntries(FIELDS.map(([k]) => [k, url.searchParams.get(k) ?? ""])) as Record<
    string,
    string
  >;
  const query = new URLSearchParams(Object.entries(current).filter(([, v]) => v !== "")).toString();
  const [draft, setDraft] = useState(current);
  useEffect(() => setDraft(current), [query]);
  const entries = usePoll(
    () => getJson<{ history: HistoryEntry[] }>(`/tickd/v1/history?limit=200${query ? `&${query}` : ""}`),
    query,
  );
  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      <form
        class="filter grid"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(draft);
        }}
      >
        {FIELDS.map(([k, label]) => (
          <span key={k}>
            <label for={`h-${k}`}>{label}</label>
            <input
              id={`h-${k}`}
              value={draft[k] ?? ""}
              onInput={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })}
            />
          </span>
        ))}
        <button type="submit">Show</button>
      </form>
      <ErrorBanner error={entries.error} />
      {entries.data !== undefined && entries.data.history.length === 0 && <p>Nothing recorded.</p>}
      {entries.data !== undefined && entries.data.history.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Alert</th>
                <th scope="col">What</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {entries.data.history.map((e) => (
                <tr key={e.id} class={`h-${e.type}`}>
                  <td>
                    <When time={e.time} />
                  </td>
                  <th scope="row">
                    {e.alert_id}
                    <br />
                    <small>{e.topic}</small>
                  </th>
                  <td>{what(e)}</td>
                  <td class="detail">{detail(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function what(e: HistoryEntry): JSX.Element {
  switch (e.type) {
    case "state":
      return (
        <span>
          <span class={`badge lvl-${(e.previous_level ?? "").toLowerCase()}`}>{e.previous_level}</span> →{" "}
          <span class={`badge lvl-${(e.level ?? "").toLowerCase()}`}>{e.level}</span>
        </span>
      );
    case "delivery":
      return (
        <span>
          <span class={`badge d-${e.status ?? ""}`}>{e.status}</span> {e.handler}
          {(e.attempt ?? 0) > 0 ? ` (attempt ${e.attempt})` : ""}
        </span>
      );
    default:
      return <span class="badge">{e.status}</span>;
  }
}

function detail(e: HistoryEntry): string {
  switch (e.type) {
    case "state":
      return e.message ?? "";
    case "delivery": {
      const parts = [e.target ?? ""];
      if ((e.http_status ?? 0) > 0) parts.push(`HTTP ${e.http_status}`);
      if (e.error) parts.push(e.error);
      return parts.filter((p) => p !== "").join(" · ");
    }
    default:
      return [e.handler ? `by ${e.handler}` : "", e.message ?? ""].filter((p) => p !== "").join(": ");
  }
}
