/**
 * Silences by state (active, pending, expired) from `/api/v2/silences`; a writer can expire
 * one (`DELETE /api/v2/silence/{id}`) or extend it by an hour (re-posting it with its id and a
 * later end, which Alertmanager applies in place while the matchers are unchanged).
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { getJson, send, type PostableSilence, type Silence } from "../api";
import { formatMatchers } from "../matchers";
import { ErrorBanner, usePoll, When } from "../util";

const STATES = ["active", "pending", "expired"] as const;

export function SilencesPage(props: { write: boolean }): JSX.Element {
  const silences = usePoll(() => getJson<Silence[]>("/api/v2/silences"), "silences");
  const [notice, setNotice] = useState("");
  const [error, setError] = useState("");
  const done = (message: string): void => {
    setNotice(message);
    setError("");
    silences.reload();
  };
  const fail = (e: unknown): void => setError(e instanceof Error ? e.message : String(e));
  const expire = (s: Silence): void => {
    send("DELETE", `/api/v2/silence/${encodeURIComponent(s.id)}`).then(
      () => done(`Silence ${s.id} expired`),
      fail,
    );
  };
  const extend = (s: Silence): void => {
    const end = Math.max(Date.parse(s.endsAt), Date.now()) + 3_600_000;
    const body: PostableSilence = {
      id: s.id,
      matchers: s.matchers,
      startsAt: s.startsAt,
      endsAt: new Date(end).toISOString(),
      createdBy: s.createdBy,
      comment: s.comment,
    };
    send<{ silenceID: string }>("POST", "/api/v2/silences", body).then(
      () => done(`Silence ${s.id} extended to ${new Date(end).toISOString()}`),
      fail,
    );
  };
  const all = silences.data ?? [];
  return (
    <section aria-labelledby="silences-title">
      <h1 id="silences-title">Silences</h1>
      <ErrorBanner error={silences.error || error} />
      <p class="notice" role="status" aria-live="polite">
        {notice}
      </p>
      {STATES.map((state) => {
        const list = all
          .filter((s) => s.status.state === state)
          .sort((a, b) => Date.parse(b.endsAt) - Date.parse(a.endsAt));
        return (
          <section key={state} aria-labelledby={`silences-${state}`}>
            <h2 id={`silences-${state}`}>
              {state[0]!.toUpperCase() + state.slice(1)} <span class="badge">{list.length}</span>
            </h2>
            {list.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Matchers</th>
                      <th scope="col">Starts</th>
                      <th scope="col">Ends</th>
                      <th scope="col">Created by</th>
                      <th scope="col">Comment</th>
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((s) => (
                      <tr key={s.id} data-silence={s.id}>
                        <th scope="row">
                          <code>{formatMatchers(s.matchers)}</code>
                        </th>
                        <td>
                          <When time={s.startsAt} />
                        </td>
                        <td>
                          <When time={s.endsAt} />
                        </td>
                        <td>{s.createdBy}</td>
                        <td>{s.comment}</td>
                        <td class="actions">
                          {props.write && state !== "expired" && (
                            <>
                              <button
                                type="button"
                                onClick={() => extend(s)}
                                aria-label={`Extend silence ${s.id} by 1h`}
                              >
                                +1h
                              </button>
                              <button
                                type="button"
                                onClick={() => expire(s)}
                                aria-label={`Expire silence ${s.id}`}
                              >
                                Expire
                              </button>
                            </>
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
      })}
    </section>
  );
}
