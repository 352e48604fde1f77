/**
 * Connector types (Kibana's `connector_type_id`s, DESIGN §13): what a connector's `config` and
 * `secrets` may hold and which handler kind sends for it.
 *
 * `.webhook` has Kibana's own shapes: config `{url, method, headers, hasAuth, authType,
 * verificationMode, ca}`, secrets `{user, password, secretHeaders}`; it runs as the `post`
 * kind, and `_execute` sends `params.body` as it is. Every other type is one of tickd's handler
 * kinds (`.victorops`, `.escalation`, `.email`, `.slack`, …): `config` holds the kind's options
 * as a handler file writes them and `secrets` exactly its secret options (`routing-key` of
 * pagerduty2, `basic-auth.password`…), so nothing secret can sit in `config`, which the API
 * returns.
 */
import type { TickdConfig } from "../config/types.js";
import { TickdError } from "../core/errors.js";
import { HANDLER_KINDS, REDACTED, redactOptions } from "../handlers/index.js";

export const ConnectorCodes = {
  /** A body the API refuses (400, Kibana's "error validating …" wording). */
  INVALID: "E_CONNECTOR_INVALID",
  NOT_FOUND: "E_CONNECTOR_NOT_FOUND",
  CONFLICT: "E_CONNECTOR_CONFLICT",
  /** The connector's secrets cannot be opened with the configured keys. */
  MISSING_SECRETS: "E_CONNECTOR_MISSING_SECRETS",
} as const;

export function invalid(message: string): TickdError {
  return new TickdError(ConnectorCodes.INVALID, message);
}

type Obj = Record<string, unknown>;

export interface ConnectorType {
  /** `.webhook`, `.victorops`, … */
  readonly id: string;
  readonly name: string;
  /** The handler kind that sends for it. */
  readonly kind: string;
  /** The config section that switches it on (`enabled_in_config`); undefined = always on. */
  readonly section?: keyof TickdConfig;
  /** Normalised config and secrets; throws E_CONNECTOR_INVALID naming the field. */
  validate(config: unknown, secrets: unknown): { config: Obj; secrets: Obj };
  /** The handler options of `kind` for this connector. */
  options(config: Obj, secrets: Obj, files: CaFiles): Obj;
}

/** Writes a connector's PEM CA (Kibana gives it base64 in `config.ca`) to a file; returns the path. */
export type CaFiles = (pem: string) => string;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw invalid(`${what}: expected value of type [object]`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string") throw invalid(`${what}.${k}: expected value of type [string]`);
    out[k] = x;
  }
  return out;
}

function onlyKeys(o: Obj, keys: readonly string[], what: string): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw invalid(`${what}: [${k}]: definition for this key is missing`);
  }
}

const WEBHOOK_METHODS = ["post", "put", "patch"];
const VERIFICATION = ["full", "certificate", "none"];
const BASIC = "webhook-authentication-basic";

/** Kibana's `.webhook`. */
const webhook: ConnectorType = {
  id: ".webhook",
  name: "Webhook",
  kind: "post",
  validate(rawConfig, rawSecrets) {
    const cfgWhat = "error validating action type config";
    const secWhat = "error validating action type secrets";
    if (!isObj(rawConfig)) throw invalid(`${cfgWhat}: expected value of type [object]`);
    const secrets = rawSecrets === undefined || rawSecrets === null ? {} : rawSecrets;
    if (!isObj(secrets)) throw invalid(`${secWhat}: expected value of type [object]`);
    onlyKeys(
      rawConfig,
      ["url", "method", "headers", "hasAuth", "authType", "certType", "verificationMode", "ca"],
      cfgWhat,
    );
    onlyKeys(secrets, ["user", "password", "secretHeaders", "crt", "key", "pfx"], secWhat);
    const url = rawConfig.url;
    if (typeof url !== "string")
      throw invalid(`${cfgWhat}: [url]: expected value of type [string] but got [${typeof url}]`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid(`${cfgWhat}: error configuring webhook action: unable to parse url: ${url}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
      throw invalid(`${cfgWhat}: error configuring webhook action: unable to parse url: ${url}`);
    if (parsed.password !== "" || parsed.username !== "")
      throw invalid(`${cfgWhat}: [url]: put credentials in secrets (user, password), not in the URL`);
    const method = (rawConfig.method ?? "post") as unknown;
    if (typeof method !== "string" || !WEBHOOK_METHODS.includes(method.toLowerCase()))
      throw invalid(`${cfgWhat}: [method]: expected one of ${WEBHOOK_METHODS.join(", ")}`);
    const headers = stringMap(rawConfig.headers, `${cfgWhat}: [headers]`);
    for (const k of Object.keys(headers)) {
      if (/authori[sz]ation|token|secret|password|api[-_]?key|cookie/i.test(k))
        throw invalid(`${cfgWhat}: [headers.${k}]: a credential header belongs in secrets.secretHeaders`);
    }
    const hasAuth = rawConfig.hasAuth ?? true;
    if (typeof hasAuth !== "boolean")
      throw invalid(`${cfgWhat}: [hasAuth]: expected value of type [boolean]`);
    const authType = rawConfig.authType ?? null;
    if (authType !== null && authType !== BASIC) {
      throw invalid(
        authType === "webhook-authentication-ssl"
          ? `${cfgWhat}: [authType]: SSL client-certificate authentication is not supported by tickd; use ${BASIC}`
          : `${cfgWhat}: [authType]: expected ${BASIC} or null`,
      );
    }
    const mode = rawConfig.verificationMode;
    if (mode !== undefined && mode !== null && (typeof mode !== "string" || !VERIFICATION.includes(mode)))
      throw invalid(`${cfgWhat}: [verificationMode]: expected one of ${VERIFICATION.join(", ")}`);
    const ca = rawConfig.ca;
    if (ca !== undefined && ca !== null) {
      if (typeof ca !== "string" || !Buffer.from(ca, "base64").toString("utf8").includes("-----BEGIN"))
        throw invalid(`${cfgWhat}: [ca]: expected a base64-encoded PEM certificate`);
    }
    for (const k of ["crt", "key", "pfx"]) {
      if (secrets[k] !== undefined && secrets[k] !== null)
        throw invalid(`${secWhat}: [${k}]: SSL client-certificate authentication is not supported by tickd`);
    }
    const user = secrets.user ?? null;
    const password = secrets.password ?? null;
    if ((user !== null && typeof user !== "string") || (password !== null && typeof password !== "string"))
      throw invalid(`${secWhat}: [user] and [password]: expected value of type [string]`);
    if (hasAuth && (user === null || user === "" || password === null || password === ""))
      throw invalid(`${secWhat}: both user and password must be specified`);
    const secretHeaders = stringMap(secrets.secretHeaders, `${secWhat}: [secretHeaders]`);
    const config: Obj = {
      url,
      method: method.toLowerCase(),
      headers: Object.keys(headers).length > 0 ? headers : null,
      hasAuth,
      authType: hasAuth ? BASIC : null,
      verificationMode: mode ?? "full",
    };
    if (typeof ca === "string") config.ca = ca;
    const out: Obj = {};
    if (hasAuth) Object.assign(out, { user, password });
    if (Object.keys(secretHeaders).length > 0) out.secretHeaders = secretHeaders;
    return { config, secrets: out };
  },
  options(config, secrets, files) {
    const headers = {
      ...(config.headers as Record<string, string> | null),
      ...(secrets.secretHeaders as Obj),
    };
    const o: Obj = {
      url: config.url,
      method: String(config.method).toUpperCase(),
      headers,
      "verification-mode": config.verificationMode ?? "full",
    };
    if (config.hasAuth === true) o["basic-auth"] = { username: secrets.user, password: secrets.password };
    if (typeof config.ca === "string")
      o["ca-file"] = files(Buffer.from(config.ca, "base64").toString("utf8"));
    return o;
  },
};

/** Walks `value` and `shown` (its redacted copy) together: the paths where they differ are secrets. */
function secretPaths(value: unknown, shown: unknown, path: string, out: string[]): void {
  if (typeof value === "string") {
    if (shown === REDACTED || shown !== value) out.push(path);
    return;
  }
  if (!isObj(value) || !isObj(shown)) return;
  for (const [k, v] of Object.entries(value)) secretPaths(v, shown[k], path === "" ? k : `${path}.${k}`, out);
}

function deepMerge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  return out;
}

/** One of tickd's handler kinds as a connector type: config = its options, secrets = its secret options. */
function kindType(id: string, name: string, kind: string, section?: keyof TickdConfig): ConnectorType {
  const entry = HANDLER_KINDS[kind];
  if (entry === undefined) throw new Error(`connector type ${id}: no handler kind ${kind}`);
  return {
    id,
    name,
    kind,
    ...(section !== undefined ? { section } : {}),
    validate(rawConfig, rawSecrets) {
      const config = rawConfig === undefined || rawConfig === null ? {} : rawConfig;
      const secrets = rawSecrets === undefined || rawSecrets === null ? {} : rawSecrets;
      if (!isObj(config))
        throw invalid("error validating action type config: expected value of type [object]");
      if (!isObj(secrets))
        throw invalid("error validating action type secrets: expected value of type [object]");
      const inConfig: string[] = [];
      secretPaths(config, redactOptions(kind, config), "", inConfig);
      if (inConfig.length > 0)
        throw invalid(
          `error validating action type config: [${inConfig[0]}] is a secret: give it in secrets`,
        );
      const merged = deepMerge(config, secrets);
      const secret: string[] = [];
      secretPaths(merged, redactOptions(kind, merged), "", secret);
      const stray: string[] = [];
      const walk = (v: unknown, path: string): void => {
        if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, path === "" ? k : `${path}.${k}`);
        else if (!secret.includes(path)) stray.push(path);
      };
      walk(secrets, "");
      if (stray.length > 0)
        throw invalid(
          `error validating action type secrets: [${stray[0]}] is not a secret of ${id}: give it in config`,
        );
      try {
        entry.optionsSchema.parse(merged);
      } catch (e) {
        throw invalid(`error validating action type config: ${(e as Error).message}`);
      }
      return { config, secrets };
    },
    options: (config, secrets) => deepMerge(config, secrets),
  };
}

/** Every type, in the order `GET /api/actions/connector_types` lists them. */
export const CONNECTOR_TYPES: readonly ConnectorType[] = [
  webhook,
  kindType(".victorops", "VictorOps (Splunk On-Call)", "victorops", "victorops"),
  kindType(".escalation", "Signed escalation webhook", "escalation", "escalation"),
  kindType(".email", "Email", "email", "smtp"),
  kindType(".slack", "Slack", "slack", "slack"),
  kindType(".pagerduty", "PagerDuty", "pagerduty2", "pagerduty2"),
  kindType(".opsgenie", "Opsgenie", "opsgenie2", "opsgenie2"),
  kindType(".teams", "Microsoft Teams", "teams", "teams"),
  kindType(".telegram", "Telegram", "telegram", "telegram"),
  kindType(".discord", "Discord", "discord", "discord"),
  kindType(".pushover", "Pushover", "pushover", "pushover"),
  kindType(".talk", "Talk", "talk", "talk"),
  kindType(".hipchat", "HipChat", "hipchat", "hipchat"),
  kindType(".mqtt", "MQTT", "mqtt", "mqtt"),
  kindType(".sensu", "Sensu", "sensu", "sensu"),
  kindType(".snmptrap", "SNMP trap", "snmptrap", "snmptrap"),
  kindType(".kafka", "Kafka", "kafka", "kafka"),
  kindType(".tcp", "TCP", "tcp"),
  kindType(".log", "Log file", "log"),
  kindType(".exec", "Exec", "exec"),
];

export function findConnectorType(id: string): ConnectorType | undefined {
  return CONNECTOR_TYPES.find((t) => t.id === id);
}

/** Kibana's `enabled_in_config`: the type's config section is enabled (any element of an array section). */
export function enabledInConfig(t: ConnectorType, config: TickdConfig): boolean {
  if (t.section === undefined) return true;
  const s: unknown = config[t.section];
  if (Array.isArray(s)) return s.some((e) => !isObj(e) || e.enabled !== false);
  if (isObj(s) && typeof s.enabled === "boolean") return s.enabled;
  return true;
}
