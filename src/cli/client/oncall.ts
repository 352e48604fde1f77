/**
 * On-call commands (DESIGN §5): `tickctl silence add|list|expire` with amtool's flags and
 * matcher syntax (they talk to tickd's Alertmanager API v2), and `tickctl ack|unack|snooze
 * <topic> <alert-id>`.
 */
import { userInfo } from "node:os";
import { parseTickDuration } from "../../core/go-format.js";
import { matcherText, MatcherError, parseMatchers, type Matcher } from "../../oncall/matchers.js";
import { runClient, seg, printJson, UsageError, type ClientOptions } from "./api.js";
import { columnWidth, padRight } from "./format.js";

export interface SilenceAddOptions {
  duration?: string;
  start?: string;
  end?: string;
  comment?: string;
  author?: string;
}

interface GettableSilence {
  id: string;
  status: { state: string };
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

function matchersOf(args: readonly string[]): Matcher[] {
  try {
    // amtool: a bare first argument is the alertname.
    return args.flatMap((a, i) =>
      i === 0 && /^[a-zA-Z_:][\w:]*$/.test(a)
        ? [{ name: "alertname", value: a, isRegex: false, isEqual: true }]
        : parseMatchers(a),
    );
  } catch (e) {
    throw new UsageError(e instanceof MatcherError ? e.message : String(e));
  }
}

function time(flag: string, v: string): number {
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(t))
    throw new UsageError(`--${flag}: expected an RFC 3339 time, got ${JSON.stringify(v)}`);
  return t;
}

function durationMs(flag: string, v: string): number {
  try {
    return Math.ceil(parseTickDuration(v) / 1e6);
  } catch (e) {
    throw new UsageError(`--${flag}: ${(e as Error).message}`);
  }
}

function author(given: string | undefined): string {
  if (given !== undefined && given !== "") return given;
  try {
    return userInfo().username;
  } catch {
    return "tickctl";
  }
}

export function runSilenceAdd(
  args: readonly string[],
  o: SilenceAddOptions,
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    if (args.length === 0)
      throw new UsageError('silence add: give at least one matcher, e.g. alertname=cpu or host=~"web-.*"');
    if (o.comment === undefined || o.comment === "")
      throw new UsageError("silence add: --comment is required");
    const matchers = matchersOf(args);
    const start = o.start !== undefined ? time("start", o.start) : Date.now();
    const end = o.end !== undefined ? time("end", o.end) : start + durationMs("duration", o.duration ?? "1h");
    const res = await api.request("POST", "/api/v2/silences", {
      matchers,
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(end).toISOString(),
      createdBy: author(o.author),
      comment: o.comment,
    });
    const id = (res.body as { silenceID?: string } | undefined)?.silenceID ?? "";
    if (opts.json) printJson(opts, { silenceID: id });
    else opts.out(`${id}\n`);
    return 0;
  });
}

export function runSilenceList(
  filters: readonly string[],
  o: { expired?: boolean; quiet?: boolean },
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    const q = new URLSearchParams();
    for (const m of matchersOf(filters)) q.append("filter", matcherText(m));
    const query = q.toString();
    const res = await api.get(`/api/v2/silences${query === "" ? "" : `?${query}`}`);
    const all = (res.body as GettableSilence[] | undefined) ?? [];
    const rows = all.filter((s) => (o.expired === true) === (s.status.state === "expired"));
    if (opts.json) {
      printJson(opts, rows);
      return 0;
    }
    if (o.quiet === true) {
      for (const s of rows) opts.out(`${s.id}\n`);
      return 0;
    }
    const cells = rows.map((s) => ({
      id: s.id,
      matchers: s.matchers.map(matcherText).join(" "),
      state: s.status.state,
      starts: s.startsAt,
      ends: s.endsAt,
      by: s.createdBy,
      comment: s.comment,
    }));
    const head = {
      id: "ID",
      matchers: "Matchers",
      state: "State",
      starts: "Starts At",
      ends: "Ends At",
      by: "Created By",
      comment: "Comment",
    };
    const keys = ["id", "matchers", "state", "starts", "ends", "by"] as const;
    const w = Object.fromEntries(
      keys.map((k) => [k, columnWidth([head[k], ...cells.map((c) => c[k])], 0) + 1]),
    );
    const line = (c: typeof head): string => keys.map((k) => padRight(c[k], w[k]!)).join("") + c.comment;
    opts.out([head, ...cells].map((c) => line(c).trimEnd() + "\n").join(""));
    return 0;
  });
}

export function runSilenceExpire(ids: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    if (ids.length === 0) throw new UsageError("silence expire: give the id of at least one silence");
    for (const id of ids) await api.request("DELETE", `/api/v2/silence/${seg(id)}`);
    return 0;
  });
}

function alertPath(topic: string, id: string, action: string): string {
  return `/tickd/v1/alerts/${seg(topic)}/${id.split("/").map(seg).join("/")}/${action}`;
}

export function runAck(
  topic: string,
  id: string,
  o: { comment?: string; by?: string },
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    const res = await api.request("POST", alertPath(topic, id, "ack"), {
      by: author(o.by),
      comment: o.comment ?? "",
    });
    if (opts.json) printJson(opts, res.body);
    else opts.out(`acknowledged ${topic}/${id}\n`);
    return 0;
  });
}

export function runUnack(topic: string, id: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const res = await api.request("POST", alertPath(topic, id, "unack"), {});
    if (opts.json) printJson(opts, res.body);
    else opts.out(`acknowledgement of ${topic}/${id} removed\n`);
    return 0;
  });
}

export function runSnooze(
  topic: string,
  id: string,
  o: { for?: string; until?: string; comment?: string; by?: string },
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    if (o.until === undefined && o.for === undefined)
      throw new UsageError("snooze: give --for <duration> or --until <RFC 3339 time>");
    const body: Record<string, string> = { by: author(o.by), comment: o.comment ?? "" };
    if (o.until !== undefined) body.until = o.until;
    else body.for = o.for!;
    const res = await api.request("POST", alertPath(topic, id, "snooze"), body);
    const s = (res.body as { silence?: GettableSilence } | undefined)?.silence;
    if (opts.json) printJson(opts, res.body);
    else opts.out(`snoozed ${topic}/${id} until ${s?.endsAt ?? "?"} (silence ${s?.id ?? "?"})\n`);
    return 0;
  });
}
