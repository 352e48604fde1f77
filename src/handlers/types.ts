/**
 * Public types of the handler kinds: the slice of tickd's config they read, what they need
 * from the daemon (logger, HTTP sender, clock), and the shape every kind's registry entry has.
 * The coordinator maps the loaded TickdConfig onto {@link HandlerConfig}. Sections the kinds
 * read as loaded (`[victorops]`, `[[escalation]]`) use the config's own types (type-only
 * imports); the others are narrower here so the kinds stay testable with hand-written config.
 */
import type { AlertEvent } from "../core/alert-event.js";
import type {
  EscalationConfig,
  EscalationEvent,
  MqttConfig,
  NotifierConfigs,
  SensuConfig,
  SmtpConfig,
  SnmpTrapConfig,
  VictorOpsConfig,
} from "../config/types.js";
import type { EngineLogger } from "../engine/context.js";
import type { AlertHandler } from "../alert/handler.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";

/** Error codes of this layer (TickdError.code). */
export const HandlerCodes = {
  /** Unknown kind: `unsupported action kind "x"`. */
  KIND: "E_HANDLER_KIND",
  /** A bad or unknown option; the message names the option key. */
  OPTIONS: "E_HANDLER_OPTIONS",
  /** The request (or TCP dial) did not finish within its timeout. */
  TIMEOUT: "E_HANDLER_TIMEOUT",
  /** Connection refused, reset, DNS failure, invalid request. */
  SEND: "E_HANDLER_SEND",
  /** The endpoint answered with a status that is not a success. */
  STATUS: "E_HANDLER_STATUS",
  /** The service the handler needs is disabled in the config (`service is not enabled`). */
  DISABLED: "E_HANDLER_DISABLED",
  /** A URL outside `[webhook] allowed-hosts`; never requested. */
  REFUSED: "E_HANDLER_REFUSED",
} as const;

/** The value every secret is replaced with in API answers and logs. */
export const REDACTED = "<redacted>";

/** Default request timeout when neither the handler nor `[webhook] timeout` sets one (Kapacitor's client: 30s). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * `[victorops]` (KAPACITOR-COMPAT.md §3), as the config loads it. The API key is a secret
 * (part of the request path, never logged); the routing key is used when a handler names
 * none; `/<api-key>/<routing-key>` is path-joined onto the URL; `global` is the
 * coordinator's business (it adds a victorops handler to every alert node without one).
 */
export type VictorOpsHandlerConfig = VictorOpsConfig;

/** `[[httppost]]` (KAPACITOR-COMPAT.md §4): a named endpoint for `.post().endpoint('name')`. */
export interface HttpPostEndpointConfig {
  readonly endpoint: string;
  /** A Go text/template over alert.Data. */
  readonly url: string;
  /** Sent first; handler headers overwrite them. */
  readonly headers: Readonly<Record<string, string>>;
  /** Sent only when both are non-empty (as Kapacitor). The password is a secret. */
  readonly basicAuth?: { readonly username: string; readonly password: string } | null;
  /** Body template (Go text/template over alert.Data); no Content-Type is set for it. */
  readonly alertTemplate?: string;
  /** Absolute path of a body template file, read when a handler using the endpoint is created. */
  readonly alertTemplateFile?: string;
  /** `|httpPost()` body template (Go text/template over the row: .Name .Tags .Values). */
  readonly rowTemplate?: string;
  /** Absolute path of a row-template file, read when a task using the endpoint starts. */
  readonly rowTemplateFile?: string;
}

// The config's own types: handlers read the loaded `[[escalation]]` sections as they are.
export type { EscalationScheme } from "../config/types.js";
export type EscalationEventName = EscalationEvent;
/** `[[escalation]]` (DESIGN §7): a signed webhook target named by `.escalation('name')`. */
export type EscalationTargetConfig = EscalationConfig;

/** `[webhook]`: rules for every outgoing webhook (post and escalation). */
export interface WebhookRulesConfig {
  /** Host patterns a URL may target after templating: `*`, `example.com`, `*.example.com`. */
  readonly allowedHosts: readonly string[];
  /** Per-request timeout in ns; 0 or absent means 30s. */
  readonly timeout?: number;
}

/**
 * The parts of tickd's config the handler kinds read. Structurally a subset of TickdConfig's
 * `victorops`, `httppost`, `escalation` and `webhook` sections, so the coordinator can pass
 * those through (mapping `basicAuth: null` and ns durations as they are).
 */
export interface HandlerConfig {
  readonly victorops: VictorOpsHandlerConfig;
  readonly httppost: readonly HttpPostEndpointConfig[];
  readonly escalation: readonly EscalationTargetConfig[];
  readonly webhook: WebhookRulesConfig;
  /** `[[kafka]]` clusters for the kafka handler (TickdConfig's `kafka`, passed through). */
  readonly kafka?: readonly KafkaClusterConfig[];
  /** `[storage] dir`: where a `log` handler's relative path points (default: the working dir). */
  readonly storageDir?: string;
  /** `[smtp]` for the email (`smtp`) kind; absent = disabled. */
  readonly smtp?: SmtpConfig;
  /** `[[mqtt]]` brokers for the mqtt kind. */
  readonly mqtt?: readonly MqttConfig[];
  /** `[snmptrap]`; absent = disabled. */
  readonly snmptrap?: SnmpTrapConfig;
  /** `[sensu]`; absent = disabled. */
  readonly sensu?: SensuConfig;
  /** Kapacitor's HTTP notification sections (`[[slack]]`, `[pagerduty2]`…); absent = all off. */
  readonly notifiers?: NotifierConfigs;
  /** tickd's own URL (`http://<hostname>:<port>`), Kapacitor's `client_url` for PagerDuty. */
  readonly externalUrl?: string;
}

/** `[[kafka]]` (structurally TickdConfig's KafkaConfig): a cluster `.kafka().cluster(id)` names. */
export interface KafkaClusterConfig {
  readonly enabled: boolean;
  readonly id: string;
  readonly brokers: readonly string[];
  /** Used when a handler names no topic; "" = the handler must name one. */
  readonly topic: string;
  /** Network timeout, ns; 0 = the client's default. */
  readonly timeout: number;
  readonly useSsl?: boolean;
  readonly sslCa?: string;
  readonly sslCert?: string;
  readonly sslKey?: string;
  readonly insecureSkipVerify?: boolean;
  readonly saslUsername?: string;
  /** Secret. */
  readonly saslPassword?: string;
  readonly saslMechanism?: "" | "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
}

/**
 * A handler's own TLS rules for https URLs, over `[webhook] verification-mode` and `ca-file`:
 * `full` checks chain and hostname, `certificate` the chain only, `none` nothing (Kapacitor's
 * `skip-ssl-verification: true`). `caFile`: a PEM bundle trusted besides the system roots.
 */
export interface TlsOptions {
  verificationMode?: "full" | "certificate" | "none";
  caFile?: string;
}

/** One HTTP request as the handlers build it. */
export interface HttpRequest {
  method: string;
  url: string;
  /**
   * Exactly the headers to send; the sender adds none of its own content type. The journaled
   * sender (src/delivery) adds only `X-Tickd-Event-Id`, the notification's stable id.
   */
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** The handler's TLS rules; absent = `[webhook]`'s. Journaled with the request. */
  tls?: TlsOptions;
  /**
   * Who sends this notification, for the delivery journal (src/delivery): the journal, the
   * per-handler queue and `/tickd/v1/deliveries` key on it. Handlers set it on every alert
   * notification; `secrets` are strings removed from the URL shown in the API and logs.
   */
  delivery?: DeliveryMeta;
}

/** Who sends a notification: what the delivery journal and `/tickd/v1/deliveries` key on. */
export interface DeliveryMeta {
  handler: string;
  topic: string;
  alertId: string;
  kind: string;
  secrets?: readonly string[];
}

export interface HttpResponse {
  status: number;
  body: string;
}

/**
 * Sends one request. Resolves with any HTTP status (non-2xx included); rejects with a
 * TickdError coded E_HANDLER_TIMEOUT or E_HANDLER_SEND when no response arrived. The delivery
 * layer wraps this with its journal and retries.
 */
export interface HttpSender {
  send(req: HttpRequest): Promise<HttpResponse>;
  /**
   * True when send() journals the request before it returns and the journal delivers each
   * handler's requests in that order (the delivery service): a handler then need not wait for
   * one event's send before the next, and an alert storm's notifications are journaled in the
   * same commit as the alert states that caused them.
   */
  readonly journaled?: boolean;
  /**
   * Records a notification the handler could not even build (service disabled, URL outside
   * `[webhook] allowed-hosts`, template error…) so the refusal is seen where deliveries are:
   * the delivery service journals it as `failed` with the reason and counts it in `/metrics`;
   * the handler test route answers with it. Senders without it only get the log line.
   */
  refuse?(meta: DeliveryMeta, error: Error): void;
}

export interface HandlerDeps {
  config: HandlerConfig;
  logger: EngineLogger;
  /** Defaults to {@link fetchSender} (global fetch). */
  send?: HttpSender;
  /** Wall clock in ms (escalation timestamps); defaults to Date.now. */
  now?: () => number;
  /** tickd's version for `User-Agent: tickd/<version>`; defaults to package.json's. */
  version?: string;
  /**
   * Collects an event into topics, as an alert node would (the daemon passes
   * `(e, topics) => topicService.collect(e, { topics, handlers: [] })`). Needed by the
   * `aggregate` and `publish` kinds; without it they cannot be created.
   */
  collect?: CollectFn;
}

/** Puts one event into each of `topics` (their state, then their handlers). Synchronous. */
export type CollectFn = (event: AlertEvent, topics: string[]) => void;

/** Everything a kind's `create` receives: deps with defaults filled in, and who it is. */
export interface HandlerContext {
  config: HandlerConfig;
  logger: EngineLogger;
  send: HttpSender;
  now: () => number;
  version: string;
  /** Re-collects events into topics (aggregate, publish); absent when the daemon gave none. */
  collect?: CollectFn;
  /** Handler id and topic, for log lines. */
  id: string;
  topic: string;
}

/** Validation and normalisation of a kind's options; errors are E_HANDLER_OPTIONS naming the key. */
export interface OptionsSchema<O> {
  /** Every option key the kind accepts (anything else is an error). */
  readonly keys: readonly string[];
  parse(raw: Record<string, unknown>): O;
}

/** One registry entry: everything tickd knows about a handler kind. */
export interface HandlerKind<O> {
  readonly kind: string;
  readonly optionsSchema: OptionsSchema<O>;
  /** Builds the handler; may throw E_HANDLER_OPTIONS for options that contradict the config. */
  create(options: O, ctx: HandlerContext): AlertHandler;
  /** Maps a TICKscript handler object onto file-shaped options (kebab-case keys, ns durations). */
  fromTickscript(spec: HandlerSpec): Record<string, unknown>;
  /**
   * Option paths holding secrets (`basic-auth.password`). Post additionally redacts the values
   * of credential-looking headers.
   */
  readonly secrets: readonly string[];
  /**
   * Define/load-time check that a handler with these options can send under the current
   * config (DESIGN §8: refuse at define time what is already visible then). Throws
   * E_HANDLER_DISABLED or E_HANDLER_REFUSED. Never called when stored handlers are restored
   * at start: those are created as they are and journal each refusal when they send.
   */
  preflight?(options: O, config: HandlerConfig): void;
  /**
   * The kind's entry in `/kapacitor/v1/service-tests` (src/service-tests/), under Kapacitor's
   * service name. A kind plugs in by setting this; the registry lists every kind that has one.
   */
  readonly serviceTest?: ServiceTestSpec;
}

/**
 * A service test (Kapacitor's `servicetest.Tester`): default options shown by `GET
 * /kapacitor/v1/service-tests`, and how a POSTed set of options (the defaults with the body's
 * keys laid over them, as Go decodes JSON into the default struct) becomes one handler and one
 * sample event. The runner creates the handler with a sender that goes straight to the wire
 * (no journal) and reports the first error the handler logs, or the endpoint's non-2xx status.
 */
export interface ServiceTestSpec {
  /** Kapacitor's service name: `slack`, `pagerduty2`, `httppost`, `victorops`. */
  readonly name: string;
  /** The default options under Kapacitor's JSON keys, read from the current config. */
  options(config: HandlerConfig): Record<string, unknown>;
  /**
   * The handler options and the event to send for `options`. Throws (E_HANDLER_OPTIONS) for an
   * option of the wrong type; the runner reports the message as the test's failure.
   */
  prepare(options: Record<string, unknown>, config: HandlerConfig, nowMs: number): ServiceTestRun;
}

/** What a service test sends: this handler's options, given this event. */
export interface ServiceTestRun {
  handlerOptions: Record<string, unknown>;
  event: AlertEvent;
}
