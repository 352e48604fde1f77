/**
 * What tickd understands of TICKscript, as data: node kinds, their properties, handler objects,
 * argument signatures (Kapacitor's Go parameter types, exactly — TICKscript never converts an
 * int to a float), which node may follow which, and a one-line description for help and
 * did-you-mean. Names and types follow Kapacitor 1.x `pipeline/*.go`.
 *
 * `implemented` says whether tickd's engine runs the node/property yet. The checker accepts
 * everything in this catalogue either way; `tickctl test` and the daemon use the flag to refuse
 * a task they cannot run. To mark something as running, add its key to ENGINE_IMPLEMENTED:
 * `window` (a node kind), `window.period` (a property), `alert.post` (a handler kind).
 */
import type { ArgType, EdgeType } from "./task-graph.js";

/**
 * Node kinds the engine runs (src/engine/task.ts FACTORIES and the InfluxQL functions); a
 * property is running when its node is. Alert handler kinds (`alert.post`) arrive with the
 * handlers issue. Kept here by hand because pipeline/ may not import engine/; a unit test
 * checks the two lists agree.
 */
export const ENGINE_IMPLEMENTED: ReadonlySet<string> = new Set<string>(
  (
    "stream from where groupBy window eval default delete log alert noop stateDuration stateCount " +
    "changeDetect shift sample stats join union httpOut count sum mean median mode spread stddev first " +
    "last min max percentile top bottom distinct derivative difference movingAverage cumulativeSum elapsed " +
    "holtWinters holtWintersWithFit trickle " +
    "batch query queryFlux influxDBOut barrier flatten httpPost kapacitorLoopback sideload combine"
  ).split(" "),
);

export interface Param {
  name: string;
  /** Accepted argument types (a union); never coerced. */
  types: readonly ArgType[];
  optional?: boolean;
  /** Lambdas that must evaluate to a boolean (level expressions, where, state predicates). */
  predicate?: boolean;
  /** Thresholds written as fractions: an int here gets the hint "write 0.25, not 25". */
  fraction?: boolean;
}

export interface Signature {
  params: readonly Param[];
  /** Variadic tail (Go `...T`). A list argument here is spread into its items. */
  rest?: Param;
  /** Minimum number of rest arguments. */
  restMin?: number;
}

export interface PropertySpec {
  name: string;
  sig: Signature;
  /** "once": setting it twice overwrites the first value (a warning); "many": settings accumulate. */
  repeat: "once" | "many";
  description: string;
  implemented: boolean;
  /** Alert properties that create a handler object of this kind (`.post()` → "post"). */
  handler?: string;
  /** Accepted spelling of another property, reported with a W_TICK_ALIAS warning. */
  aliasOf?: string;
}

export interface HandlerKindSpec {
  kind: string;
  description: string;
  properties: Readonly<Record<string, PropertySpec>>;
  implemented: boolean;
}

/**
 * Where a node may be created:
 * - "stream"/"batch": only directly after that root (`|from()`, `|query()`);
 * - "chain": after any node with chaining methods (not after the roots, not after influxDBOut);
 * - "any": after any node, roots included (`|stats()`, `|deadman()`).
 */
export type Follows = "stream" | "batch" | "chain" | "any";

export interface NodeSpec {
  kind: string;
  /** Kapacitor's node description, used in node names (`influxdb_out3`). */
  desc: string;
  description: string;
  args: Signature;
  follows: Follows;
  /** Input edge it requires: "any" takes what its parent provides. */
  wants: "stream" | "batch" | "any";
  /** Output edge: "same" passes on what it receives. */
  provides: EdgeType | "same";
  properties: Readonly<Record<string, PropertySpec>>;
  implemented: boolean;
  /** Roots (`stream`, `batch`) and `noop` cannot be written as `|node()`. */
  internal?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Small builders keep the tables below readable.

const p = (name: string, ...types: ArgType[]): Param => ({ name, types });
const opt = (name: string, ...types: ArgType[]): Param => ({ name, types, optional: true });
const pred = (name: string): Param => ({ name, types: ["lambda"], predicate: true });

function sig(params: Param[], rest?: Param, restMin?: number): Signature {
  const s: Signature = { params };
  if (rest !== undefined) s.rest = rest;
  if (restMin !== undefined) s.restMin = restMin;
  return s;
}

const NONE = sig([]);

function prop(
  owner: string,
  name: string,
  s: Signature,
  description: string,
  extra: { repeat?: "once" | "many"; handler?: string; aliasOf?: string } = {},
): PropertySpec {
  const spec: PropertySpec = {
    name,
    sig: s,
    repeat: extra.repeat ?? "once",
    description,
    implemented: ENGINE_IMPLEMENTED.has(owner) || ENGINE_IMPLEMENTED.has(`${owner}.${name}`),
  };
  if (extra.handler !== undefined) spec.handler = extra.handler;
  if (extra.aliasOf !== undefined) spec.aliasOf = extra.aliasOf;
  return spec;
}

function props(list: PropertySpec[]): Record<string, PropertySpec> {
  const out: Record<string, PropertySpec> = {};
  for (const x of list) out[x.name] = x;
  return out;
}

function node(
  kind: string,
  desc: string,
  description: string,
  args: Signature,
  follows: Follows,
  wants: NodeSpec["wants"],
  provides: NodeSpec["provides"],
  properties: PropertySpec[],
  internal = false,
): NodeSpec {
  const spec: NodeSpec = {
    kind,
    desc,
    description,
    args,
    follows,
    wants,
    provides,
    properties: props(properties),
    implemented: ENGINE_IMPLEMENTED.has(kind),
  };
  if (internal) spec.internal = true;
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Handler objects returned by alert properties. They embed the alert node: a property unknown
// to the handler falls back to the alert node's (and then applies to the alert node).

function handler(kind: string, description: string, properties: PropertySpec[]): HandlerKindSpec {
  return {
    kind,
    description,
    properties: props(properties),
    implemented: ENGINE_IMPLEMENTED.has(`alert.${kind}`),
  };
}

export const HANDLERS: Readonly<Record<string, HandlerKindSpec>> = {
  post: handler("post", "HTTP POST the alert JSON to a URL or a configured [[httppost]] endpoint", [
    prop(
      "post",
      "endpoint",
      sig([p("name", "string")]),
      "name of an [[httppost]] endpoint from the configuration",
    ),
    prop(
      "post",
      "header",
      sig([p("key", "string"), p("value", "string")]),
      "set a request header (not Authenticate)",
      {
        repeat: "many",
      },
    ),
    prop("post", "captureResponse", NONE, "log the response body when the status is not 2xx"),
    prop(
      "post",
      "timeout",
      sig([p("timeout", "duration")]),
      "request timeout added to the 30s client timeout",
    ),
    prop("post", "skipSSLVerification", NONE, "do not verify the server's TLS certificate"),
  ]),
  victorOps: handler("victorOps", "send the alert to VictorOps' REST endpoint", [
    prop(
      "victorOps",
      "routingKey",
      sig([p("key", "string")]),
      "VictorOps routing key (default: the configured one)",
    ),
  ]),
  escalation: handler(
    "escalation",
    "send a signed escalation webhook to a configured [[escalation]] target (tickd)",
    [],
  ),
  log: handler("log", "append the alert JSON to a file, one line per event", [
    prop(
      "log",
      "mode",
      sig([p("mode", "int")]),
      "file mode of a new log file, octal such as 0644 (default 0600)",
    ),
  ]),
  tcp: handler("tcp", "send the alert JSON to a TCP address", []),
  // tickd: send through a connector (/api/actions/connector/{id}, src/connectors/).
  connector: handler("connector", "send through a connector defined with the connectors API (tickd)", []),
  exec: handler("exec", "run a program with the alert JSON on its standard input", []),
  kafka: handler("kafka", "write the alert to a Kafka topic", [
    prop("kafka", "cluster", sig([p("id", "string")]), "id of a configured [[kafka]] cluster"),
    prop("kafka", "kafkaTopic", sig([p("topic", "string")]), "Kafka topic to write to"),
    prop(
      "kafka",
      "template",
      sig([p("template", "string")]),
      "template for the message body (default: the alert JSON)",
    ),
    prop("kafka", "disablePartitionById", NONE, "do not choose the partition from the alert id"),
    prop(
      "kafka",
      "partitionAlgorithm",
      sig([p("algorithm", "string")]),
      "partitioner: crc32 (default), murmur2, murmur3 or fnv-1a",
    ),
  ]),
  // Kapacitor's non-HTTP handlers (pipeline/alert.go): email, mqtt, snmpTrap, sensu.
  email: handler("email", "send the message as the subject and the details as the HTML body by SMTP", [
    prop("email", "to", sig([], p("address", "string")), "add recipients (default: [smtp] to)", {
      repeat: "many",
    }),
  ]),
  mqtt: handler("mqtt", "publish the message to an MQTT topic", [
    prop(
      "mqtt",
      "brokerName",
      sig([p("name", "string")]),
      "name of a [[mqtt]] broker (default: the default one)",
    ),
    prop(
      "mqtt",
      "qos",
      sig([p("qos", "int")]),
      "QoS: 0 at most once (default), 1 at least once, 2 exactly once",
    ),
    prop("mqtt", "retained", sig([opt("retained", "bool")]), "set the retain flag on the message"),
  ]),
  snmpTrap: handler("snmpTrap", "send an SNMPv2c trap to [snmptrap] addr", [
    prop(
      "snmpTrap",
      "data",
      sig([p("oid", "string"), p("type", "string"), p("value", "string")]),
      "add a varbind: type c, i, n, s or t; the value is a template",
      { repeat: "many" },
    ),
  ]),
  sensu: handler("sensu", "send a check result to the Sensu client at [sensu] addr", [
    prop(
      "sensu",
      "source",
      sig([p("source", "string")]),
      "source (JIT client) name, a template (default: [sensu] source)",
    ),
    prop("sensu", "handlers", sig([], p("handler", "string")), "Sensu handlers (default: [sensu] handlers)"),
    prop(
      "sensu",
      "metadata",
      sig([p("key", "string"), p("value", "string", "int", "float", "bool")]),
      "add a field to the check result",
      { repeat: "many" },
    ),
  ]),
  // Kapacitor's HTTP notification handlers (src/handlers/<kind>.ts): properties as Kapacitor 1.8.
  slack: handler("slack", "post the alert message to a Slack channel ([[slack]])", [
    prop(
      "slack",
      "workspace",
      sig([p("workspace", "string")]),
      "[[slack]] workspace (default: the default one)",
    ),
    prop("slack", "channel", sig([p("channel", "string")]), "channel (default: the configured one)"),
    prop("slack", "username", sig([p("username", "string")]), "bot user name (default: the configured one)"),
    prop("slack", "iconEmoji", sig([p("emoji", "string")]), "emoji used as the bot's icon, like :rocket:"),
  ]),
  pagerDuty: handler("pagerDuty", "trigger or resolve a PagerDuty incident (Events API v1, [pagerduty])", [
    prop("pagerDuty", "serviceKey", sig([p("key", "string")]), "service key (default: the configured one)"),
  ]),
  pagerDuty2: handler("pagerDuty2", "trigger or resolve a PagerDuty incident (Events API v2, [pagerduty2])", [
    prop(
      "pagerDuty2",
      "routingKey",
      sig([p("key", "string")]),
      "integration key (default: the configured one)",
    ),
    // Kapacitor keeps the v1 name: it sets the same routing key (TestStream_AlertPagerDuty2_ServiceKey).
    prop("pagerDuty2", "serviceKey", sig([p("key", "string")]), "the routing key, by its older name"),
    prop("pagerDuty2", "link", sig([p("href", "string"), opt("text", "string")]), "add a link to the event", {
      repeat: "many",
    }),
  ]),
  opsGenie: handler("opsGenie", "create or close an OpsGenie alert (v1 API, [opsgenie])", [
    prop(
      "opsGenie",
      "teams",
      sig([], p("team", "string")),
      "teams to notify (default: the configured ones)",
      {
        repeat: "many",
      },
    ),
    prop(
      "opsGenie",
      "recipients",
      sig([], p("recipient", "string")),
      "recipients (default: the configured ones)",
      {
        repeat: "many",
      },
    ),
  ]),
  opsGenie2: handler(
    "opsGenie2",
    "create an OpsGenie alert, note or close it on recovery (v2 API, [opsgenie2])",
    [
      prop(
        "opsGenie2",
        "teams",
        sig([], p("team", "string")),
        "teams to notify (default: the configured ones)",
        {
          repeat: "many",
        },
      ),
      prop(
        "opsGenie2",
        "recipients",
        sig([], p("recipient", "string")),
        "users to notify (default: the configured ones)",
        {
          repeat: "many",
        },
      ),
      prop("opsGenie2", "recoveryAction", sig([p("action", "string")]), "on recovery: notes or close"),
    ],
  ),
  teams: handler("teams", "post a card to a Microsoft Teams channel ([teams])", [
    prop(
      "teams",
      "channelURL",
      sig([p("url", "string")]),
      "incoming webhook URL (default: the configured one)",
    ),
  ]),
  telegram: handler("telegram", "send the alert message through a Telegram bot ([telegram])", [
    prop("telegram", "chatId", sig([p("id", "string")]), "chat id (default: the configured one)"),
    prop("telegram", "parseMode", sig([p("mode", "string")]), "Markdown or HTML"),
    prop("telegram", "disableWebPagePreview", NONE, "no link previews in the message"),
    prop("telegram", "disableNotification", NONE, "send silently"),
  ]),
  discord: handler("discord", "post an embed to a Discord webhook ([[discord]])", [
    prop(
      "discord",
      "workspace",
      sig([p("workspace", "string")]),
      "[[discord]] workspace (default: the default one)",
    ),
    prop("discord", "username", sig([p("username", "string")]), "webhook user name"),
    prop("discord", "avatarURL", sig([p("url", "string")]), "webhook avatar URL"),
    prop("discord", "embedTitle", sig([p("title", "string")]), "title of the embed"),
    prop("discord", "timestamp", NONE, "show the alert time in the embed"),
  ]),
  pushover: handler("pushover", "send a Pushover notification ([pushover])", [
    prop("pushover", "device", sig([p("device", "string")]), "device names, comma-separated (default: all)"),
    prop("pushover", "title", sig([p("title", "string")]), "message title (default: the app's name)"),
    prop("pushover", "uRL", sig([p("url", "string")]), "a supplementary URL"),
    prop("pushover", "uRLTitle", sig([p("title", "string")]), "title of the supplementary URL"),
    prop("pushover", "sound", sig([p("sound", "string")]), "notification sound"),
  ]),
  talk: handler("talk", "post the alert to a Talk webhook ([talk])", []),
  hipChat: handler("hipChat", "post the alert message to a HipChat room ([hipchat])", [
    prop("hipChat", "room", sig([p("room", "string")]), "room id or name (default: the configured one)"),
    prop("hipChat", "token", sig([p("token", "string")]), "room token (default: the configured one)"),
  ]),
  // Kapacitor's alerta, bigPanda, serviceNow and zenoss handlers (src/handlers/<kind>.ts).
  alerta: handler("alerta", "raise or clear an Alerta alert ([alerta])", [
    prop("alerta", "token", sig([p("token", "string")]), "API token (default: [alerta] token)"),
    prop("alerta", "tokenPrefix", sig([p("prefix", "string")]), "Authorization scheme (default Bearer)"),
    prop("alerta", "resource", sig([p("template", "string")]), "resource, a template (default {{ .Name }})"),
    prop("alerta", "event", sig([p("template", "string")]), "event, a template (default {{ .ID }})"),
    prop(
      "alerta",
      "environment",
      sig([p("template", "string")]),
      "environment (default: [alerta] environment)",
    ),
    prop("alerta", "group", sig([p("template", "string")]), "group, a template (default {{ .Group }})"),
    prop("alerta", "value", sig([p("template", "string")]), "value, a template"),
    prop("alerta", "origin", sig([p("origin", "string")]), "origin (default: [alerta] origin)"),
    prop(
      "alerta",
      "services",
      sig([], p("service", "string")),
      "affected services, templates (default: the measurement)",
      { repeat: "many" },
    ),
    prop("alerta", "service", sig([], p("service", "string")), "affected services, templates", {
      repeat: "many",
      aliasOf: "services",
    }),
    prop(
      "alerta",
      "correlated",
      sig([], p("event", "string")),
      "related events, templates (default: the measurement)",
      { repeat: "many" },
    ),
    prop("alerta", "correlate", sig([], p("event", "string")), "related events, templates", {
      repeat: "many",
      aliasOf: "correlated",
    }),
    prop("alerta", "timeout", sig([p("timeout", "duration")]), "Alerta timeout (default 24h)"),
    prop(
      "alerta",
      "renameSeverity",
      sig([p("from", "string"), p("to", "string")]),
      "send another severity name for ok, info, warn or crit",
      { repeat: "many" },
    ),
    prop(
      "alerta",
      "attribute",
      sig([p("key", "string"), p("value", "string", "int", "float", "bool")]),
      "add an alert attribute",
      { repeat: "many" },
    ),
  ]),
  bigPanda: handler("bigPanda", "send an alert to BigPanda ([bigpanda])", [
    prop(
      "bigPanda",
      "appKey",
      sig([p("key", "string")]),
      "integration app key (default: [bigpanda] app-key)",
    ),
    prop(
      "bigPanda",
      "primaryProperty",
      sig([p("name", "string")]),
      "attribute BigPanda titles the incident with",
    ),
    prop(
      "bigPanda",
      "secondaryProperty",
      sig([p("name", "string")]),
      "attribute BigPanda subtitles the incident with",
    ),
    prop("bigPanda", "host", sig([p("template", "string")]), "the object that caused the alert, a template"),
    prop(
      "bigPanda",
      "attribute",
      sig([p("key", "string"), p("template", "string")]),
      "add an attribute, a template",
      { repeat: "many" },
    ),
  ]),
  serviceNow: handler("serviceNow", "send an event to ServiceNow event management ([servicenow])", [
    prop("serviceNow", "source", sig([p("source", "string")]), "event source (default: [servicenow] source)"),
    prop("serviceNow", "node", sig([p("template", "string")]), "node, a template"),
    prop("serviceNow", "type", sig([p("template", "string")]), "metric type, a template"),
    prop("serviceNow", "resource", sig([p("template", "string")]), "resource, a template"),
    prop("serviceNow", "metricName", sig([p("template", "string")]), "metric name, a template"),
    prop(
      "serviceNow",
      "messageKey",
      sig([p("template", "string")]),
      "message key, a template (default: the alert id)",
    ),
    prop(
      "serviceNow",
      "additionalInfo",
      sig([p("key", "string"), p("value", "string", "int", "float", "bool")]),
      "add to additional_info; strings are templates",
      { repeat: "many" },
    ),
  ]),
  zenoss: handler("zenoss", "send an event to the Zenoss events router ([zenoss])", [
    prop("zenoss", "action", sig([p("action", "string")]), "router name (default: [zenoss] action)"),
    prop("zenoss", "method", sig([p("method", "string")]), "router method (default: [zenoss] method)"),
    prop("zenoss", "type", sig([p("type", "string")]), "event type (default: [zenoss] type)"),
    prop("zenoss", "tid", sig([p("tid", "int")]), "transaction id (default: [zenoss] tid)"),
    prop("zenoss", "summary", sig([p("template", "string")]), "summary, a template (default: the message)"),
    prop("zenoss", "device", sig([p("template", "string")]), "device, a template"),
    prop("zenoss", "component", sig([p("template", "string")]), "component, a template"),
    prop("zenoss", "evclasskey", sig([p("template", "string")]), "event class key, a template"),
    prop("zenoss", "evclass", sig([p("template", "string")]), "event class, a template"),
    prop(
      "zenoss",
      "collector",
      sig([p("template", "string")]),
      "collector, a template (default: [zenoss] collector)",
    ),
    prop("zenoss", "message", sig([p("template", "string")]), "message, a template"),
    prop(
      "zenoss",
      "customField",
      sig([p("key", "string"), p("value", "string", "int", "float", "bool")]),
      "add a field to the event; strings are templates",
      { repeat: "many" },
    ),
  ]),
};

export const KAFKA_PARTITION_ALGORITHMS: readonly string[] = ["crc32", "murmur2", "murmur3", "fnv-1a"];

// ---------------------------------------------------------------------------------------------
// Nodes.

const alertProps: PropertySpec[] = [
  prop(
    "alert",
    "id",
    sig([p("template", "string")]),
    "template for the alert id (default {{ .Name }}:{{ .Group }})",
  ),
  prop(
    "alert",
    "message",
    sig([p("template", "string")]),
    "template for the alert message (default {{ .ID }} is {{ .Level }})",
  ),
  prop(
    "alert",
    "details",
    sig([p("template", "string")]),
    "HTML template for the alert details (default {{ json . }})",
  ),
  prop("alert", "info", sig([pred("expression")]), "lambda: INFO when true"),
  prop("alert", "warn", sig([pred("expression")]), "lambda: WARNING when true"),
  prop("alert", "crit", sig([pred("expression")]), "lambda: CRITICAL when true"),
  prop("alert", "infoReset", sig([pred("expression")]), "lambda: leave INFO only when true"),
  prop("alert", "warnReset", sig([pred("expression")]), "lambda: leave WARNING only when true"),
  prop("alert", "critReset", sig([pred("expression")]), "lambda: leave CRITICAL only when true"),
  prop(
    "alert",
    "history",
    sig([p("count", "int")]),
    "number of levels remembered for flapping (default 21, minimum 2)",
  ),
  prop(
    "alert",
    "flapping",
    sig([
      { name: "low", types: ["float"], fraction: true },
      { name: "high", types: ["float"], fraction: true },
    ]),
    "suppress events while the state-change ratio is above high, until it drops below low",
  ),
  prop(
    "alert",
    "stateChangesOnly",
    sig([opt("maxInterval", "duration")]),
    "send only level changes (or every maxInterval)",
  ),
  prop("alert", "noRecoveries", NONE, "do not send OK events"),
  prop("alert", "all", NONE, "batch input: alert only when every point matches"),
  prop(
    "alert",
    "inhibit",
    sig([p("category", "string")], p("tag", "string")),
    "drop events of a category while this alert fires",
    {
      repeat: "many",
    },
  ),
  prop(
    "alert",
    "category",
    sig([p("category", "string")]),
    "category that .inhibit() of another alert matches",
  ),
  prop("alert", "topic", sig([p("topic", "string")]), "also publish events to this topic"),
  prop("alert", "levelTag", sig([p("tag", "string")]), "add the level as a tag to the data passed on"),
  prop("alert", "levelField", sig([p("field", "string")]), "add the level as a field to the data passed on"),
  prop(
    "alert",
    "messageField",
    sig([p("field", "string")]),
    "add the message as a field to the data passed on",
  ),
  prop("alert", "idTag", sig([p("tag", "string")]), "add the alert id as a tag to the data passed on"),
  prop("alert", "idField", sig([p("field", "string")]), "add the alert id as a field to the data passed on"),
  prop(
    "alert",
    "durationField",
    sig([p("field", "string")]),
    "add the alert duration (ns) as a field to the data passed on",
  ),
  prop("alert", "quiet", NONE, "do not log errors of this node"),
  prop("alert", "post", sig([opt("url", "string")]), "handler: HTTP POST the alert JSON", {
    repeat: "many",
    handler: "post",
  }),
  prop("alert", "victorOps", NONE, "handler: send to VictorOps", { repeat: "many", handler: "victorOps" }),
  prop("alert", "victorops", NONE, "handler: send to VictorOps (spelling from Kapacitor's docs)", {
    repeat: "many",
    handler: "victorOps",
    aliasOf: "victorOps",
  }),
  prop("alert", "escalation", sig([p("name", "string")]), "handler: signed escalation webhook (tickd)", {
    repeat: "many",
    handler: "escalation",
  }),
  prop("alert", "connector", sig([p("id", "string")]), "handler: send through a connector (tickd)", {
    repeat: "many",
    handler: "connector",
  }),
  prop("alert", "log", sig([p("path", "string")]), "handler: append the alert JSON to a file", {
    repeat: "many",
    handler: "log",
  }),
  prop("alert", "tcp", sig([p("address", "string")]), "handler: send the alert JSON over TCP", {
    repeat: "many",
    handler: "tcp",
  }),
  prop(
    "alert",
    "exec",
    sig([p("program", "string")], p("arg", "string")),
    "handler: run a program with the alert JSON on stdin",
    {
      repeat: "many",
      handler: "exec",
    },
  ),
  prop("alert", "kafka", NONE, "handler: write the alert to Kafka", { repeat: "many", handler: "kafka" }),
  prop("alert", "email", sig([], p("address", "string")), "handler: send an email ([smtp])", {
    repeat: "many",
    handler: "email",
  }),
  prop("alert", "mqtt", sig([p("topic", "string")]), "handler: publish to an MQTT topic ([[mqtt]])", {
    repeat: "many",
    handler: "mqtt",
  }),
  prop("alert", "snmpTrap", sig([p("trapOid", "string")]), "handler: send an SNMP trap ([snmptrap])", {
    repeat: "many",
    handler: "snmpTrap",
  }),
  prop("alert", "sensu", NONE, "handler: send a check result to Sensu ([sensu])", {
    repeat: "many",
    handler: "sensu",
  }),
  // Kapacitor's HTTP notification handlers.
  ...[
    "slack",
    "pagerDuty",
    "pagerDuty2",
    "opsGenie",
    "opsGenie2",
    "teams",
    "telegram",
    "discord",
    "pushover",
    "talk",
    "hipChat",
    "alerta",
    "bigPanda",
    "serviceNow",
    "zenoss",
  ].map((kind) =>
    prop("alert", kind, NONE, `handler: ${HANDLERS[kind]?.description ?? kind}`, {
      repeat: "many",
      handler: kind,
    }),
  ),
];

function influxql(
  kind: string,
  description: string,
  args: Signature,
  provides: EdgeType | "same",
  selector: boolean,
): NodeSpec {
  const list = [
    prop(kind, "as", sig([p("name", "string")]), `name of the result field (default '${kind}')`),
    prop(
      kind,
      "usePointTimes",
      NONE,
      selector
        ? "use the selected point's time instead of the batch time"
        : "selectors only: has no effect on aggregates",
    ),
  ];
  return node(kind, kind, description, args, "chain", "any", provides, list);
}

const field = p("field", "string");

const nodeList: NodeSpec[] = [
  node("stream", "stream", "the stream of points written to tickd", NONE, "any", "any", "stream", [], true),
  node(
    "batch",
    "batch",
    "batches queried from InfluxDB on a schedule",
    NONE,
    "any",
    "any",
    "batch",
    [],
    true,
  ),
  node(
    "noop",
    "noop",
    "placeholder child added by |stats() and |deadman()",
    NONE,
    "any",
    "any",
    "same",
    [],
    true,
  ),
  node(
    "from",
    "from",
    "select the points of a measurement from the stream",
    NONE,
    "stream",
    "stream",
    "stream",
    [
      prop("from", "measurement", sig([p("name", "string")]), "measurement to select (default: all)"),
      prop("from", "database", sig([p("name", "string")]), "database to select (default: all)"),
      prop(
        "from",
        "retentionPolicy",
        sig([p("name", "string")]),
        "retention policy to select (default: all)",
      ),
      prop(
        "from",
        "where",
        sig([pred("expression")]),
        "lambda: keep points for which it is true (repeats are ANDed)",
        {
          repeat: "many",
        },
      ),
      prop("from", "groupBy", sig([], p("dimension", "string", "star")), "group by these tags, or * for all"),
      prop("from", "groupByMeasurement", NONE, "also group by measurement name"),
      prop("from", "truncate", sig([p("precision", "duration")]), "truncate point times to this precision"),
      prop("from", "round", sig([p("precision", "duration")]), "round point times to this precision"),
    ],
  ),
  node(
    "query",
    "query",
    "query InfluxDB on a schedule (batch tasks)",
    sig([p("query", "string")]),
    "batch",
    "batch",
    "batch",
    [
      prop("query", "period", sig([p("period", "duration")]), "length of time queried each time"),
      prop("query", "every", sig([p("every", "duration")]), "how often to query"),
      prop("query", "align", NONE, "align query times with every"),
      prop("query", "cron", sig([p("schedule", "string")]), "cron schedule instead of every"),
      prop("query", "offset", sig([p("offset", "duration")]), "how far back from now to query"),
      prop("query", "alignGroup", NONE, "align the times of the groups of a query"),
      prop(
        "query",
        "groupBy",
        sig([], p("dimension", "string", "star", "time")),
        "GROUP BY tags, * or time(d)",
      ),
      prop("query", "groupByMeasurement", NONE, "also group by measurement name"),
      prop(
        "query",
        "fill",
        sig([p("fill", "string", "int", "float")]),
        "fill: 'null', 'none', 'previous', 'linear' or a number",
      ),
      prop("query", "cluster", sig([p("name", "string")]), "name of the configured InfluxDB cluster"),
    ],
  ),
  node(
    "queryFlux",
    "query_flux",
    "run a Flux query against InfluxDB 2.x on a schedule (batch tasks)",
    sig([p("flux", "string")]),
    "batch",
    "batch",
    "batch",
    [
      prop("queryFlux", "every", sig([p("every", "duration")]), "how often to query"),
      prop("queryFlux", "cron", sig([p("schedule", "string")]), "cron schedule instead of every"),
      prop("queryFlux", "align", NONE, "align query times with every"),
      prop("queryFlux", "offset", sig([p("offset", "duration")]), "how far back from now to query"),
      prop("queryFlux", "org", sig([p("org", "string")]), "InfluxDB 2.x organisation name"),
      prop("queryFlux", "orgID", sig([p("id", "string")]), "InfluxDB 2.x organisation id"),
      prop("queryFlux", "cluster", sig([p("name", "string")]), "name of the configured InfluxDB cluster"),
    ],
  ),
  node(
    "where",
    "where",
    "keep points for which the lambda is true",
    sig([pred("expression")]),
    "chain",
    "any",
    "same",
    [],
  ),
  node(
    "groupBy",
    "groupby",
    "group data by tags",
    sig([], p("dimension", "string", "star")),
    "chain",
    "any",
    "same",
    [
      prop("groupBy", "byMeasurement", NONE, "also group by measurement name"),
      // Kapacitor appends each call's tags (pipeline.GroupByNode.Exclude).
      prop(
        "groupBy",
        "exclude",
        sig([], p("tag", "string"), 1),
        "leave these tags out of the group (with *)",
        {
          repeat: "many",
        },
      ),
    ],
  ),
  node("window", "window", "collect points into time or count windows", NONE, "chain", "stream", "batch", [
    prop("window", "period", sig([p("period", "duration")]), "length of each window"),
    prop("window", "every", sig([p("every", "duration")]), "how often a window is emitted"),
    prop("window", "align", NONE, "align window boundaries with every"),
    prop("window", "fillPeriod", NONE, "wait for a full period before the first window"),
    prop("window", "periodCount", sig([p("count", "int")]), "length of each window in points"),
    prop("window", "everyCount", sig([p("count", "int")]), "emit a window every count points"),
  ]),
  // InfluxQL aggregates emit one point per batch; selectors one selected point; top/bottom/distinct
  // a batch; the transformations pass on the edge they receive (pipeline/influxql.go).
  influxql("count", "number of points", sig([field]), "stream", false),
  influxql("sum", "sum of the field", sig([field]), "stream", false),
  influxql("mean", "mean of the field", sig([field]), "stream", false),
  influxql("median", "median of the field", sig([field]), "stream", false),
  influxql("mode", "most frequent value of the field", sig([field]), "stream", false),
  influxql("spread", "max minus min of the field", sig([field]), "stream", false),
  influxql("stddev", "standard deviation of the field", sig([field]), "stream", false),
  influxql("min", "point with the smallest value", sig([field]), "stream", true),
  influxql("max", "point with the largest value", sig([field]), "stream", true),
  influxql("first", "first point", sig([field]), "stream", true),
  influxql("last", "last point", sig([field]), "stream", true),
  influxql("percentile", "point at a percentile", sig([field, p("percentile", "float")]), "stream", true),
  influxql("distinct", "batch of the distinct values", sig([field]), "batch", true),
  influxql("top", "the num largest points", sig([p("num", "int"), field], p("tag", "string")), "batch", true),
  influxql(
    "bottom",
    "the num smallest points",
    sig([p("num", "int"), field], p("tag", "string")),
    "batch",
    true,
  ),
  influxql("elapsed", "time between points in units", sig([field, p("unit", "duration")]), "same", false),
  influxql("difference", "difference between successive values", sig([field]), "same", false),
  influxql(
    "movingAverage",
    "moving average over window points",
    sig([field, p("window", "int")]),
    "same",
    false,
  ),
  influxql("cumulativeSum", "running sum", sig([field]), "same", false),
  influxql(
    "holtWinters",
    "forecast h points (season m, bucket interval) with Holt-Winters, as InfluxDB's HOLT_WINTERS()",
    sig([field, p("h", "int"), p("m", "int"), p("interval", "duration")]),
    "batch",
    false,
  ),
  influxql(
    "holtWintersWithFit",
    "as holtWinters, preceded by the fitted values of the input",
    sig([field, p("h", "int"), p("m", "int"), p("interval", "duration")]),
    "batch",
    false,
  ),
  node("derivative", "derivative", "rate of change of a field", sig([field]), "chain", "any", "same", [
    prop("derivative", "unit", sig([p("unit", "duration")]), "time unit of the rate (default 1s)"),
    prop("derivative", "nonNegative", NONE, "drop negative rates (counter resets)"),
    prop("derivative", "as", sig([p("name", "string")]), "name of the result field (default 'derivative')"),
  ]),
  node(
    "eval",
    "eval",
    "compute fields with lambdas",
    sig([], p("expression", "lambda"), 1),
    "chain",
    "any",
    "same",
    [
      prop("eval", "as", sig([], p("name", "string")), "names of the computed fields, one per lambda"),
      prop(
        "eval",
        "keep",
        sig([], p("field", "string")),
        "keep the input fields (all, or only those listed)",
      ),
      prop("eval", "tags", sig([], p("name", "string")), "store these results as tags instead of fields"),
      prop("eval", "quiet", NONE, "do not log errors of this node"),
    ],
  ),
  node("default", "default", "set fields and tags that are missing", NONE, "chain", "any", "same", [
    prop(
      "default",
      "field",
      sig([p("name", "string"), p("value", "string", "int", "float", "bool")]),
      "default value of a field",
      {
        repeat: "many",
      },
    ),
    prop("default", "tag", sig([p("name", "string"), p("value", "string")]), "default value of a tag", {
      repeat: "many",
    }),
  ]),
  node("delete", "delete", "remove fields and tags", NONE, "chain", "any", "same", [
    prop("delete", "field", sig([p("name", "string")]), "field to remove", { repeat: "many" }),
    prop("delete", "tag", sig([p("name", "string")]), "tag to remove", { repeat: "many" }),
  ]),
  node(
    "barrier",
    "barrier",
    "close a quiet group's windows (idle) or every period",
    NONE,
    "chain",
    "any",
    "same",
    [
      prop(
        "barrier",
        "idle",
        sig([p("idle", "duration")]),
        "emit a barrier when the group has had no data for this long",
      ),
      prop("barrier", "period", sig([p("period", "duration")]), "emit a barrier for the group every period"),
      prop("barrier", "delete", sig([p("delete", "bool")]), "forget the group after each barrier"),
    ],
  ),
  node(
    "trickle",
    "trickle",
    "turn each batch back into a stream of its points (the inverse of window)",
    NONE,
    "chain",
    "batch",
    "stream",
    [],
  ),
  node(
    "flatten",
    "flatten",
    "merge a group's points of the same time into one, fields named by tags",
    NONE,
    "chain",
    "any",
    "same",
    [
      prop("flatten", "on", sig([], p("tag", "string"), 1), "tags whose values prefix the field names"),
      prop(
        "flatten",
        "delimiter",
        sig([p("delimiter", "string")]),
        "between the parts of a field name (default .)",
      ),
      prop("flatten", "tolerance", sig([p("tolerance", "duration")]), "round times to this before matching"),
      prop(
        "flatten",
        "dropOriginalFieldName",
        sig([opt("drop", "bool")]),
        "leave the field name out of the new names",
      ),
    ],
  ),
  node("shift", "shift", "shift point times", sig([p("shift", "duration")]), "chain", "any", "same", []),
  node(
    "sample",
    "sample",
    "keep one point per count or per duration",
    sig([p("rate", "int", "duration")]),
    "chain",
    "any",
    "same",
    [],
  ),
  node(
    "changeDetect",
    "changeDetect",
    "pass a point only when a field changes",
    sig([], field, 1),
    "chain",
    "any",
    "same",
    [],
  ),
  node(
    "stateDuration",
    "state_duration",
    "how long a lambda has been true",
    sig([pred("expression")]),
    "chain",
    "any",
    "same",
    [
      prop(
        "stateDuration",
        "as",
        sig([p("name", "string")]),
        "name of the result field (default 'state_duration')",
      ),
      prop("stateDuration", "unit", sig([p("unit", "duration")]), "time unit of the result (default 1s)"),
    ],
  ),
  node(
    "stateCount",
    "state_count",
    "how many points in a row a lambda has been true",
    sig([pred("expression")]),
    "chain",
    "any",
    "same",
    [
      prop(
        "stateCount",
        "as",
        sig([p("name", "string")]),
        "name of the result field (default 'state_count')",
      ),
    ],
  ),
  node(
    "stats",
    "stats",
    "internal statistics of a node, every interval",
    sig([p("interval", "duration")]),
    "any",
    "any",
    "stream",
    [prop("stats", "align", NONE, "align emit times with interval")],
  ),
  node(
    "deadman",
    "alert",
    "alert when the throughput drops below threshold points per interval",
    sig([p("threshold", "float"), p("interval", "duration")], pred("expression")),
    "any",
    "any",
    "stream",
    [],
  ),
  node(
    "join",
    "join",
    "join this node with others on time",
    sig([], p("node", "node"), 1),
    "chain",
    "any",
    "same",
    [
      prop("join", "as", sig([], p("name", "string")), "prefix of the fields of each joined node, in order"),
      prop("join", "on", sig([], p("tag", "string")), "join on these tags only"),
      prop("join", "tolerance", sig([p("tolerance", "duration")]), "times this close are joined"),
      prop(
        "join",
        "fill",
        sig([p("fill", "string", "int", "float")]),
        "'none' (inner), 'null' or a number (outer join)",
      ),
      prop("join", "streamName", sig([p("name", "string")]), "measurement name of the joined data"),
      prop(
        "join",
        "delimiter",
        sig([p("delimiter", "string")]),
        "separator between prefix and field name (default '.')",
      ),
    ],
  ),
  node("union", "union", "merge this node with others", sig([], p("node", "node")), "chain", "any", "same", [
    prop("union", "rename", sig([p("name", "string")]), "measurement name of the merged data"),
  ]),
  node("log", "log", "log the data passing through", NONE, "chain", "any", "same", [
    prop("log", "level", sig([p("level", "string")]), "DEBUG, INFO, WARN or ERROR (default INFO)"),
    prop("log", "prefix", sig([p("prefix", "string")]), "prefix of each log line"),
  ]),
  node(
    "httpOut",
    "http_out",
    "serve the latest data at an HTTP endpoint of the task",
    sig([p("endpoint", "string")]),
    "chain",
    "any",
    "same",
    [],
  ),
  // pipeline/http_post.go: a URL argument or .endpoint(), not both; passes data on unchanged
  // (plus .codeField()).
  node(
    "httpPost",
    "http_post",
    "POST each point or batch as JSON (or an endpoint's row-template) to a URL",
    sig([], p("url", "string")),
    "chain",
    "any",
    "same",
    [
      prop("httpPost", "endpoint", sig([p("name", "string")]), "name of an [[httppost]] endpoint", {
        repeat: "many",
      }),
      prop("httpPost", "header", sig([p("key", "string"), p("value", "string")]), "set a request header", {
        repeat: "many",
      }),
      prop(
        "httpPost",
        "codeField",
        sig([p("field", "string")]),
        "field that receives the HTTP status (0 when no response)",
      ),
      prop("httpPost", "captureResponse", NONE, "log the response body when the status is not 2xx"),
      prop("httpPost", "timeout", sig([p("timeout", "duration")]), "request timeout (default none)"),
    ],
  ),
  node(
    "combine",
    "combine",
    "combine a group's points of one time with each other, one per lambda",
    sig([], p("expression", "lambda"), 1),
    "chain",
    "any",
    "stream",
    [
      prop(
        "combine",
        "as",
        sig([], p("name", "string")),
        "prefix of each lambda's point, in order (required)",
      ),
      prop("combine", "delimiter", sig([p("delimiter", "string")]), "between prefix and name (default .)"),
      prop("combine", "tolerance", sig([p("tolerance", "duration")]), "round times to this before matching"),
      prop("combine", "max", sig([p("max", "int")]), "most combinations per time (default 1,000,000)"),
    ],
  ),
  node(
    "sideload",
    "sideload",
    "add fields and tags read from YAML/JSON files",
    NONE,
    "chain",
    "any",
    "same",
    [
      prop("sideload", "source", sig([p("url", "string")]), "directory of the value files: file:///abs/dir"),
      prop(
        "sideload",
        "order",
        sig([], p("path", "string")),
        "files to look in, first match wins: templates over the tags ('host/{{.host}}.yml')",
        { repeat: "many" },
      ),
      prop(
        "sideload",
        "field",
        sig([p("name", "string"), p("default", "string", "int", "float", "bool")]),
        "field to load, with its default (and type)",
        { repeat: "many" },
      ),
      prop(
        "sideload",
        "tag",
        sig([p("name", "string"), p("default", "string")]),
        "tag to load, with its default",
        {
          repeat: "many",
        },
      ),
    ],
  ),
  node(
    "kapacitorLoopback",
    "kapacitor_loopback",
    "write the data back into tickd's own stream",
    NONE,
    "chain",
    "any",
    "none",
    [
      prop("kapacitorLoopback", "database", sig([p("name", "string")]), "database to write to (required)"),
      prop(
        "kapacitorLoopback",
        "retentionPolicy",
        sig([p("name", "string")]),
        "retention policy to write to (required)",
      ),
      prop(
        "kapacitorLoopback",
        "measurement",
        sig([p("name", "string")]),
        "measurement name (default: the data's)",
      ),
      prop("kapacitorLoopback", "tag", sig([p("key", "string"), p("value", "string")]), "add a static tag", {
        repeat: "many",
      }),
    ],
  ),
  node("influxDBOut", "influxdb_out", "write the data to InfluxDB", NONE, "chain", "any", "none", [
    prop("influxDBOut", "database", sig([p("name", "string")]), "database to write to"),
    prop("influxDBOut", "retentionPolicy", sig([p("name", "string")]), "retention policy to write to"),
    prop("influxDBOut", "measurement", sig([p("name", "string")]), "measurement name (default: the data's)"),
    prop("influxDBOut", "writeConsistency", sig([p("level", "string")]), "write consistency (clusters)"),
    prop("influxDBOut", "precision", sig([p("precision", "string")]), "time precision of the writes"),
    prop("influxDBOut", "tag", sig([p("key", "string"), p("value", "string")]), "add a static tag", {
      repeat: "many",
    }),
    prop("influxDBOut", "cluster", sig([p("name", "string")]), "name of the configured InfluxDB cluster"),
    prop("influxDBOut", "create", NONE, "create the database and retention policy if missing"),
    prop("influxDBOut", "buffer", sig([p("points", "int")]), "points buffered before a write (default 1000)"),
    prop(
      "influxDBOut",
      "flushInterval",
      sig([p("interval", "duration")]),
      "longest time between writes (default 10s)",
    ),
  ]),
  node(
    "alert",
    "alert",
    "raise alerts from lambdas and send them to handlers",
    NONE,
    "chain",
    "any",
    "same",
    alertProps,
  ),
];

export const NODES: Readonly<Record<string, NodeSpec>> = Object.fromEntries(nodeList.map((n) => [n.kind, n]));

/** Node kinds a user may write as `|kind()`. */
export const CHAIN_NODE_KINDS: readonly string[] = nodeList
  .filter((n) => n.internal !== true)
  .map((n) => n.kind);

/** Property names of a node kind, plus those of a handler object when `handlerKind` is given. */
export function propertyNames(kind: string, handlerKind?: string): string[] {
  const own = Object.keys(NODES[kind]?.properties ?? {});
  if (handlerKind === undefined) return own;
  return [...Object.keys(HANDLERS[handlerKind]?.properties ?? {}), ...own];
}

/** Kapacitor nodes tickd does not offer (reported as unsupported rather than unknown). */
export const KAPACITOR_ONLY_NODES: readonly string[] = [
  "ec2Autoscale",
  "k8sAutoscale",
  "swarmAutoscale",
  "mapReduce",
];

/** Kapacitor alert handlers tickd does not offer (use a topic handler or .post() instead). */
export const KAPACITOR_ONLY_HANDLERS: readonly string[] = [];
