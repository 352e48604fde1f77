/**
 * The validated, frozen configuration tickd runs on. Field names are the TOML keys in
 * camelCase (`bind-address` → `bindAddress`, `[[kafka-input]]` → `kafkaInput`); every field is
 * present (defaults are filled in), so consumers never deal with `undefined`.
 *
 * Units: durations are nanoseconds (as `parseTickDuration` and the engine use them), sizes are
 * bytes. A duration of 0 means "off" wherever the field says so.
 *
 * Secrets (`apiKey`, `password`, `authKey`, `sharedSecret`, `saslPassword`, `token`, and
 * credential-like `headers`) hold the real value here; show the result of `redactConfig()`
 * to anyone or anything else (API responses, logs).
 */

import type { NotifierConfigs } from "./notifiers.js";

export type {
  DiscordConfig,
  HipChatConfig,
  NotifierConfigs,
  OpsGenie2Config,
  OpsGenieConfig,
  PagerDuty2Config,
  PagerDutyConfig,
  PushoverConfig,
  SlackConfig,
  TalkConfig,
  TeamsConfig,
  TelegramConfig,
  AlertaConfig,
  BigPandaConfig,
  ServiceNowConfig,
  ZenossConfig,
} from "./notifiers.js";

/** Nanoseconds. */
export type Nanoseconds = number;

export interface TickdConfig {
  /** Name InfluxDB uses to reach tickd when it creates subscriptions (Kapacitor's `hostname`). */
  readonly hostname: string;
  readonly http: HttpConfig;
  readonly storage: StorageConfig;
  readonly load: LoadConfig;
  readonly alert: AlertConfig;
  readonly victorops: VictorOpsConfig;
  readonly httppost: readonly HttpPostConfig[];
  readonly escalation: readonly EscalationConfig[];
  readonly webhook: WebhookConfig;
  readonly integrations: IntegrationsConfig;
  readonly delivery: DeliveryConfig;
  readonly engine: EngineConfig;
  readonly alertmanagerApi: AlertmanagerApiConfig;
  readonly cluster: ClusterConfig;
  readonly secrets: SecretsConfig;
  readonly influxdb: readonly InfluxDBConfig[];
  readonly kafkaInput: readonly KafkaInputConfig[];
  readonly kafka: readonly KafkaConfig[];
  readonly smtp: SmtpConfig;
  readonly mqtt: readonly MqttConfig[];
  readonly snmptrap: SnmpTrapConfig;
  readonly sensu: SensuConfig;
  readonly logging: LoggingConfig;
  readonly configOverride: ConfigOverrideConfig;
  // Kapacitor's HTTP notification services (notifiers.ts).
  readonly slack: NotifierConfigs["slack"];
  readonly pagerduty: NotifierConfigs["pagerduty"];
  readonly pagerduty2: NotifierConfigs["pagerduty2"];
  readonly opsgenie: NotifierConfigs["opsgenie"];
  readonly opsgenie2: NotifierConfigs["opsgenie2"];
  readonly teams: NotifierConfigs["teams"];
  readonly telegram: NotifierConfigs["telegram"];
  readonly discord: NotifierConfigs["discord"];
  readonly pushover: NotifierConfigs["pushover"];
  readonly talk: NotifierConfigs["talk"];
  readonly hipchat: NotifierConfigs["hipchat"];
  readonly alerta: NotifierConfigs["alerta"];
  readonly bigpanda: NotifierConfigs["bigpanda"];
  readonly servicenow: NotifierConfigs["servicenow"];
  readonly zenoss: NotifierConfigs["zenoss"];
}

/** `[http]`: the API and write endpoint. */
export interface HttpConfig {
  /** `host:port` to listen on; `:9092` means every interface. */
  readonly bindAddress: string;
  /** Require credentials on every route but `/ping`: basic auth from `users`, or a JWT signed with `sharedSecret`. */
  readonly authEnabled: boolean;
  /** HS256 key for bearer tokens (Kapacitor's JWT scheme). Secret. Empty: bearer tokens refused. */
  readonly sharedSecret: string;
  /** Basic-auth accounts, from `[[http.users]]` tables (tickd extension). */
  readonly users: readonly HttpUser[];
  /** Largest request body accepted, bytes (tickd extension); larger bodies get 413. */
  readonly maxBodySize: number;
  /** Log one line per HTTP request. */
  readonly logEnabled: boolean;
  /** How long SIGTERM waits for in-flight requests and queues to drain before exiting anyway. */
  readonly shutdownTimeout: Nanoseconds;
}

/** One `[[http.users]]` table. */
export interface HttpUser {
  readonly username: string;
  /** Plain text; compared in constant time. Secret. */
  readonly password: string;
  /** May only read (GET/HEAD): writes get 403 and the console shows no actions. */
  readonly readOnly: boolean;
}

/** `[storage]`. */
export interface StorageConfig {
  /** Directory of the SQLite database (tasks, topic and alert state, delivery journal). */
  readonly dir: string;
}

/** `[load]`: TICKscripts and topic-handler files read at start and on SIGHUP. */
export interface LoadConfig {
  readonly enabled: boolean;
  /** Kapacitor's load directory, if set: `tasksDir`/`handlersDir` default to its `tasks/` and `handlers/`. "" when unset. */
  readonly dir: string;
  readonly tasksDir: string;
  readonly handlersDir: string;
}

/** `[alert]`. */
export interface AlertConfig {
  /** Keep topic state and events across restarts (in SQLite). */
  readonly persistTopics: boolean;
  /** Events buffered per topic before its handlers run; a full buffer slows the producer, it never drops. */
  readonly topicBufferLength: number;
  /** How long state changes and delivery attempts stay in the history (ns; tickd extension). */
  readonly historyRetention: Nanoseconds;
}

/** `[victorops]`: defaults for the `victorOps()` alert handler. */
export interface VictorOpsConfig {
  readonly enabled: boolean;
  /** Secret. Required when `enabled`. */
  readonly apiKey: string;
  readonly routingKey: string;
  readonly url: string;
  /** Send the alert data as a JSON object instead of a string. */
  readonly jsonData: boolean;
  /** Send every alert to VictorOps, whether or not the script asks. */
  readonly global: boolean;
}

/** One `[[httppost]]` endpoint, named by `endpoint` and used as `.post().endpoint('name')`. */
export interface HttpPostConfig {
  readonly endpoint: string;
  /** URL; may be a template (`{{.ID}}`), checked after templating against `[webhook] allowed-hosts`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** `null` when not configured. */
  readonly basicAuth: BasicAuth | null;
  readonly alertTemplate: string;
  readonly alertTemplateFile: string;
  readonly rowTemplate: string;
  readonly rowTemplateFile: string;
}

export interface BasicAuth {
  readonly username: string;
  /** Secret. */
  readonly password: string;
}

export type EscalationScheme = "victorops" | "hmac-sha256";
export type EscalationEvent =
  | "incident.created"
  | "incident.updated"
  | "incident.acknowledged"
  | "incident.resolved"
  | "incident.snoozed"
  | "incident.suppressed";

/** One `[[escalation]]` signed-webhook endpoint (DESIGN §7). */
export interface EscalationConfig {
  readonly name: string;
  readonly url: string;
  /** HMAC key. Secret. */
  readonly authKey: string;
  readonly scheme: EscalationScheme;
  /** Which incident events are sent. */
  readonly events: readonly EscalationEvent[];
}

export type VerificationMode = "full" | "certificate" | "none";

/** `[webhook]`: rules for every outgoing webhook (post, escalation). */
export interface WebhookConfig {
  /** Host patterns a webhook URL may target: `"*"`, `"example.com"`, `"*.example.com"`. */
  readonly allowedHosts: readonly string[];
  /** TLS checks: `full` (chain and hostname), `certificate` (chain only), `none`. */
  readonly verificationMode: VerificationMode;
  /** Extra CA bundle (PEM) trusted for webhooks; "" for the system store. */
  readonly caFile: string;
  /** Per-request timeout. */
  readonly timeout: Nanoseconds;
  /**
   * HMAC-SHA256 key that incoming webhooks (`/tickd/v1/integrations/webhook`) must be signed
   * with (`X-Webhook-Signature: sha256=<hex>`); "" accepts unsigned ones. Secret.
   */
  readonly incomingSecret: string;
}

/** A signing source's `[integrations.<source>]`: its shared secret ("" = signatures not checked). Secret. */
export interface SignedSourceConfig {
  readonly secret: string;
}

/** `[integrations.<source>]`: settings of the inbound normalisers (`/tickd/v1/integrations/<source>`). */
export interface IntegrationsConfig {
  /** `X-Grafana-Alerting-Signature`; with `timestampHeader`, the HMAC covers `<timestamp>:<body>`. */
  readonly grafana: SignedSourceConfig & { readonly timestampHeader: string };
  /** `Sentry-Hook-Signature` (the integration's client secret). */
  readonly sentry: SignedSourceConfig;
  /** `X-Hub-Signature-256`. */
  readonly github: SignedSourceConfig;
  /** `X-Hub-Signature` (sha256=…). */
  readonly bitbucket: SignedSourceConfig;
  /** `X-SFX-Signature` (base64 HMAC-SHA256). */
  readonly splunkObservability: SignedSourceConfig;
  /** `X-Honeycomb-Webhook-Token` (the webhook's shared secret, sent as is). */
  readonly honeycomb: SignedSourceConfig;
  readonly cloudwatch: {
    /** Check each SNS message's signature against its signing certificate. */
    readonly verifySns: boolean;
    /** Hosts tickd may GET a SubscribeURL or SigningCertURL from (`[webhook]`'s pattern syntax). */
    readonly allowedHosts: readonly string[];
    /** Confirm SNS subscriptions (GET SubscribeURL) at all. */
    readonly confirmSubscriptions: boolean;
  };
  readonly elastic: {
    /** A Watcher alert (it never resolves) is resolved after this long without a new one; 0 = never. */
    readonly watcherAutoResolve: Nanoseconds;
  };
}

/** `[delivery]`: the journal and retry policy behind every notification (DESIGN §8). */
export interface DeliveryConfig {
  /** Attempts per notification before it is recorded as failed; 0 (default) = no limit but max-age. */
  readonly maxAttempts: number;
  /**
   * How long a notification is retried, from when it was journaled (or re-queued through the
   * retry API), before it is recorded as failed; 0 = no age limit. Whichever of max-attempts
   * and max-age is reached first fails it.
   */
  readonly maxAge: Nanoseconds;
  readonly backoffInitial: Nanoseconds;
  readonly backoffMax: Nanoseconds;
  /**
   * Requests in flight per handler (default 32); each alert id's notifications stay in journal
   * order whatever the value, and 1 keeps each handler's notifications in order.
   */
  readonly concurrency: number;
  /** Requests started per second per handler; 0 = no limit. */
  readonly rateLimit: number;
  /** Pending notifications the journal may hold; past it new ones are refused (logged, counted). */
  readonly maxJournalRows: number;
  /** Journal notifications in SQLite before the first attempt (at-least-once across restarts). */
  readonly journal: boolean;
}

/** `[alertmanager-api]`: the Alertmanager API v2 at /api/v2/ (DESIGN §5). */
export interface AlertmanagerApiConfig {
  /** Topic for alerts posted to /api/v2/alerts without a `topic` label. */
  readonly topic: string;
}

/** `[secrets]`: the key stored secrets are sealed with (src/secrets/, DESIGN §13). */
export interface SecretsConfig {
  /** The current key (≥ 32 characters; "" = none, secrets then last only until a restart). Secret. */
  readonly key: string;
  /** A file holding the key (its text, trimmed), used when `key` is "". */
  readonly keyFile: string;
  /** Earlier keys: they still open values sealed with them until `tickctl secrets rotate`. Secret. */
  readonly oldKeys: readonly string[];
}

/** `[cluster]`: several tickd instances sharing one Kafka cluster (DESIGN §11). */
export interface ClusterConfig {
  /** false (default): one node, SQLite holds everything. */
  readonly enabled: boolean;
  /** Names the Kafka topics and groups: `tickd-<name>-points`, `-state`, `-notifications`, `-config`. */
  readonly name: string;
  readonly brokers: readonly string[];
  /** How often each input partition's work is committed in one Kafka transaction. */
  readonly commitInterval: Nanoseconds;
  /** Partitions of the topics tickd creates. */
  readonly partitions: number;
  /** Replication factor of the topics tickd creates (3 on a 3-broker cluster). */
  readonly replicationFactor: number;
  /** This instance's member id; "" = `<hostname>:<http port>`. */
  readonly memberId: string;
}

/** `[engine]`: tickd extensions to Kapacitor's data-time semantics (DESIGN §9). */
export interface EngineConfig {
  /** Close a window whose group went quiet this long after its end, by the wall clock; 0 = off (Kapacitor behaviour). */
  readonly idleFlush: Nanoseconds;
  /** Drop per-group state unseen for this long; 0 = never. */
  readonly groupTtl: Nanoseconds;
}

export type SubscriptionMode = "cluster" | "server";

/** One `[[influxdb]]` connection. */
export interface InfluxDBConfig {
  readonly enabled: boolean;
  readonly name: string;
  /** The connection batch tasks and `influxDBOut` use when they name none. */
  readonly default: boolean;
  readonly urls: readonly string[];
  readonly username: string;
  /** Secret. */
  readonly password: string;
  /** InfluxDB 2.x API token (instead of username/password). Secret. */
  readonly token: string;
  readonly sslCa: string;
  readonly sslCert: string;
  readonly sslKey: string;
  readonly insecureSkipVerify: boolean;
  /** Per-request timeout; 0 = none. */
  readonly timeout: Nanoseconds;
  readonly disableSubscriptions: boolean;
  readonly subscriptionProtocol: "http" | "https";
  readonly subscriptionMode: SubscriptionMode;
  /** Database → retention policies to subscribe to; empty = all but `excludedSubscriptions`. */
  readonly subscriptions: Readonly<Record<string, readonly string[]>>;
  readonly excludedSubscriptions: Readonly<Record<string, readonly string[]>>;
  /** Host InfluxDB should post to; "" = top-level `hostname`. */
  readonly kapacitorHostname: string;
  /** Port InfluxDB should post to; 0 = the port of `[http] bind-address`. */
  readonly httpPort: number;
  readonly startupTimeout: Nanoseconds;
  readonly subscriptionsSyncInterval: Nanoseconds;
}

/** One `[[kafka-input]]` consumer (tickd extension). */
export interface KafkaInputConfig {
  readonly name: string;
  readonly enabled: boolean;
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly format: "line-protocol" | "json";
  /** Database and retention policy the points are written to (stream tasks select on them). */
  readonly db: string;
  readonly rp: string;
}

export type SaslMechanism = "" | "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";

/** One `[[kafka]]` cluster for the `kafka` alert handler. */
export interface KafkaConfig {
  readonly enabled: boolean;
  readonly id: string;
  readonly brokers: readonly string[];
  /** Default topic when a handler names none (tickd extension); "" = the handler must name one. */
  readonly topic: string;
  readonly timeout: Nanoseconds;
  readonly batchSize: number;
  readonly batchTimeout: Nanoseconds;
  readonly useSsl: boolean;
  readonly sslCa: string;
  readonly sslCert: string;
  readonly sslKey: string;
  readonly insecureSkipVerify: boolean;
  readonly saslUsername: string;
  /** Secret. */
  readonly saslPassword: string;
  /** "" = PLAIN when `saslUsername` is set. */
  readonly saslMechanism: SaslMechanism;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "off";

/** `[logging]`. */
export interface LoggingConfig {
  /** `STDERR`, `STDOUT` or a file path. */
  readonly file: string;
  readonly level: LogLevel;
}

/** `[config-override]`: whether `/kapacitor/v1/config` may change the running config (as Kapacitor). */
export interface ConfigOverrideConfig {
  readonly enabled: boolean;
}

/** `[smtp]` for the email handler (Kapacitor's services/smtp). */
export interface SmtpConfig {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  /** Empty: no AUTH. */
  readonly username: string;
  /** Secret. */
  readonly password: string;
  /** Skip TLS certificate checks (STARTTLS). */
  readonly noVerify: boolean;
  /** Every alert node gets an email handler. */
  readonly global: boolean;
  /** With `global`: those alert nodes send state changes only. */
  readonly stateChangesOnly: boolean;
  readonly from: string;
  /** Default recipients when a handler names none. */
  readonly to: readonly string[];
  /** An idle connection is closed after this long. */
  readonly idleTimeout: Nanoseconds;
}

/** One `[[mqtt]]` broker (Kapacitor's services/mqtt). */
export interface MqttConfig {
  readonly enabled: boolean;
  readonly name: string;
  /** The broker `.mqtt()` uses when it names none (implied when there is only one). */
  readonly default: boolean;
  /** `tcp://`, `ssl://`, `ws://` or `wss://` host:port. */
  readonly url: string;
  readonly sslCa: string;
  readonly sslCert: string;
  readonly sslKey: string;
  readonly insecureSkipVerify: boolean;
  /** Empty: the name. */
  readonly clientId: string;
  readonly username: string;
  /** Secret. */
  readonly password: string;
}

/** `[snmptrap]` (Kapacitor's services/snmptrap): SNMP v2c traps. */
export interface SnmpTrapConfig {
  readonly enabled: boolean;
  /** host:port of the trap receiver. */
  readonly addr: string;
  /** Secret (Kapacitor redacts it). */
  readonly community: string;
  readonly retries: number;
}

/** `[sensu]` (Kapacitor's services/sensu): check results over TCP to a Sensu client. */
export interface SensuConfig {
  readonly enabled: boolean;
  /** host:port of the Sensu client socket. */
  readonly addr: string;
  /** Default source (JIT client name). */
  readonly source: string;
  /** Default Sensu handlers. */
  readonly handlers: readonly string[];
}
