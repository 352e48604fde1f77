/**
 * What a config reload (SIGHUP) may change in a running daemon, as pure functions.
 *
 * Handler sections (`[victorops]`, `[[httppost]]`, `[[escalation]]`, `[[kafka]]`), `[webhook]`
 * and `[delivery]` apply at once. Everything else is read once at start (the listening socket,
 * the SQLite file, inputs, logging, the engine): a change there is named as needing a restart
 * and the running value stays. Two keys inside live sections are start-only too: `[delivery]
 * journal` (it chooses the database the journal lives in) and the `global` /
 * `state-changes-only` keys of notifier sections (globals.ts: they change task graphs when
 * they are compiled).
 *
 * Keys are named as the TOML spells them (`[http] bind-address`, `[[httppost]]`), never with
 * their values, so a report can be logged whatever the values hold.
 */
import { GLOBAL_KEYS_START_ONLY } from "./globals.js";
import { NOTIFIER_SECTIONS } from "./notifiers.js";
import { SECTIONS, TOP_LEVEL } from "./schema.js";
import type { TickdConfig } from "./types.js";

/** Sections whose new values are used as soon as the reload is applied. */
export const LIVE_SECTIONS: readonly string[] = [
  "victorops",
  "httppost",
  "escalation",
  "kafka",
  "webhook",
  "delivery",
  "integrations",
  // Kapacitor's notification services (slack, pagerduty2, …): handlers read them at each send.
  ...NOTIFIER_SECTIONS.map((n) => n.name),
  "smtp",
  "mqtt",
  "snmptrap",
  "sensu",
];

export interface ReloadPlan {
  /** The config to run on: the live sections from `next`, everything else as it runs now. */
  readonly config: TickdConfig;
  /** Live keys whose value changed (applied by this reload), in config-file order. */
  readonly applied: readonly string[];
  /** Keys whose value changed but only take effect after a restart (not applied). */
  readonly needsRestart: readonly string[];
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

type Table = Record<string, unknown>;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Compares `running` with a freshly loaded `next` and decides what the reload applies. */
export function planReload(running: TickdConfig, next: TickdConfig): ReloadPlan {
  const applied: string[] = [];
  const needsRestart: string[] = [];
  const run = running as unknown as Table;
  const nxt = next as unknown as Table;

  for (const key of Object.keys(TOP_LEVEL)) {
    if (!same(run[camel(key)], nxt[camel(key)])) needsRestart.push(key);
  }
  for (const section of SECTIONS) {
    const prop = camel(section.name);
    const live = LIVE_SECTIONS.includes(section.name);
    const into = live ? applied : needsRestart;
    if (section.kind === "array") {
      // Lists of tables are named as a whole: their elements have no stable name to report.
      if (!same(run[prop], nxt[prop])) into.push(`[[${section.name}]]`);
      continue;
    }
    const a = (run[prop] ?? {}) as Table;
    const b = (nxt[prop] ?? {}) as Table;
    for (const key of Object.keys(section.shape)) {
      if (same(a[camel(key)], b[camel(key)])) continue;
      const startOnly = START_ONLY.has(`${section.name}.${key}`);
      (startOnly ? needsRestart : into).push(`[${section.name}] ${key}`);
    }
  }
  // `[victorops] global` adds the handler only while VictorOps is enabled: what the tasks got
  // at start is `enabled && global`, so that is what changes.
  const globalNow = running.victorops.enabled && running.victorops.global;
  const globalNext = next.victorops.enabled && next.victorops.global;
  const globalAt = needsRestart.indexOf("[victorops] global");
  if (globalAt >= 0 && globalNow === globalNext) needsRestart.splice(globalAt, 1);
  else if (globalAt < 0 && globalNow !== globalNext) needsRestart.push("[victorops] global");

  const live: Table = { ...run };
  for (const name of LIVE_SECTIONS) live[camel(name)] = nxt[camel(name)];
  // Global notifier switches are read when tasks compile: they keep their running value.
  for (const path of GLOBAL_KEYS_START_ONLY) {
    const [section, key] = path.split(".") as [string, string];
    const s = camel(section);
    live[s] = { ...(live[s] as Table), [camel(key)]: (run[s] as Table)[camel(key)] };
  }
  const config: TickdConfig = {
    ...(live as unknown as TickdConfig),
    victorops: { ...next.victorops, global: running.victorops.global },
    delivery: { ...next.delivery, journal: running.delivery.journal },
    smtp: { ...next.smtp, global: running.smtp.global, stateChangesOnly: running.smtp.stateChangesOnly },
    mqtt: next.mqtt,
    snmptrap: next.snmptrap,
    sensu: next.sensu,
  };
  return { config, applied, needsRestart: ordered(needsRestart) };
}

/** Keys of live sections that are still read only at start. */
const START_ONLY = new Set([
  ...GLOBAL_KEYS_START_ONLY,
  "delivery.journal",
  "victorops.global",
  "smtp.global",
  "smtp.state-changes-only",
]);

/** Top-level keys first, then sections in the order of kapacitor.conf.example. */
function ordered(keys: string[]): string[] {
  const rank = (k: string): number => {
    const m = /^\[\[?([^\]]+)\]/.exec(k);
    if (m === null) return -1;
    return SECTIONS.findIndex((s) => s.name === m[1]);
  };
  return keys
    .map((k, i) => ({ k, i, r: rank(k) }))
    .sort((x, y) => x.r - y.r || x.i - y.i)
    .map((x) => x.k);
}
