/**
 * A small InfluxDB 1.x client on undici: `/query` (InfluxQL, JSON answers) and `/write` (line
 * protocol). Queries go without `epoch`, as Kapacitor's do: InfluxDB then prints times as
 * RFC3339Nano strings, which parse to exact int64 ns; `epoch=ns` numbers past 2^53 (every
 * present-day time) would lose their last digits in JSON.parse. Credentials from `[[influxdb]] username/password` go in a Basic
 * Authorization header; a `token` (2.x's v1-compatible API) goes as `Token <t>`. With several
 * `urls`, a request that cannot connect moves on to the next URL.
 *
 * `createInfluxAccess(configs)` turns the `[[influxdb]]` sections into the engine's
 * `InfluxAccess` (batch queries, `influxDBOut`), picking the named cluster or the default one.
 */
import { readFileSync } from "node:fs";
import { Agent, request, type Dispatcher } from "undici";
import type { InfluxDBConfig } from "../config/types.js";
import { TickdError } from "../core/errors.js";
import { formatPoints, type Precision } from "../core/line-protocol.js";
import type { FieldValue, Fields, Point, Tags } from "../core/types.js";
import type { InfluxAccess, InfluxSeries } from "../engine/context.js";
import { parseRFC3339Nano } from "../core/time.js";
import { createInflux2Client, type Influx2Client } from "./influxdb2.js";

export const E_INFLUXDB = "E_INFLUXDB";

/** One series as InfluxDB's JSON carries it. */
export interface RawSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

export interface RawResult {
  statement_id?: number;
  series?: RawSeries[];
  error?: string;
}

export interface InfluxClientOptions {
  urls: readonly string[];
  username?: string;
  password?: string;
  /** 2.x token for the v1-compatible API. */
  token?: string;
  /** ms; 0 or undefined = none. */
  timeoutMs?: number;
  tls?: { ca?: string; cert?: string; key?: string; insecureSkipVerify?: boolean };
}

export interface InfluxClient {
  /** Every result of the statement(s), errors included as `error`. */
  queryRaw(influxql: string, db?: string): Promise<RawResult[]>;
  /** Every series of every statement as points; throws on a statement error. */
  query(influxql: string, db?: string): Promise<InfluxSeries[]>;
  write(db: string, rp: string, points: readonly Point[], precision?: Precision): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

function influxError(msg: string, cause?: unknown): TickdError {
  return new TickdError(E_INFLUXDB, msg, cause === undefined ? undefined : { cause });
}

/** Parses one result's series (Kapacitor's ResultToBufferedBatches, minus the batch parts). */
export function parseSeries(raw: readonly RawSeries[] | undefined): InfluxSeries[] {
  const out: InfluxSeries[] = [];
  for (const s of raw ?? []) {
    const tags: Tags = { ...(s.tags ?? {}) };
    const timeCol = s.columns.indexOf("time");
    const points: Point[] = [];
    for (const row of s.values ?? []) {
      const fields: Fields = {};
      let time = 0n;
      let any = false;
      for (let i = 0; i < s.columns.length; i++) {
        const v = row[i];
        if (i === timeCol) {
          time = parseTime(v);
          continue;
        }
        // A null value (no data in a GROUP BY time bucket, fill(null)) leaves out that field;
        // a row without any value is dropped (Kapacitor's ResultToBufferedBatches).
        if (v === null || v === undefined) continue;
        fields[s.columns[i]!] = fieldValue(v);
        any = true;
      }
      if (any) points.push({ name: s.name ?? "", tags, fields, time });
    }
    out.push({ name: s.name ?? "", tags, points });
  }
  return out;
}

function parseTime(v: unknown): bigint {
  if (typeof v === "string") {
    // RFC3339Nano, in UTC or with the offset of the query's tz() clause.
    const t = parseRFC3339Nano(v);
    if (t !== undefined) return t;
  }
  // An `epoch=ns` answer (not asked for here; callers may hand one in): exact only up to 2^53.
  if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.round(v));
  throw influxError(`unexpected time value in query result: ${JSON.stringify(v)}`);
}

function fieldValue(v: unknown): FieldValue {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  return JSON.stringify(v);
}

function authHeader(o: InfluxClientOptions): string | undefined {
  if (o.token !== undefined && o.token !== "") return `Token ${o.token}`;
  if (o.username !== undefined && o.username !== "")
    return "Basic " + Buffer.from(`${o.username}:${o.password ?? ""}`).toString("base64");
  return undefined;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export function createInfluxClient(o: InfluxClientOptions): InfluxClient {
  if (o.urls.length === 0) throw influxError("no InfluxDB urls configured");
  const urls = o.urls.map((u) => u.replace(/\/+$/, ""));
  const timeout = o.timeoutMs !== undefined && o.timeoutMs > 0 ? o.timeoutMs : 0;
  const dispatcher: Dispatcher = new Agent({
    connections: 16,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    ...(o.tls !== undefined
      ? {
          connect: {
            ...(o.tls.ca ? { ca: o.tls.ca } : {}),
            ...(o.tls.cert ? { cert: o.tls.cert } : {}),
            ...(o.tls.key ? { key: o.tls.key } : {}),
            rejectUnauthorized: o.tls.insecureSkipVerify !== true,
          },
        }
      : {}),
  });
  const auth = authHeader(o);
  let current = 0;

  async function send(
    method: "GET" | "POST",
    path: string,
    params: Record<string, string>,
    body?: string,
    contentType?: string,
  ): Promise<{ status: number; text: string }> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < urls.length; attempt++) {
      const base = urls[(current + attempt) % urls.length]!;
      const url = `${base}${path}?${new URLSearchParams(params).toString()}`;
      const headers: Record<string, string> = {};
      if (auth !== undefined) headers["authorization"] = auth;
      if (contentType !== undefined) headers["content-type"] = contentType;
      try {
        const res = await request(url, {
          method,
          headers,
          dispatcher,
          ...(body !== undefined ? { body } : {}),
        });
        const text = await res.body.text();
        current = (current + attempt) % urls.length;
        return { status: res.statusCode, text };
      } catch (e) {
        lastErr = e;
        const code = (e as { code?: string }).code;
        if (code === undefined || !NETWORK_CODES.has(code)) break;
      }
    }
    const msg = lastErr instanceof Error ? lastErr.message : String(lastErr);
    throw influxError(`InfluxDB at ${urls.join(", ")} unreachable: ${msg}`, lastErr);
  }

  function errorOf(status: number, text: string): TickdError {
    let msg = text.trim();
    try {
      const j = JSON.parse(text) as { error?: unknown; message?: unknown };
      if (typeof j.error === "string") msg = j.error;
      else if (typeof j.message === "string") msg = j.message;
    } catch {
      // plain text
    }
    return influxError(`InfluxDB answered ${status}: ${msg}`);
  }

  const client: InfluxClient = {
    async queryRaw(influxql, db) {
      const params: Record<string, string> = { q: influxql };
      if (db !== undefined && db !== "") params["db"] = db;
      // POST: InfluxDB 1.x requires it for CREATE/DROP and accepts it for SELECT/SHOW.
      const { status, text } = await send("POST", "/query", params);
      if (status < 200 || status >= 300) throw errorOf(status, text);
      let parsed: { results?: RawResult[]; error?: string };
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch (e) {
        throw influxError(`InfluxDB answered ${status} with invalid JSON: ${text.slice(0, 200)}`, e);
      }
      if (typeof parsed.error === "string") throw influxError(`query failed: ${parsed.error}`);
      return parsed.results ?? [];
    },
    async query(influxql, db) {
      const results = await client.queryRaw(influxql, db);
      const out: InfluxSeries[] = [];
      for (const r of results) {
        if (typeof r.error === "string") throw influxError(`query failed: ${r.error}: ${influxql}`);
        out.push(...parseSeries(r.series));
      }
      return out;
    },
    async write(db, rp, points, precision = "ns") {
      if (points.length === 0) return;
      const p = precision === "n" ? "ns" : precision;
      const params: Record<string, string> = { db, precision: p };
      if (rp !== "") params["rp"] = rp;
      const { status, text } = await send(
        "POST",
        "/write",
        params,
        formatPoints(points, precision),
        "text/plain",
      );
      if (status !== 204 && status !== 200) throw errorOf(status, text);
    },
    async ping() {
      const { status, text } = await send("GET", "/ping", {});
      if (status !== 204 && status !== 200) throw errorOf(status, text);
    },
    async close() {
      await dispatcher.close();
    },
  };
  return client;
}

/** Client options from an `[[influxdb]]` section (TLS files are read here). */
export function clientOptionsFrom(c: InfluxDBConfig): InfluxClientOptions {
  const tls =
    c.sslCa !== "" || c.sslCert !== "" || c.sslKey !== "" || c.insecureSkipVerify
      ? {
          ...(c.sslCa !== "" ? { ca: readFileSync(c.sslCa, "utf8") } : {}),
          ...(c.sslCert !== "" ? { cert: readFileSync(c.sslCert, "utf8") } : {}),
          ...(c.sslKey !== "" ? { key: readFileSync(c.sslKey, "utf8") } : {}),
          insecureSkipVerify: c.insecureSkipVerify,
        }
      : undefined;
  return {
    urls: c.urls,
    username: c.username,
    password: c.password,
    ...(c.timeout > 0 ? { timeoutMs: c.timeout / 1e6 } : {}),
    ...(tls !== undefined ? { tls } : {}),
  };
}

/** The cluster a task names, or the default one (`default = true`, else the only/first enabled). */
export function pickCluster(configs: readonly InfluxDBConfig[], name: string | undefined): InfluxDBConfig {
  const enabled = configs.filter((c) => c.enabled);
  if (name !== undefined && name !== "") {
    const c = enabled.find((x) => x.name === name);
    if (c === undefined) throw influxError(`unknown InfluxDB cluster ${JSON.stringify(name)}`);
    return c;
  }
  const c = enabled.find((x) => x.default) ?? enabled[0];
  if (c === undefined) throw influxError("InfluxDB not configured: no enabled [[influxdb]] section");
  return c;
}

export interface InfluxAccessHandle extends InfluxAccess {
  /** The 1.x client of a cluster (created on first use). */
  client(cluster?: string): InfluxClient;
  close(): Promise<void>;
}

/**
 * The engine's InfluxDB access from `[[influxdb]]` sections. InfluxQL and 1.x writes use the
 * 1.x client; Flux queries use the 2.x client with the section's `token` (`orgs` gives the
 * organisation per section name, since `[[influxdb]]` has no `org` key).
 */
export function createInfluxAccess(
  configs: readonly InfluxDBConfig[],
  opts: { orgs?: Readonly<Record<string, string>> } = {},
): InfluxAccessHandle {
  const v1 = new Map<string, InfluxClient>();
  const v2 = new Map<string, Influx2Client>();
  const clientFor = (cluster: string | undefined): InfluxClient => {
    const c = pickCluster(configs, cluster);
    let cl = v1.get(c.name);
    if (cl === undefined) {
      const o = clientOptionsFrom(c);
      cl = createInfluxClient(c.token !== "" ? { ...o, token: c.token } : o);
      v1.set(c.name, cl);
    }
    return cl;
  };
  const flux = (cluster: string | undefined): { client: Influx2Client; org: string | undefined } => {
    const c = pickCluster(configs, cluster);
    let cl = v2.get(c.name);
    if (cl === undefined) {
      const url = c.urls[0];
      if (url === undefined) throw influxError(`[[influxdb]] ${c.name} has no urls`);
      cl = createInflux2Client({
        url,
        token: c.token,
        ...(c.timeout > 0 ? { timeoutMs: c.timeout / 1e6 } : {}),
      });
      v2.set(c.name, cl);
    }
    return { client: cl, org: opts.orgs?.[c.name] };
  };
  return {
    client: (cluster) => clientFor(cluster),
    query: (cluster, influxql) => clientFor(cluster).query(influxql),
    queryFlux: (cluster, text, q) => {
      const f = flux(cluster);
      const org = q.orgID ?? q.org ?? f.org;
      if (org === undefined)
        return Promise.reject(influxError("queryFlux needs an org: set .org() or .orgID()"));
      return f.client.queryFlux(text, { org, now: q.now });
    },
    write: (cluster, db, rp, points, precision) => clientFor(cluster).write(db, rp, points, precision),
    async close() {
      await Promise.all([...v1.values()].map((c) => c.close()));
      v1.clear();
      v2.clear();
    },
  };
}
