/** Small shared pieces of the console: polling, time formatting, the error banner, tables. */
import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: string;
  reload: () => void;
}

/**
 * Loads `load()` now, whenever `key` changes and every `everyMs` (0: never again), keeping
 * the last good data while a reload runs so the page does not flicker.
 */
export function usePoll<T>(load: () => Promise<T>, key: string, everyMs = 5000): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState("");
  const loadRef = useRef(load);
  loadRef.current = load;
  const seq = useRef(0);
  const reload = useCallback(() => {
    const mine = ++seq.current;
    loadRef.current().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError("");
      },
      (e: unknown) => {
        if (mine !== seq.current) return;
        setError(e instanceof Error ? e.message : String(e));
      },
    );
  }, []);
  useEffect(() => {
    reload();
    if (everyMs <= 0) return;
    const t = setInterval(reload, everyMs);
    return () => clearInterval(t);
  }, [key, everyMs, reload]);
  return { data, error, reload };
}

/** "3m ago" / "in 2h" with the exact time in a tooltip. */
export function When(props: { time: string }): JSX.Element {
  const ms = Date.parse(props.time);
  if (Number.isNaN(ms) || ms <= 0) return <span>—</span>;
  return (
    <time dateTime={props.time} title={new Date(ms).toISOString()}>
      {relative(ms - Date.now())}
    </time>
  );
}

export function relative(deltaMs: number): string {
  const abs = Math.abs(deltaMs);
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  let text = "now";
  for (const [size, unit] of units) {
    if (abs >= size) {
      text = `${Math.floor(abs / size)}${unit}`;
      break;
    }
  }
  if (text === "now") return text;
  return deltaMs < 0 ? `${text} ago` : `in ${text}`;
}

/** "2h", "30m", "1d", "1h30m" → ms; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(s)) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

export function ErrorBanner(props: { error: string }): JSX.Element | null {
  if (props.error === "") return null;
  return (
    <p class="error" role="alert">
      {props.error}
    </p>
  );
}

export const LEVELS = ["critical", "warning", "info"] as const;

/** A column of a {@link Table}: its header and what a row shows. */
export interface Column<T> {
  title: string;
  /** The header when it is not the title itself (e.g. a title only screen readers hear). */
  header?: ComponentChildren;
  /** The cells' class ("num": right-aligned figures). */
  class?: string;
  cell: (row: T) => ComponentChildren;
}

/** A table of rows: the first column heads each row; `attrs` are the row's data-* attributes. */
export function Table<T>(props: {
  rows: readonly T[];
  rowKey: (row: T) => string;
  attrs: (row: T) => Record<string, string>;
  columns: readonly Column<T>[];
}): JSX.Element {
  const [head, ...rest] = props.columns;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.title} scope="col" {...(c.class !== undefined ? { class: c.class } : {})}>
                {c.header ?? c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={props.rowKey(r)} {...props.attrs(r)}>
              <th scope="row">{head?.cell(r)}</th>
              {rest.map((c) => (
                <td key={c.title} class={c.class}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
