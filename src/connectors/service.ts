/**
 * Connectors (DESIGN §13): named, reusable destinations with Kibana's actions API shapes.
 * A connector is a type (`.webhook`, `.victorops`, …), a `config` the API returns and
 * `secrets` it never returns, kept sealed (src/secrets/) in a {@link ConnectorStore}.
 *
 * States of one connector: defined (secrets open with a configured key) ⇄ missing secrets
 * (no configured key opens them: the key changed or was removed, or tickd restarted without a
 * key). A connector missing its secrets reports `is_missing_secrets: true`, refuses to
 * execute and makes the handlers naming it refuse each event (journaled as failed) until a
 * PUT gives the secrets again or the key that sealed them is configured.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { AlertHandler } from "../alert/handler.js";
import type { TickdConfig } from "../config/types.js";
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import { activityJson, type ConnectorActivityJson } from "../core/activity.js";
import { Level } from "../core/types.js";
import { sampleAlertEvent } from "../delivery/handler-test.js";
import { redactSecrets } from "../delivery/service.js";
import type { FinishedDelivery } from "../delivery/types.js";
import { escapeLabel } from "../delivery/metrics.js";
import { basicAuthHeader, isSuccess } from "../handlers/http.js";
import {
  isAllowedUrl,
  redactOptions,
  type HttpResponse,
  type HttpSender,
  type TlsOptions,
} from "../handlers/index.js";
import type { SecretBox } from "../secrets/index.js";
import { MemoryActivity, type ActivityLog } from "../store/activity.js";
import { StoreErrorCodes } from "../store/errors.js";
import {
  CONNECTOR_TYPES,
  ConnectorCodes,
  enabledInConfig,
  findConnectorType,
  invalid,
  type ConnectorType,
} from "./connector-types.js";
import type { ConnectorStore, StoredConnector } from "./store.js";

type Obj = Record<string, unknown>;

/** Kibana's connector JSON (`GET /api/actions/connector/{id}`). */
export interface ConnectorView {
  id: string;
  name: string;
  connector_type_id: string;
  config: Obj;
  is_preconfigured: false;
  is_deprecated: false;
  is_missing_secrets: boolean;
  is_system_action: false;
}

/** Kibana's connector type JSON (`GET /api/actions/connector_types`). */
export interface ConnectorTypeView {
  id: string;
  name: string;
  enabled: boolean;
  enabled_in_config: boolean;
  enabled_in_license: true;
  minimum_license_required: "basic";
  supported_feature_ids: string[];
  is_system_action_type: false;
}

/** Kibana's `_execute` answer. */
export interface ExecuteResult {
  status: "ok" | "error";
  connector_id: string;
  data?: unknown;
  message?: string;
  service_message?: string;
  retry?: boolean;
}

export interface ConnectorServiceDeps {
  store: ConnectorStore;
  box: SecretBox;
  config: () => TickdConfig;
  /** The current handler config check (factory.check): refuses what cannot send now (disabled section…). */
  check?: (kind: string, options: Obj) => void;
  /** Straight to the wire, no journal (execute is a test, as Kibana's). */
  direct: HttpSender;
  /** Builds a handler of a tickd kind whose HTTP goes through `send` (execute of non-webhook types). */
  createHandler: (
    spec: { kind: string; options: Obj; topic: string; id: string },
    send: HttpSender,
  ) => AlertHandler;
  /** Where PEM CAs of connectors are written (`<storage>/connector-ca`). */
  caDir: string;
  /** How many topic handlers and TICKscripts name a connector (Kibana's `referenced_by_count`). */
  referencedBy?: (id: string) => number;
  /** Where each connector's last event and last error are kept (`SqliteActivity`); default memory. */
  activity?: ActivityLog;
  now?: () => number;
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Obj): void;
}

/** The API's writes: the service itself on one node, through the config topic in cluster mode. */
export interface ConnectorWrites {
  create(id: string | undefined, body: ConnectorBody): ConnectorView | Promise<ConnectorView>;
  update(id: string, body: ConnectorBody): ConnectorView | Promise<ConnectorView>;
  delete(id: string): void | Promise<void>;
}

export interface ConnectorBody {
  name?: unknown;
  connector_type_id?: unknown;
  config?: unknown;
  secrets?: unknown;
}

/** What a handler naming a connector sends with. */
export interface ResolvedConnector {
  readonly kind: string;
  readonly options: Obj;
  /** Changes whenever the connector is updated (handlers rebuild on a change). */
  readonly version: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export class ConnectorService {
  private readonly now: () => number;
  /** Connectors already reported as missing secrets (logged once each). */
  private readonly reported = new Set<string>();
  /** `_execute` outcomes by type and status, for /metrics. */
  private readonly executions = new Map<string, number>();
  /** Listeners of every write (cluster replication, handler caches). */
  private readonly listeners: ((id: string) => void)[] = [];
  private readonly activity: ActivityLog;
  /** `<topic>\0<handler id>` → the connector a handler sends through (its deliveries are the connector's). */
  private readonly bound = new Map<string, string>();

  constructor(private readonly deps: ConnectorServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.activity = deps.activity ?? new MemoryActivity();
  }

  onChange(fn: (id: string) => void): void {
    this.listeners.push(fn);
  }

  types(): ConnectorTypeView[] {
    const config = this.deps.config();
    return CONNECTOR_TYPES.map((t) => {
      const on = enabledInConfig(t, config);
      return {
        id: t.id,
        name: t.name,
        enabled: on,
        enabled_in_config: on,
        enabled_in_license: true,
        minimum_license_required: "basic",
        supported_feature_ids: ["alerting"],
        is_system_action_type: false,
      };
    });
  }

  list(): (ConnectorView & { referenced_by_count: number })[] {
    return this.deps.store.list().map((c) => ({
      ...this.view(c),
      referenced_by_count: this.deps.referencedBy?.(c.id) ?? 0,
    }));
  }

  /** `GET /tickd/v1/connectors`: every connector with its last event and last error (the console). */
  activityList(): ConnectorActivityJson[] {
    return this.deps.store.list().map((c) => ({
      id: c.id,
      name: c.name,
      connector_type_id: c.typeId,
      is_missing_secrets: this.missingSecrets(c),
      referenced_by_count: this.deps.referencedBy?.(c.id) ?? 0,
      ...activityJson(this.activity.get("connector", c.id)),
    }));
  }

  /**
   * Records an event sent through connector `id` (`error` undefined) or an error. The message
   * is shortened, and every secret of the connector in it is replaced by `<redacted>`.
   */
  record(id: string, error?: string): void {
    const at = this.now();
    if (error === undefined) {
      this.activity.record("connector", id, at);
      return;
    }
    const c = this.deps.store.get(id);
    this.activity.record(
      "connector",
      id,
      at,
      redactSecrets(error, c === undefined ? [] : this.secretStrings(c)),
    );
  }

  /** Notes that handler `handler` of `topic` sends through connector `id`: its deliveries count as the connector's. */
  bindHandler(topic: string, handler: string, id: string): void {
    this.bound.set(`${topic}\0${handler}`, id);
  }

  /** A journaled notification ended (the delivery service's onFinished): recorded when a connector sent it. */
  recordDelivery(f: FinishedDelivery): void {
    const id = this.bound.get(`${f.topic}\0${f.handler}`);
    if (id === undefined || this.deps.store.get(id) === undefined) return;
    this.record(id, f.ok ? undefined : f.error || "delivery failed");
  }

  get(id: string): ConnectorView {
    return this.view(this.must(id));
  }

  /** Every stored connector, secrets sealed (cluster mode seeds the config topic with them). */
  stored(): StoredConnector[] {
    return this.deps.store.list();
  }

  create(id: string | undefined, body: ConnectorBody): ConnectorView {
    const c = this.planCreate(id, body);
    try {
      this.applyRecord(c.id, c, true);
    } catch (e) {
      if (e instanceof TickdError && e.code === StoreErrorCodes.CONFLICT)
        throw new TickdError(ConnectorCodes.CONFLICT, `Saved object [action/${c.id}] conflict`);
      throw e;
    }
    this.deps.log("info", "connector created", { connector: c.id, type: c.typeId });
    return this.view(c);
  }

  /** Kibana's update: name, config and secrets, all given again (secrets are never read back). */
  update(id: string, body: ConnectorBody): ConnectorView {
    const c = this.planUpdate(id, body);
    this.applyRecord(id, c);
    this.deps.log("info", "connector updated", { connector: id, type: c.typeId });
    return this.view(c);
  }

  delete(id: string): void {
    this.must(id);
    this.applyRecord(id, null);
    this.deps.log("info", "connector deleted", { connector: id });
  }

  /**
   * Checks a create and builds the connector to store, secrets sealed; stores nothing
   * (cluster mode writes it to the config topic first). Throws INVALID or CONFLICT.
   */
  planCreate(id: string | undefined, body: ConnectorBody): StoredConnector {
    const cid = id ?? randomUUID();
    if (!ID.test(cid))
      throw invalid(`[id]: use 1 to 128 letters, digits and . _ : - (got ${JSON.stringify(cid)})`);
    if (typeof body.connector_type_id !== "string")
      throw invalid("[request body.connector_type_id]: expected value of type [string]");
    const type = findConnectorType(body.connector_type_id);
    if (type === undefined) {
      throw invalid(
        `action type "${body.connector_type_id}" is not registered. Known types: ${CONNECTOR_TYPES.map((t) => t.id).join(", ")}`,
      );
    }
    const name = this.name(body.name);
    const { config, secrets } = type.validate(body.config, body.secrets);
    this.checkSendable(type, config, secrets);
    if (this.deps.store.get(cid) !== undefined)
      throw new TickdError(ConnectorCodes.CONFLICT, `Saved object [action/${cid}] conflict`);
    const at = this.now();
    return {
      id: cid,
      name,
      typeId: type.id,
      config,
      secrets: this.seal(secrets),
      createdMs: at,
      updatedMs: at,
    };
  }

  /** Checks an update and builds the connector to store (see {@link planCreate}). Throws NOT_FOUND or INVALID. */
  planUpdate(id: string, body: ConnectorBody): StoredConnector {
    const old = this.must(id);
    if (body.connector_type_id !== undefined)
      throw invalid("[request body.connector_type_id]: definition for this key is missing");
    const type = this.typeOf(old);
    const name = this.name(body.name);
    const { config, secrets } = type.validate(body.config, body.secrets);
    this.checkSendable(type, config, secrets);
    return { ...old, name, config, secrets: this.seal(secrets), updatedMs: this.now() };
  }

  /**
   * Stores a connector as given (null deletes it) and tells the listeners: the API's writes
   * and, in cluster mode, every record of the config topic. `createOnly`: a conflict throws.
   */
  applyRecord(id: string, c: StoredConnector | null, createOnly = false): void {
    if (c === null) {
      if (!this.deps.store.delete(id)) return;
      this.activity.forget("connector", id);
    } else if (createOnly) this.deps.store.create(c);
    else if (!this.deps.store.update(c)) this.deps.store.create(c);
    this.reported.delete(id);
    this.changed(id);
  }

  /** Kibana's connector JSON of a stored connector (never its secrets). */
  viewOf(id: string): ConnectorView | undefined {
    const c = this.deps.store.get(id);
    return c === undefined ? undefined : this.view(c);
  }

  /** What a handler naming the connector sends with; throws NOT_FOUND or MISSING_SECRETS. */
  resolve(id: string): ResolvedConnector {
    const c = this.must(id);
    const type = this.typeOf(c);
    const secrets = this.openSecrets(c);
    return {
      kind: type.kind,
      options: type.options(c.config, secrets, (pem) => this.caFile(pem)),
      version: `${c.updatedMs}:${c.secrets}`,
    };
  }

  exists(id: string): boolean {
    return this.deps.store.get(id) !== undefined;
  }

  /** Kibana's `_execute`: `.webhook` sends `params.body`; other types send a sample alert built from params. */
  async execute(id: string, params: unknown): Promise<ExecuteResult> {
    const c = this.must(id);
    const type = this.typeOf(c);
    if (params !== undefined && !isObj(params))
      throw invalid("[request body.params]: expected value of type [object]");
    const p = params ?? {};
    let resolved: ResolvedConnector;
    try {
      resolved = this.resolve(id);
    } catch (e) {
      return { status: "error", connector_id: id, message: coerceError(e).message, retry: false };
    }
    const result =
      type.id === ".webhook"
        ? await this.executeWebhook(id, resolved.options, p)
        : await this.executeKind(id, type, resolved.options, p);
    this.record(
      id,
      result.status === "ok"
        ? undefined
        : [result.message, result.service_message].filter((m) => m !== undefined).join(": "),
    );
    const k = `${type.id}\0${result.status}`;
    this.executions.set(k, (this.executions.get(k) ?? 0) + 1);
    this.deps.log(result.status === "ok" ? "info" : "warn", "connector executed", {
      connector: id,
      type: type.id,
      status: result.status,
      ...(result.message !== undefined ? { message: result.message } : {}),
    });
    return result;
  }

  /** `/metrics` text: connectors by type, those missing their secrets, `_execute` outcomes. */
  renderMetrics(): string {
    const all = this.deps.store.list();
    const byType = new Map<string, number>();
    for (const c of all) byType.set(c.typeId, (byType.get(c.typeId) ?? 0) + 1);
    const lines = [
      "# HELP tickd_connectors Connectors defined, by type.",
      "# TYPE tickd_connectors gauge",
      ...[...byType].map(([t, n]) => `tickd_connectors{type="${escapeLabel(t)}"} ${n}`),
      "# HELP tickd_connectors_missing_secrets Connectors whose secrets no configured [secrets] key can read.",
      "# TYPE tickd_connectors_missing_secrets gauge",
      `tickd_connectors_missing_secrets ${all.filter((c) => this.missingSecrets(c)).length}`,
      "# HELP tickd_connector_executions_total Connector executions (_execute), by type and status.",
      "# TYPE tickd_connector_executions_total counter",
      ...[...this.executions].map(([k, n]) => {
        const [t, st] = k.split("\0");
        return `tickd_connector_executions_total{type="${escapeLabel(t ?? "")}",status="${escapeLabel(st ?? "")}"} ${n}`;
      }),
    ];
    return lines.join("\n") + "\n";
  }

  /** Seals every connector's secrets again under the current key; returns how many changed and which could not be read. */
  reseal(): { resealed: number; unreadable: string[] } {
    let resealed = 0;
    const unreadable: string[] = [];
    for (const c of this.deps.store.list()) {
      if (c.secrets === "" || !this.deps.box.isStale(c.secrets)) continue;
      let next: string;
      try {
        next = this.deps.box.reseal(c.secrets);
      } catch {
        unreadable.push(c.id);
        continue;
      }
      this.deps.store.update({ ...c, secrets: next });
      resealed++;
    }
    return { resealed, unreadable };
  }

  // -------------------------------------------------------------------------------------------

  private async executeWebhook(id: string, o: Obj, params: Obj): Promise<ExecuteResult> {
    const body = params.body ?? "";
    if (typeof body !== "string")
      throw invalid("error validating action params: [body]: expected value of type [string]");
    for (const k of Object.keys(params))
      if (k !== "body")
        throw invalid(`error validating action params: [${k}]: definition for this key is missing`);
    const url = String(o.url);
    const rules = this.deps.config().webhook;
    if (!isAllowedUrl(new URL(url), rules.allowedHosts)) {
      return {
        status: "error",
        connector_id: id,
        message: "error calling webhook, the URL is not in [webhook] allowed-hosts",
        retry: false,
      };
    }
    const headers: Record<string, string> = { ...(o.headers as Record<string, string>) };
    const auth = o["basic-auth"] as { username: string; password: string } | undefined;
    if (auth !== undefined) headers.Authorization = basicAuthHeader(auth.username, auth.password);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
      headers["Content-Type"] = "application/json";
    const tls: TlsOptions = {
      verificationMode: o["verification-mode"] as NonNullable<TlsOptions["verificationMode"]>,
    };
    if (typeof o["ca-file"] === "string") tls.caFile = o["ca-file"];
    let res: HttpResponse;
    try {
      res = await this.deps.direct.send({
        method: String(o.method),
        url,
        headers,
        body,
        timeoutMs: rules.timeout > 0 ? Math.ceil(rules.timeout / 1e6) : 30_000,
        tls,
      });
    } catch (e) {
      return {
        status: "error",
        connector_id: id,
        message: "error calling webhook, retry later",
        service_message: coerceError(e).message,
        retry: true,
      };
    }
    return answer(id, "webhook", res);
  }

  private async executeKind(
    id: string,
    type: ConnectorType,
    options: Obj,
    params: Obj,
  ): Promise<ExecuteResult> {
    const event = eventFromParams(params, this.now());
    let last: { res?: HttpResponse; error?: string; sent: boolean } | undefined;
    const recording: HttpSender = {
      send: async (req) => {
        try {
          const res = await this.deps.direct.send(req);
          last = { res, sent: true };
          return res;
        } catch (e) {
          last = { error: coerceError(e).message, sent: true };
          throw e;
        }
      },
      refuse: (_meta, error) => {
        last = { error: error.message, sent: false };
      },
    };
    let handler: AlertHandler;
    try {
      handler = this.deps.createHandler({ kind: type.kind, options, topic: "connector-test", id }, recording);
    } catch (e) {
      return {
        status: "error",
        connector_id: id,
        message: `error calling ${type.name}`,
        service_message: coerceError(e).message,
        retry: false,
      };
    }
    try {
      await handler.handle(event, Level.OK);
    } catch (e) {
      last ??= { error: coerceError(e).message, sent: false };
    } finally {
      await handler.close?.();
    }
    if (last === undefined) return { status: "ok", connector_id: id };
    if (last.res !== undefined) return answer(id, type.name, last.res);
    return {
      status: "error",
      connector_id: id,
      message: last.sent ? `error calling ${type.name}, retry later` : `error calling ${type.name}`,
      ...(last.error !== undefined ? { service_message: last.error } : {}),
      retry: last.sent,
    };
  }

  private name(v: unknown): string {
    if (typeof v !== "string" || v.trim() === "")
      throw invalid("[request body.name]: expected value of type [string]");
    return v;
  }

  private checkSendable(type: ConnectorType, config: Obj, secrets: Obj): void {
    if (this.deps.check === undefined || type.kind === "post") return;
    try {
      this.deps.check(
        type.kind,
        type.options(config, secrets, () => ""),
      );
    } catch (e) {
      throw invalid(`error validating action type config: ${coerceError(e).message}`);
    }
  }

  private must(id: string): StoredConnector {
    const c = this.deps.store.get(id);
    if (c === undefined) throw this.notFound(id);
    return c;
  }

  private notFound(id: string): TickdError {
    return new TickdError(ConnectorCodes.NOT_FOUND, `Saved object [action/${id}] not found`);
  }

  private typeOf(c: StoredConnector): ConnectorType {
    const t = findConnectorType(c.typeId);
    if (t === undefined) throw invalid(`connector ${c.id} has an unknown type ${c.typeId}`);
    return t;
  }

  private seal(secrets: Obj): string {
    return Object.keys(secrets).length === 0 ? "" : this.deps.box.seal(JSON.stringify(secrets));
  }

  private openSecrets(c: StoredConnector): Obj {
    if (c.secrets === "") return {};
    try {
      return JSON.parse(this.deps.box.open(c.secrets)) as Obj;
    } catch (e) {
      if (!this.reported.has(c.id)) {
        this.reported.add(c.id);
        this.deps.log(
          "error",
          "connector is missing secrets: they cannot be read with the configured [secrets] keys",
          {
            connector: c.id,
            reason: coerceError(e).message,
          },
        );
      }
      throw new TickdError(
        ConnectorCodes.MISSING_SECRETS,
        `connector ${JSON.stringify(c.id)} is missing secrets (${coerceError(e).message}): ` +
          `configure the [secrets] key they were sealed with, or give them again with PUT /api/actions/connector/${c.id}`,
      );
    }
  }

  /** The connector's secret strings (and a basic-auth pair's header form), to keep them out of messages. */
  private secretStrings(c: StoredConnector): string[] {
    if (c.secrets === "") return [];
    let secrets: Obj;
    try {
      secrets = JSON.parse(this.deps.box.open(c.secrets)) as Obj;
    } catch {
      return [];
    }
    const out: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "string" && v.length >= 4) out.push(v);
      else if (v !== null && typeof v === "object") for (const x of Object.values(v)) walk(x);
    };
    walk(secrets);
    if (typeof secrets.user === "string" && typeof secrets.password === "string")
      out.push(basicAuthHeader(secrets.user, secrets.password).replace(/^Basic /, ""));
    return out;
  }

  private missingSecrets(c: StoredConnector): boolean {
    if (c.secrets === "") return false;
    try {
      this.deps.box.open(c.secrets);
      return false;
    } catch {
      return true;
    }
  }

  private view(c: StoredConnector): ConnectorView {
    const type = findConnectorType(c.typeId);
    return {
      id: c.id,
      name: c.name,
      connector_type_id: c.typeId,
      // Config never holds a secret (validate refuses it); redaction is a second fence.
      config: type === undefined || type.kind === "post" ? c.config : redactOptions(type.kind, c.config),
      is_preconfigured: false,
      is_deprecated: false,
      is_missing_secrets: this.missingSecrets(c),
      is_system_action: false,
    };
  }

  private caFile(pem: string): string {
    const path = join(this.deps.caDir, `${createHash("sha256").update(pem).digest("hex").slice(0, 16)}.pem`);
    if (!existsSync(path)) {
      mkdirSync(this.deps.caDir, { recursive: true });
      writeFileSync(path, pem, { mode: 0o644 });
    }
    return path;
  }

  private changed(id: string): void {
    for (const fn of this.listeners) fn(id);
  }
}

/** Kibana's result for an HTTP answer: ok on 2xx (data = the parsed body), retry on 5xx and 429. */
function answer(id: string, label: string, res: HttpResponse): ExecuteResult {
  if (isSuccess(res.status)) {
    let data: unknown = res.body;
    try {
      data = res.body === "" ? "" : (JSON.parse(res.body) as unknown);
    } catch {
      // a text answer stays text
    }
    return { status: "ok", connector_id: id, data };
  }
  const excerpt = res.body.length > 500 ? `${res.body.slice(0, 500)}…` : res.body;
  const retry = res.status >= 500 || res.status === 429;
  return {
    status: "error",
    connector_id: id,
    message: retry ? `error calling ${label}, retry later` : `error calling ${label}, invalid response`,
    service_message: `[${res.status}] ${excerpt}`.trim(),
    retry,
  };
}

/** A sample alert for `_execute` of a tickd kind: params `{message, level, id, details}` override the defaults. */
function eventFromParams(p: Obj, nowMs: number): AlertEvent {
  const e = sampleAlertEvent("connector-test", nowMs);
  for (const k of Object.keys(p)) {
    if (!["message", "level", "id", "details"].includes(k))
      throw invalid(
        `error validating action params: [${k}]: definition for this key is missing (message, level, id, details)`,
      );
    if (typeof p[k] !== "string")
      throw invalid(`error validating action params: [${k}]: expected value of type [string]`);
  }
  const level = p.level === undefined ? Level.CRITICAL : LEVELS[String(p.level).toUpperCase()];
  if (level === undefined)
    throw invalid("error validating action params: [level]: expected OK, INFO, WARNING or CRITICAL");
  return {
    ...e,
    state: {
      ...e.state,
      ...(typeof p.id === "string" ? { id: p.id } : {}),
      ...(typeof p.message === "string" ? { message: p.message } : {}),
      ...(typeof p.details === "string" ? { details: p.details } : {}),
      level,
    },
  };
}

const LEVELS: Readonly<Record<string, Level>> = {
  OK: Level.OK,
  INFO: Level.INFO,
  WARNING: Level.WARNING,
  CRITICAL: Level.CRITICAL,
};
