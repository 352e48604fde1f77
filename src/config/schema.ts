/**
 * The config schema: every key tickd reads, its TOML type and its default, written once. The
 * loader derives from it the unknown-key check, the env-override types and the validation;
 * the example-file test derives the list of keys that must be documented.
 *
 * Schemas take the TOML spelling (kebab-case keys, durations as "10s") and produce the
 * camelCase {@link TickdConfig}. Defaults are given in TOML form (`prefault`) so they go through
 * the same parsing as a value from the file.
 */
import { z } from "zod";

import { parseTickDuration } from "../core/go-format.js";
import {
  discordShape,
  hipchatShape,
  NOTIFIER_SECRET_URLS,
  alertaShape,
  bigpandaShape,
  servicenowShape,
  zenossShape,
  NOTIFIER_SECTIONS,
  opsgenie2Shape,
  opsgenieShape,
  pagerduty2Shape,
  pagerdutyShape,
  pushoverShape,
  slackShape,
  talkShape,
  teamsShape,
  telegramShape,
} from "./notifiers.js";
import type * as T from "./types.js";

type CamelCase<S extends string> = S extends `${infer H}-${infer R}` ? `${H}${Capitalize<CamelCase<R>>}` : S;
type Camelize<O> = { [K in keyof O as K extends string ? CamelCase<K> : K]: O[K] };

export function camelCase(s: string): string {
  return s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function camelizeKeys<O extends object>(o: O): Camelize<O> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[camelCase(k)] = v;
  return out as Camelize<O>;
}

/** A TOML table with known keys; the output has camelCase keys. */
function table<S extends z.ZodRawShape>(shape: S) {
  return z.object(shape).transform((o) => camelizeKeys(o));
}

// ---------------------------------------------------------------------------------------------
// value types

/** Durations: "10s", "1m30s", "1d" (parseTickDuration), or an integer of nanoseconds as Kapacitor accepts. */
function duration(def: string) {
  return z
    .unknown()
    .transform((v, ctx): number => {
      if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
      if (typeof v === "string") {
        const s = v.trim();
        if (/^\d+$/.test(s)) return Number(s);
        try {
          const ns = parseTickDuration(s);
          if (ns >= 0) return ns;
          ctx.addIssue({
            code: "custom",
            message: `expected a duration of 0 or more, got ${JSON.stringify(v)}`,
          });
        } catch (e) {
          ctx.addIssue({ code: "custom", message: (e as Error).message });
        }
        return 0;
      }
      ctx.addIssue({ code: "custom", message: `expected a duration like "10s", got ${describe(v)}` });
      return 0;
    })
    .prefault(def)
    .describe("duration");
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Sizes: an integer of bytes, or "512KB", "25MB", "1GiB" (all powers of 1024, as InfluxDB's sizes). */
function size(def: string) {
  return z
    .unknown()
    .transform((v, ctx): number => {
      if (typeof v === "number" && Number.isInteger(v) && v > 0) return v;
      if (typeof v === "string") {
        const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(v);
        const unit = m ? SIZE_UNITS[(m[2] ?? "").toLowerCase()] : undefined;
        if (m && unit !== undefined && Number(m[1]) > 0) return Number(m[1]) * unit;
      }
      ctx.addIssue({
        code: "custom",
        message: `expected a size like "25MB" or a number of bytes, got ${describe(v)}`,
      });
      return 0;
    })
    .prefault(def);
}

const str = (def = "") => z.string().default(def);
const bool = (def: boolean) => z.boolean().default(def);
const int = (def: number, min = 0) =>
  z
    .number()
    .int()
    .min(min, { error: `expected an integer of ${min} or more` })
    .default(def);
const httpUrl = (what = "a URL") =>
  z.url({ protocol: /^https?$/, error: `expected ${what} (http:// or https://)` });
const name = (what: string) =>
  z.string().regex(/^[-._\p{L}0-9]+$/u, { error: `expected a ${what} of letters, digits, '.', '-' or '_'` });
const dbrpMap = (def: Record<string, string[]> = {}) =>
  z.record(z.string(), z.array(z.string())).default(def);

/** "host:port" with a non-empty port; the host may be empty (all interfaces) or a bracketed IPv6. */
const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/, {
  error: 'expected "host:port", like "127.0.0.1:9092" or ":9092"',
});

// ---------------------------------------------------------------------------------------------
// sections (raw shapes are exported for key enumeration)

// Both fields are checked together in the loader's cross-checks ("expected both ...").
const basicAuthShape = { username: str(), password: str() };
const userShape = {
  username: z.string().min(1, { error: "expected a user name" }),
  password: z.string(),
  // tickd extension: may only read (GET/HEAD); the web console shows no actions to them.
  "read-only": bool(false),
};

const httpShape = {
  "bind-address": hostPort.default("127.0.0.1:9092"),
  "auth-enabled": bool(false),
  "shared-secret": str(),
  users: z.array(table(userShape)).default([]),
  "max-body-size": size("25MB"),
  "log-enabled": bool(true),
  "shutdown-timeout": duration("10s"),
};

const storageShape = { dir: z.string().min(1, { error: "expected a directory" }).default("./data") };

const loadShape = {
  enabled: bool(true),
  dir: str(),
  "tasks-dir": z.string().optional(),
  "handlers-dir": z.string().optional(),
};

const alertShape = {
  "persist-topics": bool(true),
  "topic-buffer-length": int(5000, 1),
  // On-call history (src/oncall/history.ts): rows older than this are pruned.
  "history-retention": duration("168h"),
};

export const DEFAULT_VICTOROPS_URL = "https://alert.victorops.com/integrations/generic/20131114/alert";

const victoropsShape = {
  enabled: bool(false),
  "api-key": str(),
  "routing-key": str(),
  url: httpUrl().default(DEFAULT_VICTOROPS_URL),
  "json-data": bool(false),
  global: bool(false),
};

const httppostShape = {
  endpoint: name("endpoint name"),
  // A Go template is allowed, so only the literal form is checked as a URL (see checks).
  url: z.string({ error: "expected a URL" }),
  headers: z.record(z.string(), z.string()).default({}),
  "basic-auth": table(basicAuthShape)
    .optional()
    .transform((v) => v ?? null),
  "alert-template": str(),
  "alert-template-file": str(),
  "row-template": str(),
  "row-template-file": str(),
};

export const ESCALATION_EVENTS = [
  "incident.created",
  "incident.updated",
  "incident.acknowledged",
  "incident.resolved",
  "incident.snoozed",
  "incident.suppressed",
] as const;

const escalationShape = {
  name: name("name"),
  url: httpUrl(),
  "auth-key": z.string().min(1, { error: "expected the signing key" }),
  scheme: z.enum(["victorops", "hmac-sha256"]).default("hmac-sha256"),
  events: z
    .array(z.enum(ESCALATION_EVENTS))
    .min(1, { error: "expected at least one event" })
    .default([...ESCALATION_EVENTS]),
};

const webhookShape = {
  "allowed-hosts": z.array(z.string().min(1, { error: "expected a host pattern" })).default(["*"]),
  "verification-mode": z.enum(["full", "certificate", "none"]).default("full"),
  "ca-file": str(),
  timeout: duration("10s"),
  "incoming-secret": str(),
};

// [integrations.<source>]: per-source settings of the inbound normalisers (src/integrations/).
const signedSourceShape = { secret: str() };
const integrationsShape = {
  grafana: table({ ...signedSourceShape, "timestamp-header": str() }).prefault({}),
  sentry: table(signedSourceShape).prefault({}),
  github: table(signedSourceShape).prefault({}),
  bitbucket: table(signedSourceShape).prefault({}),
  "splunk-observability": table(signedSourceShape).prefault({}),
  honeycomb: table(signedSourceShape).prefault({}),
  cloudwatch: table({
    "verify-sns": bool(false),
    "allowed-hosts": z
      .array(z.string().min(1, { error: "expected a host pattern" }))
      .default(["*.amazonaws.com", "*.amazonaws.com.cn"]),
    "confirm-subscriptions": bool(true),
  }).prefault({}),
  elastic: table({ "watcher-auto-resolve": duration("1h") }).prefault({}),
};

const deliveryShape = {
  // 0: attempts are bounded by max-age alone (a long outage is retried for a day).
  "max-attempts": int(0),
  "max-age": duration("24h"),
  "backoff-initial": duration("1s"),
  "backoff-max": duration("5m"),
  concurrency: int(32, 1),
  "rate-limit": int(0),
  "max-journal-rows": int(100_000, 1),
  journal: bool(true),
};

const engineShape = {
  "idle-flush": duration("0s"),
  "group-ttl": duration("0s"),
};

const clusterShape = {
  enabled: bool(false),
  // Part of every Kafka topic and group name tickd makes: tickd-<name>-points, -state, …
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
      error: "use letters, digits and . _ - (a Kafka topic name part)",
    })
    .default("default"),
  brokers: z.array(hostPort).default(() => ["localhost:9092"]),
  "commit-interval": duration("200ms"),
  // Partitions and replication of the topics tickd creates (when they do not exist yet).
  partitions: int(6, 1),
  "replication-factor": int(1, 1),
  // This instance's id among the members; "" = hostname:port of [http] bind-address.
  "member-id": str(),
};

// [secrets]: the key stored secrets are sealed with (src/secrets/). "" = none: tickd warns once
// and secrets last only until a restart. At least 32 characters (checked by SecretBox at start).
const secretKey = z.string().refine((k) => k === "" || k.length >= 32, {
  error: "expected at least 32 characters (e.g. `openssl rand -base64 33`)",
});
const secretsShape = {
  key: secretKey.default(""),
  "key-file": str(),
  "old-keys": z.array(secretKey).default([]),
};

const alertmanagerApiShape = {
  topic: z
    .string()
    .regex(/^[-:._\p{L}0-9]+$/u, { error: "use letters, digits and - : . _" })
    .default("prometheus"),
};

const influxdbShape = {
  enabled: bool(true),
  name: name("name").default("default"),
  default: bool(false),
  urls: z.array(httpUrl()).min(1, { error: "expected at least one URL" }).default(["http://localhost:8086"]),
  username: str(),
  password: str(),
  token: str(),
  "ssl-ca": str(),
  "ssl-cert": str(),
  "ssl-key": str(),
  "insecure-skip-verify": bool(false),
  timeout: duration("0s"),
  "disable-subscriptions": bool(false),
  "subscription-protocol": z
    .enum(["http", "https"], { error: 'expected "http" or "https" (tickd does not receive UDP)' })
    .default("http"),
  "subscription-mode": z.enum(["cluster", "server"]).default("cluster"),
  subscriptions: dbrpMap(),
  // Merged over the default, as Kapacitor decodes the table into its pre-filled map.
  "excluded-subscriptions": dbrpMap().transform((m): Record<string, string[]> => ({
    _kapacitor: ["autogen"],
    ...m,
  })),
  "kapacitor-hostname": str(),
  "http-port": int(0).refine((p) => p <= 65535, { error: "expected a port number" }),
  "startup-timeout": duration("5m"),
  "subscriptions-sync-interval": duration("1m"),
};

const kafkaInputShape = {
  name: name("name"),
  enabled: bool(true),
  brokers: z
    .array(hostPort)
    .min(1, { error: "expected at least one broker" })
    .default(() => []),
  topics: z
    .array(z.string().min(1))
    .min(1, { error: "expected at least one topic" })
    .default(() => []),
  "group-id": z.string().min(1).default("tickd"),
  format: z.enum(["line-protocol", "json"]).default("line-protocol"),
  db: z.string().min(1, { error: "expected the database the points belong to" }),
  rp: z.string().min(1).default("autogen"),
};

const kafkaShape = {
  enabled: bool(false),
  id: name("id").default("default"),
  brokers: z.array(hostPort).default([]),
  topic: str(),
  timeout: duration("10s"),
  "batch-size": int(100),
  "batch-timeout": duration("1s"),
  "use-ssl": bool(false),
  "ssl-ca": str(),
  "ssl-cert": str(),
  "ssl-key": str(),
  "insecure-skip-verify": bool(false),
  "sasl-username": str(),
  "sasl-password": str(),
  "sasl-mechanism": z.enum(["", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]).default(""),
};

// Kapacitor's [smtp], [[mqtt]], [snmptrap] and [sensu] (services/<kind>/config.go): same keys,
// same defaults. Each is checked for what it needs only when enabled (see load.ts crossChecks).
const smtpShape = {
  enabled: bool(false),
  host: str("localhost"),
  port: int(25, 1).refine((p) => p <= 65535, { error: "expected a port number" }),
  username: str(),
  password: str(),
  "no-verify": bool(false),
  global: bool(false),
  "state-changes-only": bool(false),
  from: str(),
  to: z.array(z.string()).default([]),
  "idle-timeout": duration("30s"),
};

const mqttShape = {
  enabled: bool(false),
  name: name("name").default("default"),
  default: bool(false),
  url: str(),
  "ssl-ca": str(),
  "ssl-cert": str(),
  "ssl-key": str(),
  "insecure-skip-verify": bool(false),
  "client-id": str(),
  username: str(),
  password: str(),
};

const snmptrapShape = {
  enabled: bool(false),
  addr: str("localhost:162"),
  community: str("kapacitor"),
  retries: int(1),
};

const sensuShape = {
  enabled: bool(false),
  addr: str(),
  source: str("Kapacitor"),
  handlers: z.array(z.string()).default([]),
};

const loggingShape = {
  file: z.string().min(1).default("STDERR"),
  level: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(
      z.enum(["debug", "info", "warn", "error", "off"], {
        error: "expected DEBUG, INFO, WARN, ERROR or OFF",
      }),
    )
    .default("info"),
};

const configOverrideShape = { enabled: bool(true) };

const topLevelShape = {
  hostname: z.string().min(1, { error: "expected a host name" }).default("localhost"),
};

// ---------------------------------------------------------------------------------------------
// section registry

export type SectionKind = "table" | "array";

export interface SectionSpec {
  /** TOML name, e.g. "kafka-input". */
  readonly name: string;
  readonly kind: SectionKind;
  readonly shape: z.ZodRawShape;
}

/** Every section tickd reads, in the order of kapacitor.conf.example. Top-level keys are `TOP_LEVEL`. */
export const SECTIONS: readonly SectionSpec[] = [
  { name: "http", kind: "table", shape: httpShape },
  { name: "storage", kind: "table", shape: storageShape },
  { name: "load", kind: "table", shape: loadShape },
  { name: "alert", kind: "table", shape: alertShape },
  { name: "victorops", kind: "table", shape: victoropsShape },
  { name: "httppost", kind: "array", shape: httppostShape },
  { name: "escalation", kind: "array", shape: escalationShape },
  { name: "webhook", kind: "table", shape: webhookShape },
  { name: "integrations", kind: "table", shape: integrationsShape },
  { name: "delivery", kind: "table", shape: deliveryShape },
  { name: "engine", kind: "table", shape: engineShape },
  { name: "alertmanager-api", kind: "table", shape: alertmanagerApiShape },
  { name: "cluster", kind: "table", shape: clusterShape },
  { name: "secrets", kind: "table", shape: secretsShape },
  { name: "influxdb", kind: "array", shape: influxdbShape },
  { name: "kafka-input", kind: "array", shape: kafkaInputShape },
  { name: "kafka", kind: "array", shape: kafkaShape },
  { name: "smtp", kind: "table", shape: smtpShape },
  { name: "mqtt", kind: "array", shape: mqttShape },
  { name: "snmptrap", kind: "table", shape: snmptrapShape },
  { name: "sensu", kind: "table", shape: sensuShape },
  { name: "logging", kind: "table", shape: loggingShape },
  { name: "config-override", kind: "table", shape: configOverrideShape },
  // Kapacitor's HTTP notification services (src/config/notifiers.ts).
  ...NOTIFIER_SECTIONS,
];

export const TOP_LEVEL: z.ZodRawShape = topLevelShape;

/** Keys (TOML spelling) whose values are secrets, wherever they appear. */
export const SECRET_KEYS: readonly string[] = [
  "api-key",
  "auth-key",
  "community",
  "incoming-secret",
  "password",
  "sasl-password",
  "secret",
  "shared-secret",
  "token",
  // notifiers.ts
  "service-key",
  "user-key",
  // [secrets]
  "key",
  "old-keys",
];

/** Whether `key` (TOML spelling) of `section` holds a secret: a common secret key or one of the section's own. */
export function isSecretKey(section: string, key: string): boolean {
  return SECRET_KEYS.includes(key) || (NOTIFIER_SECRET_URLS[section]?.includes(key) ?? false);
}

// ---------------------------------------------------------------------------------------------
// the root schema

const loadSchema = z
  .object(loadShape)
  .transform((o): T.LoadConfig => {
    const base = o.dir === "" ? "." : o.dir.replace(/\/+$/, "");
    return {
      enabled: o.enabled,
      dir: o.dir,
      tasksDir: o["tasks-dir"] ?? `${base}/tasks`,
      handlersDir: o["handlers-dir"] ?? `${base}/handlers`,
    };
  })
  .prefault({});

const arrayOf = <S extends z.ZodRawShape>(shape: S) => z.array(table(shape)).default([]);

export const configSchema = z
  .object({
    ...topLevelShape,
    http: table(httpShape).prefault({}),
    storage: table(storageShape).prefault({}),
    load: loadSchema,
    alert: table(alertShape).prefault({}),
    victorops: table(victoropsShape).prefault({}),
    httppost: arrayOf(httppostShape),
    escalation: arrayOf(escalationShape),
    webhook: table(webhookShape).prefault({}),
    integrations: table(integrationsShape).prefault({}),
    delivery: table(deliveryShape).prefault({}),
    engine: table(engineShape).prefault({}),
    "alertmanager-api": table(alertmanagerApiShape).prefault({}),
    cluster: table(clusterShape).prefault({}),
    secrets: table(secretsShape).prefault({}),
    influxdb: arrayOf(influxdbShape),
    "kafka-input": arrayOf(kafkaInputShape),
    kafka: arrayOf(kafkaShape),
    smtp: table(smtpShape).prefault({}),
    mqtt: arrayOf(mqttShape),
    snmptrap: table(snmptrapShape).prefault({}),
    sensu: table(sensuShape).prefault({}),
    logging: table(loggingShape).prefault({}),
    "config-override": table(configOverrideShape).prefault({}),
    // Kapacitor's HTTP notification services (notifiers.ts).
    slack: arrayOf(slackShape),
    pagerduty: table(pagerdutyShape).prefault({}),
    pagerduty2: table(pagerduty2Shape).prefault({}),
    opsgenie: table(opsgenieShape).prefault({}),
    opsgenie2: table(opsgenie2Shape).prefault({}),
    teams: table(teamsShape).prefault({}),
    telegram: table(telegramShape).prefault({}),
    discord: arrayOf(discordShape),
    pushover: table(pushoverShape).prefault({}),
    talk: table(talkShape).prefault({}),
    hipchat: table(hipchatShape).prefault({}),
    alerta: table(alertaShape).prefault({}),
    bigpanda: table(bigpandaShape).prefault({}),
    servicenow: table(servicenowShape).prefault({}),
    zenoss: table(zenossShape).prefault({}),
  })
  .transform((o) => camelizeKeys(o));

// The schema's output must be exactly the documented TickdConfig (modulo readonly).
type Mutable<X> = X extends readonly (infer E)[]
  ? Mutable<E>[]
  : X extends object
    ? { -readonly [K in keyof X]: Mutable<X[K]> }
    : X;
type Equals<A, B> = (<V>() => V extends A ? 1 : 2) extends <V>() => V extends B ? 1 : 2 ? true : false;
const schemaMatchesTypes: Equals<Mutable<z.output<typeof configSchema>>, Mutable<T.TickdConfig>> = true;
void schemaMatchesTypes;

// ---------------------------------------------------------------------------------------------
// introspection helpers (env typing, key enumeration)

/** The schema under defaults, optionals and pipes: what a value must look like on input. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    const def = s.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if ((def.type === "default" || def.type === "prefault" || def.type === "optional") && def.innerType)
      s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else return s;
  }
}

/** The raw shape of a table schema (or of the element of an array of tables), if it is one. */
export function tableShape(schema: z.ZodType): z.ZodRawShape | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return s.shape;
  if (s instanceof z.ZodArray) {
    const el = unwrap(s.element as z.ZodType);
    if (el instanceof z.ZodObject) return el.shape;
  }
  return undefined;
}

export function describe(v: unknown): string {
  if (v === undefined || v === null) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Date) return "a date";
  switch (typeof v) {
    case "string":
      return `the string ${JSON.stringify(v)}`;
    case "number":
      return `the number ${v}`;
    case "boolean":
      return `${v}`;
    case "object":
      return "a table";
    default:
      return typeof v;
  }
}
