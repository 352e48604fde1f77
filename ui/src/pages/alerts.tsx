/**
 * Alerts now: every firing alert from `/tickd/v1/alerts`, grouped by topic with counts per
 * level, narrowed by a label filter kept in the URL (`?filter=host="a"`). From an alert a
 * writer can silence (with a live preview of what the new silence matches), acknowledge or
 * snooze it.
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { alertId, alertPath, getJson, send, topicOf, type Alert, type PostableSilence } from "../api";
import { formatMatchers, matchesAll, parseMatchers, type Matcher } from "../matchers";
import { Link, setQuery, useLocation } from "../router";
import { ErrorBanner, LEVELS, parseDuration, usePoll, When } from "../util";

/** Labels every tickd alert has; the rest are the alert's tags. */
const BUILTIN = new Set(["alertname", "topic", "task", "severity"]);

type Action = { kind: "silence" | "snooze"; alert: Alert } | undefined;

export function AlertsPage(props: { write: boolean; user: string }): JSX.Element {
  const url = useLocation();
  const filterText = url.searchParams.get("filter") ?? "";
  const [draft, setDraft] = useState(filterText);
  useEffect(() => setDraft(filterText), [filterText]);
  const alerts = usePoll(
    () =>
      getJson<{ alerts: Alert[] }>("/tickd/v1/alerts").then((r) => r.alerts.filter((a) => a.level !== "OK")),
    "alerts",
  );
  const [action, setAction] = useState<Action>(undefined);
  const [notice, setNotice] = useState("");
  const [actionError, setActionError] = useState("");

  let filter: Matcher[] = [];
  let filterError = "";
  try {
    filter = parseMatchers(filterText);
  } catch (e) {
    filterError = `filter: ${(e as Error).message}`;
  }
  const all = alerts.data ?? [];
  const shown = all.filter((a) => matchesAll(filter, a.labels));
  const groups = new Map<string, Alert[]>();
  for (const a of shown) groups.set(topicOf(a), [...(groups.get(topicOf(a)) ?? []), a]);
  const topics = [...groups.keys()].sort();

  const done = (message: string): void => {
    setNotice(message);
    setActionError("");
    setAction(undefined);
    alerts.reload();
  };
  const fail = (e: unknown): void => setActionError(e instanceof Error ? e.message : String(e));

  const ack = (a: Alert, undo: boolean): void => {
    send("POST", alertPath(a, undo ? "unack" : "ack"), { by: props.user || "console", comment: "" }).then(
      () => done(`${alertId(a)} ${undo ? "no longer acknowledged" : "acknowledged"}`),
      fail,
    );
  };

  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      <form
        class="filter"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ filter: draft.trim() });
        }}
      >
        <label for="filter">Label filter</label>
        <input
          id="filter"
          name="filter"
          value={draft}
          placeholder='host="a", severity=~"crit.*"'
          onInput={(e) => setDraft(e.currentTarget.value)}
          aria-describedby="filter-help"
        />
        <button type="submit">Apply</button>
        {filterText !== "" && (
          <button type="button" onClick={() => setQuery({ filter: "" })}>
            Clear
          </button>
        )}
        <small id="filter-help">Matchers as in Alertmanager: =, !=, =~, !~, separated by commas.</small>
      </form>
      <ErrorBanner error={filterError || alerts.error} />
      <p class="notice" role="status" aria-live="polite">
        {notice}
      </p>
      <ErrorBanner error={actionError} />
      {action !== undefined && action.kind === "silence" && (
        <SilenceForm
          alert={action.alert}
          all={all}
          user={props.user}
          onCancel={() => setAction(undefined)}
          onDone={done}
          onError={fail}
        />
      )}
      {action !== undefined && action.kind === "snooze" && (
        <SnoozeForm
          alert={action.alert}
          user={props.user}
          onCancel={() => setAction(undefined)}
          onDone={done}
          onError={fail}
        />
      )}
      {alerts.data !== undefined && shown.length === 0 && (
        <p>{all.length === 0 ? "Nothing is firing." : "No alert matches the filter."}</p>
      )}
      {topics.map((topic) => (
        <TopicGroup
          key={topic}
          topic={topic}
          alerts={groups.get(topic) ?? []}
          write={props.write}
          onSilence={(a) => setAction({ kind: "silence", alert: a })}
          onSnooze={(a) => setAction({ kind: "snooze", alert: a })}
          onAck={ack}
        />
      ))}
    </section>
  );
}

function levelOf(a: Alert): string {
  return a.level.toLowerCase();
}

function TopicGroup(props: {
  topic: string;
  alerts: Alert[];
  write: boolean;
  onSilence: (a: Alert) => void;
  onSnooze: (a: Alert) => void;
  onAck: (a: Alert, undo: boolean) => void;
}): JSX.Element {
  const rank = (a: Alert): number => {
    const i = (LEVELS as readonly string[]).indexOf(levelOf(a));
    return i < 0 ? LEVELS.length : i;
  };
  const sorted = [...props.alerts].sort((a, b) => rank(a) - rank(b) || alertId(a).localeCompare(alertId(b)));
  const id = `topic-${props.topic.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  return (
    <section class="topic" aria-labelledby={id}>
      <h2 id={id}>
        {props.topic || "(no topic)"}{" "}
        <span class="counts">
          {LEVELS.map((l) => {
            const n = props.alerts.filter((a) => levelOf(a) === l).length;
            return n === 0 ? null : (
              <span key={l} class={`badge lvl-${l}`}>
                {n} {l}
              </span>
            );
          })}
        </span>
      </h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">Level</th>
              <th scope="col">Labels</th>
              <th scope="col">Since</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((a) => (
              <AlertRow key={a.fingerprint} alert={a} {...props} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function AlertRow(props: {
  alert: Alert;
  write: boolean;
  onSilence: (a: Alert) => void;
  onSnooze: (a: Alert) => void;
  onAck: (a: Alert, undo: boolean) => void;
}): JSX.Element {
  const a = props.alert;
  const id = alertId(a);
  const snoozed = a.snoozedBy.length > 0;
  const silenced = a.silencedBy.length > a.snoozedBy.length;
  const acked = a.acknowledged !== null;
  const tags = Object.entries(a.labels).filter(([k]) => !BUILTIN.has(k));
  return (
    <tr data-alert={id}>
      <th scope="row">{id}</th>
      <td>
        <span class={`badge lvl-${levelOf(a)}`}>{levelOf(a) || "?"}</span>
      </td>
      <td>
        <ul class="labels">
          {tags.map(([k, v]) => (
            <li key={k}>
              {k}={v}
            </li>
          ))}
          {a.labels["task"] !== undefined && <li>task={a.labels["task"]}</li>}
        </ul>
      </td>
      <td>
        <When time={a.since} />
      </td>
      <td class="state">
        <ul class="states">
          {!silenced && !snoozed && !acked && <li>firing</li>}
          {silenced && <li title={`silenced by ${a.silencedBy.join(", ")}`}>silenced</li>}
          {snoozed && <li>snoozed</li>}
          {a.acknowledged !== null && (
            <li title={a.acknowledged.comment}>acknowledged by {a.acknowledged.by || "someone"}</li>
          )}
        </ul>
        <small>{a.message}</small>
      </td>
      <td class="actions">
        {props.write && (
          <>
            <button type="button" onClick={() => props.onSilence(a)} aria-label={`Silence ${id}`}>
              Silence
            </button>
            <button
              type="button"
              onClick={() => props.onAck(a, acked)}
              aria-label={`${acked ? "Unacknowledge" : "Acknowledge"} ${id}`}
            >
              {acked ? "Unack" : "Ack"}
            </button>
            <button type="button" onClick={() => props.onSnooze(a)} aria-label={`Snooze ${id}`}>
              Snooze
            </button>
          </>
        )}
        <Link href={`/ui/history?id=${encodeURIComponent(id)}`}>History</Link>
      </td>
    </tr>
  );
}

/** Moves keyboard focus into a form when it opens (a keyboard user should not hunt for it). */
function useFocusFirst(): (el: HTMLElement | null) => void {
  const done = useRef(false);
  return (el) => {
    if (el !== null && !done.current) {
      done.current = true;
      el.focus();
    }
  };
}

function SilenceForm(props: {
  alert: Alert;
  all: Alert[];
  user: string;
  onCancel: () => void;
  onDone: (message: string) => void;
  onError: (e: unknown) => void;
}): JSX.Element {
  const a = props.alert;
  const initial: Matcher[] = [
    { name: "alertname", value: alertId(a), isRegex: false, isEqual: true },
    { name: "topic", value: topicOf(a), isRegex: false, isEqual: true },
  ];
  const [matchers, setMatchers] = useState(formatMatchers(initial));
  const [duration, setDuration] = useState("2h");
  const [comment, setComment] = useState("");
  const [by, setBy] = useState(props.user || "console");
  const focus = useFocusFirst();

  let parsed: Matcher[] = [];
  let problem = "";
  try {
    parsed = parseMatchers(matchers);
    if (parsed.length === 0) problem = "give at least one matcher";
  } catch (e) {
    problem = (e as Error).message;
  }
  const ms = parseDuration(duration);
  if (problem === "" && (ms === undefined || ms <= 0)) problem = "duration: expected e.g. 30m, 2h or 1d";
  if (problem === "" && comment.trim() === "") problem = "a comment is required (Alertmanager requires one)";
  const matched =
    problem === "" || parsed.length > 0 ? props.all.filter((x) => matchesAll(parsed, x.labels)) : [];

  const submit = (e: Event): void => {
    e.preventDefault();
    if (problem !== "" || ms === undefined) return;
    const now = Date.now();
    const body: PostableSilence = {
      matchers: parsed,
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + ms).toISOString(),
      createdBy: by,
      comment,
    };
    send<{ silenceID: string }>("POST", "/api/v2/silences", body).then(
      (r) => props.onDone(`Silence ${r?.silenceID ?? ""} created for ${duration}`),
      props.onError,
    );
  };

  return (
    <form class="panel" aria-labelledby="silence-title" onSubmit={submit}>
      <h2 id="silence-title">New silence from {alertId(a)}</h2>
      <label for="silence-matchers">Matchers</label>
      <input
        id="silence-matchers"
        ref={focus}
        value={matchers}
        onInput={(e) => setMatchers(e.currentTarget.value)}
      />
      <div class="row">
        <span>
          <label for="silence-duration">Duration</label>
          <input id="silence-duration" value={duration} onInput={(e) => setDuration(e.currentTarget.value)} />
        </span>
        <span>
          <label for="silence-by">Created by</label>
          <input id="silence-by" value={by} onInput={(e) => setBy(e.currentTarget.value)} />
        </span>
      </div>
      <label for="silence-comment">Comment</label>
      <input id="silence-comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      <div class="preview" aria-live="polite">
        <h3>Preview</h3>
        {parsed.length > 0 ? (
          <p>
            Matches {matched.length} firing alert{matched.length === 1 ? "" : "s"} now
            {matched.length > 0 ? ":" : "."}
          </p>
        ) : null}
        <ul>
          {matched.slice(0, 20).map((x) => (
            <li key={x.fingerprint}>
              {alertId(x)} <small>({topicOf(x)})</small>
            </li>
          ))}
          {matched.length > 20 && <li>… and {matched.length - 20} more</li>}
        </ul>
      </div>
      {problem !== "" && <p class="hint">{problem}</p>}
      <div class="buttons">
        <button type="submit" class="primary" disabled={problem !== ""}>
          Create silence
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function SnoozeForm(props: {
  alert: Alert;
  user: string;
  onCancel: () => void;
  onDone: (message: string) => void;
  onError: (e: unknown) => void;
}): JSX.Element {
  const a = props.alert;
  const [duration, setDuration] = useState("1h");
  const [comment, setComment] = useState("");
  const focus = useFocusFirst();
  const ms = parseDuration(duration);
  const submit = (e: Event): void => {
    e.preventDefault();
    if (ms === undefined) return;
    send("POST", alertPath(a, "snooze"), { for: duration, by: props.user || "console", comment }).then(
      () => props.onDone(`${alertId(a)} snoozed for ${duration}`),
      props.onError,
    );
  };
  return (
    <form class="panel" aria-labelledby="snooze-title" onSubmit={submit}>
      <h2 id="snooze-title">Snooze {alertId(a)}</h2>
      <label for="snooze-duration">For</label>
      <input
        id="snooze-duration"
        ref={focus}
        value={duration}
        onInput={(e) => setDuration(e.currentTarget.value)}
      />
      <label for="snooze-comment">Comment</label>
      <input id="snooze-comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      {ms === undefined && <p class="hint">duration: expected e.g. 30m, 2h or 1d</p>}
      <div class="buttons">
        <button type="submit" class="primary" disabled={ms === undefined}>
          Snooze
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
