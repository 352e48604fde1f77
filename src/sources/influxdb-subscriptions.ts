/**
 * InfluxDB subscriptions pointing at tickd (Kapacitor's services/influxdb): on every database
 * and retention policy of each enabled `[[influxdb]]` section (only those listed in
 * `subscriptions` when it is non-empty, never those in `excluded-subscriptions`), a
 * subscription named `kapacitor-<cluster id>` (`kapacitor-<server id>` in `server` mode) sends
 * every write to tickd's `/write`:
 *
 *   CREATE SUBSCRIPTION "kapacitor-<id>" ON "db"."rp" DESTINATIONS ALL 'http://host:port'
 *
 * `sync()` creates missing subscriptions, recreates ours when its destination changed and
 * drops ours from db/rps no longer wanted; it runs again every `subscriptions-sync-interval`.
 * `stop(true)` drops every subscription tickd made (clean shutdown).
 */
import type { InfluxDBConfig } from "../config/types.js";
import { coerceError } from "../core/errors.js";
import { clientOptionsFrom, createInfluxClient, type InfluxClient } from "./influxdb.js";

export interface SubscriptionLogger {
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
}

export interface SubscriptionOptions {
  configs: readonly InfluxDBConfig[];
  /** `http://host:port` where tickd serves `/write` (a section's kapacitor-hostname/http-port/subscription-protocol override parts of it). */
  selfUrl: string;
  clusterId: string;
  /** Used instead of clusterId in `server` subscription mode. */
  serverId?: string;
  logger: SubscriptionLogger;
  /** Test hook: a client per section (default: the 1.x client from the section). */
  clientFor?: (c: InfluxDBConfig) => InfluxClient;
}

export interface SubscriptionManager {
  /** One pass over every section; resolves when done (errors are logged, not thrown). */
  sync(): Promise<SyncReport>;
  /** Stops the periodic sync; with `removeOnShutdown`, drops tickd's subscriptions. */
  stop(removeOnShutdown: boolean): Promise<void>;
  /** Subscriptions tickd held after the last pass, over all sections (Kapacitor's `num_subscriptions`). */
  count(): number;
}

export interface SyncReport {
  created: string[];
  dropped: string[];
  errors: string[];
}

interface ExistingSub {
  db: string;
  rp: string;
  name: string;
  destinations: string[];
}

function ident(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function str(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** The destination a section's subscriptions point at. */
export function subscriptionDestination(c: InfluxDBConfig, selfUrl: string): string {
  const u = new URL(selfUrl);
  if (c.subscriptionProtocol !== undefined) u.protocol = c.subscriptionProtocol + ":";
  if (c.kapacitorHostname !== "") u.hostname = c.kapacitorHostname;
  if (c.httpPort > 0) u.port = String(c.httpPort);
  return `${u.protocol}//${u.host}`;
}

export function subscriptionName(c: InfluxDBConfig, clusterId: string, serverId?: string): string {
  return `kapacitor-${c.subscriptionMode === "server" && serverId !== undefined ? serverId : clusterId}`;
}

/** Whether db.rp should carry tickd's subscription under this section's lists. */
export function wantsSubscription(c: InfluxDBConfig, db: string, rp: string): boolean {
  if (c.excludedSubscriptions[db]?.includes(rp) === true) return false;
  if (Object.keys(c.subscriptions).length === 0) return true;
  return c.subscriptions[db]?.includes(rp) === true;
}

function rows(series: { columns: string[]; values?: unknown[][] } | undefined): Record<string, unknown>[] {
  if (series === undefined) return [];
  return (series.values ?? []).map((v) => Object.fromEntries(series.columns.map((c, i) => [c, v[i]])));
}

export function manageSubscriptions(o: SubscriptionOptions): SubscriptionManager {
  const sections = o.configs.filter((c) => c.enabled && !c.disableSubscriptions && c.urls.length > 0);
  const clients = new Map<string, InfluxClient>();
  const ownClients = new Set<InfluxClient>();
  const clientOf = (c: InfluxDBConfig): InfluxClient => {
    let cl = clients.get(c.name);
    if (cl === undefined) {
      if (o.clientFor !== undefined) cl = o.clientFor(c);
      else {
        cl = createInfluxClient(clientOptionsFrom(c));
        ownClients.add(cl);
      }
      clients.set(c.name, cl);
    }
    return cl;
  };
  let running: Promise<SyncReport> | undefined;
  /** Subscriptions held per section after its last successful pass. */
  const held = new Map<string, number>();

  async function syncSection(c: InfluxDBConfig, report: SyncReport): Promise<void> {
    const cl = clientOf(c);
    const name = subscriptionName(c, o.clusterId, o.serverId);
    const dest = subscriptionDestination(c, o.selfUrl);
    const dbs = rows((await cl.queryRaw("SHOW DATABASES"))[0]?.series?.[0]).map((r) => String(r["name"]));
    const wanted = new Set<string>();
    for (const db of dbs) {
      const res = (await cl.queryRaw(`SHOW RETENTION POLICIES ON ${ident(db)}`))[0];
      if (res?.error !== undefined) throw new Error(res.error);
      for (const r of rows(res?.series?.[0])) {
        const rp = String(r["name"]);
        if (wantsSubscription(c, db, rp)) wanted.add(`${db}\u0000${rp}`);
      }
    }
    const existing: ExistingSub[] = [];
    for (const s of (await cl.queryRaw("SHOW SUBSCRIPTIONS"))[0]?.series ?? []) {
      for (const r of rows(s)) {
        const d = r["destinations"];
        existing.push({
          db: s.name ?? "",
          rp: String(r["retention_policy"]),
          name: String(r["name"]),
          destinations: Array.isArray(d) ? d.map(String) : [],
        });
      }
    }
    const ours = new Map(existing.filter((s) => s.name === name).map((s) => [`${s.db}\u0000${s.rp}`, s]));
    for (const [key, s] of ours) {
      const stale = !wanted.has(key) || s.destinations.length !== 1 || s.destinations[0] !== dest;
      if (!stale) continue;
      await cl.queryRaw(`DROP SUBSCRIPTION ${ident(name)} ON ${ident(s.db)}.${ident(s.rp)}`);
      report.dropped.push(`${c.name}:${s.db}.${s.rp}`);
      ours.delete(key);
    }
    for (const key of wanted) {
      if (ours.has(key)) continue;
      const [db, rp] = key.split("\u0000") as [string, string];
      const res = (
        await cl.queryRaw(
          `CREATE SUBSCRIPTION ${ident(name)} ON ${ident(db)}.${ident(rp)} DESTINATIONS ALL ${str(dest)}`,
        )
      )[0];
      if (res?.error !== undefined) {
        report.errors.push(`${c.name}:${db}.${rp}: ${res.error}`);
        continue;
      }
      report.created.push(`${c.name}:${db}.${rp}`);
      ours.set(key, { db, rp, name, destinations: [dest] });
    }
    held.set(c.name, ours.size);
  }

  const sync = (): Promise<SyncReport> => {
    running ??= (async () => {
      const report: SyncReport = { created: [], dropped: [], errors: [] };
      for (const c of sections) {
        try {
          await syncSection(c, report);
        } catch (e) {
          report.errors.push(`${c.name}: ${coerceError(e).message}`);
        }
      }
      for (const e of report.errors) o.logger.log("error", `influxdb subscriptions: ${e}`);
      if (report.created.length + report.dropped.length > 0)
        o.logger.log("info", "influxdb subscriptions synced", {
          created: report.created,
          dropped: report.dropped,
        });
      return report;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timers: NodeJS.Timeout[] = [];
  const intervals = new Set(sections.map((c) => c.subscriptionsSyncInterval).filter((ns) => ns > 0));
  for (const ns of intervals) {
    const t = setInterval(() => void sync(), Math.max(1, ns / 1e6));
    t.unref();
    timers.push(t);
  }

  return {
    sync,
    count: () => [...held.values()].reduce((a, b) => a + b, 0),
    async stop(removeOnShutdown) {
      for (const t of timers) clearInterval(t);
      if (running !== undefined) await running.catch(() => undefined);
      if (removeOnShutdown) {
        for (const c of sections) {
          const cl = clientOf(c);
          const name = subscriptionName(c, o.clusterId, o.serverId);
          try {
            for (const s of (await cl.queryRaw("SHOW SUBSCRIPTIONS"))[0]?.series ?? [])
              for (const r of rows(s))
                if (r["name"] === name)
                  await cl.queryRaw(
                    `DROP SUBSCRIPTION ${ident(name)} ON ${ident(s.name ?? "")}.${ident(String(r["retention_policy"]))}`,
                  );
          } catch (e) {
            o.logger.log("error", `influxdb subscriptions: removing on ${c.name}: ${coerceError(e).message}`);
          }
        }
      }
      await Promise.all([...ownClients].map((c) => c.close()));
    },
  };
}
