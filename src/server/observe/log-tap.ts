/**
 * Live log subscribers for `GET /kapacitor/v1/logs` (`tickctl logs`, `tickctl watch`): every
 * JSON line the logger writes is offered to each subscriber whose filters it matches. With no
 * subscriber a line costs one length check; lines are parsed only while someone listens.
 *
 * Filters are Kapacitor's: each `key=value` must equal the line's field of that name (`task`,
 * `service`, `node`, …); `lvl` matches the level name (debug, info, warn, error), and with a
 * trailing `+` (`lvl=warn+`) that level and above.
 */
const LEVEL_NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};
const LEVEL_VALUES: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  warning: 40,
  error: 50,
  fatal: 60,
};

export type LogFilters = Readonly<Record<string, string>>;

interface Subscriber {
  filters: LogFilters;
  send(line: string): void;
  end(): void;
}

export class LogTap {
  private readonly subs = new Set<Subscriber>();

  /**
   * Starts delivering matching lines (each ends in "\n") to `send`; call the result to stop.
   * `end` is called if the tap closes first (daemon shutdown), so streams do not hold it up.
   */
  subscribe(filters: LogFilters, send: (line: string) => void, end: () => void = () => {}): () => void {
    const sub: Subscriber = { filters, send, end };
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  /** Ends every subscription. */
  close(): void {
    const subs = [...this.subs];
    this.subs.clear();
    for (const s of subs) s.end();
  }

  get listening(): number {
    return this.subs.size;
  }

  /** Called with every line the logger writes. */
  offer(line: string): void {
    if (this.subs.size === 0) return;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const text = line.endsWith("\n") ? line : `${line}\n`;
    for (const s of this.subs) if (matches(rec, s.filters)) s.send(text);
  }
}

function matches(rec: Record<string, unknown>, filters: LogFilters): boolean {
  for (const [k, want] of Object.entries(filters)) {
    if (k === "lvl" && want.endsWith("+")) {
      const min = LEVEL_VALUES[want.slice(0, -1).toLowerCase()];
      if (min === undefined || typeof rec["level"] !== "number" || rec["level"] < min) return false;
      continue;
    }
    const have = k === "lvl" ? LEVEL_NAMES[rec["level"] as number] : rec[k];
    if (have === undefined || String(have) !== want) return false;
  }
  return true;
}
