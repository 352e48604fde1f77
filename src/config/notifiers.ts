/**
 * Config sections of Kapacitor's HTTP notification services (issue 13): `[[slack]]`,
 * `[pagerduty]`, `[pagerduty2]`, `[opsgenie]`, `[opsgenie2]`, `[teams]`, `[telegram]`,
 * `[[discord]]`, `[pushover]`, `[talk]`, `[hipchat]`, `[alerta]`, `[bigpanda]`, `[servicenow]`,
 * `[zenoss]`, with Kapacitor 1.8's keys and defaults (`services/<kind>/config.go` and its
 * sample kapacitor.conf). Every one is off by default. Secrets: `token`, `api-key`,
 * `service-key`, `routing-key` of pagerduty2, and the webhook URLs of slack, teams and discord
 * (their path is the credential); they are never logged or shown by the API.
 *
 * schema.ts lists these shapes in SECTIONS and the root schema; types.ts adds the types to
 * TickdConfig. Kapacitor keys tickd does not read (`ssl-cert`, `ssl-key`) are in
 * kapacitor-keys.ts and reported as ignored.
 */
import { z } from "zod";

const str = (def = "") => z.string().default(def);
const bool = (def = false) => z.boolean().default(def);
const strings = () => z.array(z.string()).default(() => []);

export const DEFAULT_SLACK_USERNAME = "kapacitor";
export const DEFAULT_PAGERDUTY_URL = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";
export const DEFAULT_PAGERDUTY2_URL = "https://events.pagerduty.com/v2/enqueue";
export const DEFAULT_OPSGENIE_URL = "https://api.opsgenie.com/v1/json/alert";
export const DEFAULT_OPSGENIE_RECOVERY_URL = "https://api.opsgenie.com/v1/json/alert/note";
export const DEFAULT_OPSGENIE2_URL = "https://api.opsgenie.com/v2/alerts";
export const DEFAULT_TELEGRAM_URL = "https://api.telegram.org/bot";

/** TLS keys Kapacitor's slack and discord clients take; tickd honours ssl-ca and insecure-skip-verify. */
const tlsShape = {
  "ssl-ca": str(),
  "insecure-skip-verify": bool(),
};

export const slackShape = {
  enabled: bool(),
  default: bool(),
  workspace: str(),
  url: str(),
  token: str(),
  channel: str(),
  username: str(DEFAULT_SLACK_USERNAME),
  "icon-emoji": str(),
  global: bool(),
  "state-changes-only": bool(),
  ...tlsShape,
};

export const pagerdutyShape = {
  enabled: bool(),
  "service-key": str(),
  url: str(DEFAULT_PAGERDUTY_URL),
  global: bool(),
};

export const pagerduty2Shape = {
  enabled: bool(),
  "routing-key": str(),
  url: str(DEFAULT_PAGERDUTY2_URL),
  global: bool(),
};

export const opsgenieShape = {
  enabled: bool(),
  "api-key": str(),
  teams: strings(),
  recipients: strings(),
  url: str(DEFAULT_OPSGENIE_URL),
  // Kapacitor spells this one key with an underscore.
  recovery_url: str(DEFAULT_OPSGENIE_RECOVERY_URL),
  global: bool(),
};

export const opsgenie2Shape = {
  enabled: bool(),
  "api-key": str(),
  teams: strings(),
  recipients: strings(),
  url: str(DEFAULT_OPSGENIE2_URL),
  recovery_action: z.enum(["notes", "close"], { error: 'expected "notes" or "close"' }).default("notes"),
  details: bool(),
  global: bool(),
};

export const teamsShape = {
  enabled: bool(),
  "channel-url": str(),
  global: bool(),
  "state-changes-only": bool(),
};

export const telegramShape = {
  enabled: bool(),
  url: str(DEFAULT_TELEGRAM_URL),
  token: str(),
  "chat-id": str(),
  "parse-mode": z.enum(["", "Markdown", "HTML"], { error: 'expected "Markdown" or "HTML"' }).default(""),
  "disable-web-page-preview": bool(),
  "disable-notification": bool(),
  global: bool(),
  "state-changes-only": bool(),
};

export const discordShape = {
  enabled: bool(),
  default: bool(),
  workspace: str(),
  url: str(),
  timestamp: bool(),
  username: str(),
  "avatar-url": str(),
  "embed-title": str(),
  global: bool(),
  "state-changes-only": bool(),
  ...tlsShape,
};

export const DEFAULT_PUSHOVER_URL = "https://api.pushover.net/1/messages.json";

export const pushoverShape = {
  enabled: bool(),
  token: str(),
  "user-key": str(),
  url: str(DEFAULT_PUSHOVER_URL),
};

export const talkShape = {
  enabled: bool(),
  url: str(),
  // Kapacitor spells this one key with an underscore.
  author_name: str(),
};

/** `[pushover]`. */
export interface PushoverConfig {
  readonly enabled: boolean;
  /** Application API token. Secret. */
  readonly token: string;
  /** The user (or group) key. Secret. */
  readonly userKey: string;
  readonly url: string;
}

/** `[talk]`: a Talk (jianliao) incoming webhook. */
export interface TalkConfig {
  readonly enabled: boolean;
  /** Secret: its path is the credential. */
  readonly url: string;
  readonly author_name: string;
}

export const hipchatShape = {
  enabled: bool(),
  url: str(),
  room: str(),
  token: str(),
  global: bool(),
  "state-changes-only": bool(),
};

/** `[hipchat]`. */
export interface HipChatConfig {
  readonly enabled: boolean;
  /** `https://<subdomain>.hipchat.com/v2/room`. */
  readonly url: string;
  readonly room: string;
  /** Secret. */
  readonly token: string;
  readonly global: boolean;
  readonly stateChangesOnly: boolean;
}

/** One `[[slack]]` workspace. */
export interface SlackConfig {
  readonly enabled: boolean;
  /** The workspace a handler naming none uses (the only one is the default anyway). */
  readonly default: boolean;
  readonly workspace: string;
  /** Incoming-webhook URL, or https://slack.com/api/chat.postMessage with `token`. Secret. */
  readonly url: string;
  /** OAuth token of a Slack app: `Authorization: Bearer <token>`. Secret. */
  readonly token: string;
  readonly channel: string;
  readonly username: string;
  readonly iconEmoji: string;
  readonly global: boolean;
  readonly stateChangesOnly: boolean;
  readonly sslCa: string;
  readonly insecureSkipVerify: boolean;
}

/** `[pagerduty]`: PagerDuty's generic events API v1. */
export interface PagerDutyConfig {
  readonly enabled: boolean;
  /** Secret. */
  readonly serviceKey: string;
  readonly url: string;
  readonly global: boolean;
}

/** `[pagerduty2]`: PagerDuty Events API v2. */
export interface PagerDuty2Config {
  readonly enabled: boolean;
  /** Integration key. Secret. */
  readonly routingKey: string;
  readonly url: string;
  readonly global: boolean;
}

/** `[opsgenie]`: OpsGenie's v1 alert API. */
export interface OpsGenieConfig {
  readonly enabled: boolean;
  /** Secret. */
  readonly apiKey: string;
  readonly teams: readonly string[];
  readonly recipients: readonly string[];
  readonly url: string;
  readonly recovery_url: string;
  readonly global: boolean;
}

/** `[opsgenie2]`: OpsGenie's v2 alert API. */
export interface OpsGenie2Config {
  readonly enabled: boolean;
  /** Secret. */
  readonly apiKey: string;
  readonly teams: readonly string[];
  readonly recipients: readonly string[];
  readonly url: string;
  readonly recovery_action: "notes" | "close";
  /** Send the event details as the alert description (else the data as JSON). */
  readonly details: boolean;
  readonly global: boolean;
}

/** `[teams]`: a Microsoft Teams incoming webhook. */
export interface TeamsConfig {
  readonly enabled: boolean;
  /** Secret. */
  readonly channelUrl: string;
  readonly global: boolean;
  readonly stateChangesOnly: boolean;
}

/** `[telegram]`: a Telegram bot. */
export interface TelegramConfig {
  readonly enabled: boolean;
  readonly url: string;
  /** Bot token, part of the request path. Secret. */
  readonly token: string;
  readonly chatId: string;
  readonly parseMode: "" | "Markdown" | "HTML";
  readonly disableWebPagePreview: boolean;
  readonly disableNotification: boolean;
  readonly global: boolean;
  readonly stateChangesOnly: boolean;
}

/** One `[[discord]]` webhook. */
export interface DiscordConfig {
  readonly enabled: boolean;
  readonly default: boolean;
  readonly workspace: string;
  /** Secret. */
  readonly url: string;
  readonly timestamp: boolean;
  readonly username: string;
  readonly avatarUrl: string;
  readonly embedTitle: string;
  readonly global: boolean;
  readonly stateChangesOnly: boolean;
  readonly sslCa: string;
  readonly insecureSkipVerify: boolean;
}

// ---------------------------------------------------------------------------------------------
// `[alerta]`, `[bigpanda]`, `[servicenow]`, `[zenoss]` (Kapacitor 1.8's services/<kind>/config.go).

export const DEFAULT_BIGPANDA_URL = "https://api.bigpanda.io/data/v2/alerts";
export const DEFAULT_ZENOSS_URL = "https://tenant.zenoss.io:8080/zport/dmd/evconsole_router";

export const alertaShape = {
  enabled: bool(),
  url: str(),
  "insecure-skip-verify": bool(),
  token: str(),
  // "" sends "Bearer" (Kapacitor's default prefix); older Alerta servers want "Key".
  "token-prefix": str(),
  environment: str(),
  origin: str(),
};

export const bigpandaShape = {
  enabled: bool(),
  global: bool(),
  "app-key": str(),
  token: str(),
  "state-changes-only": bool(),
  "insecure-skip-verify": bool(),
  url: str(DEFAULT_BIGPANDA_URL),
  // Which of the event's data become alert attributes: "tags", "fields", both or "" (none).
  "auto-attributes": str("tags,fields"),
};

export const servicenowShape = {
  enabled: bool(),
  url: str(),
  source: str(),
  username: str(),
  password: str(),
  global: bool(),
  "state-changes-only": bool(),
};

const severity = z.union([z.string(), z.number()]);
export const zenossShape = {
  enabled: bool(),
  url: str(DEFAULT_ZENOSS_URL),
  username: str(),
  password: str(),
  action: str("EventsRouter"),
  method: str("add_event"),
  type: str("rpc"),
  tid: z.number().int().default(1),
  collector: str(),
  "severity-map": z
    .strictObject({ OK: severity, Info: severity, Warning: severity, Critical: severity })
    .default({ OK: "Clear", Info: "Info", Warning: "Warning", Critical: "Critical" }),
  global: bool(),
  "state-changes-only": bool(),
};

/** `[alerta]`. */
export interface AlertaConfig {
  readonly enabled: boolean;
  /** The API's base URL; events go to `<url>/alert`. */
  readonly url: string;
  readonly insecureSkipVerify: boolean;
  /** Secret. */
  readonly token: string;
  readonly tokenPrefix: string;
  readonly environment: string;
  readonly origin: string;
}

/** `[bigpanda]`. */
export interface BigPandaConfig {
  readonly enabled: boolean;
  readonly global: boolean;
  readonly appKey: string;
  /** Bearer token. Secret. */
  readonly token: string;
  readonly stateChangesOnly: boolean;
  readonly insecureSkipVerify: boolean;
  readonly url: string;
  readonly autoAttributes: string;
}

/** `[servicenow]`: the event management web service (`…/api/global/em/jsonv2`). */
export interface ServiceNowConfig {
  readonly enabled: boolean;
  readonly url: string;
  readonly source: string;
  readonly username: string;
  /** Secret. */
  readonly password: string;
  readonly global: boolean;
  readonly stateChangesOnly: boolean;
}

/** `[zenoss]`: the events router (JSON RPC). */
export interface ZenossConfig {
  readonly enabled: boolean;
  readonly url: string;
  readonly username: string;
  /** Secret. */
  readonly password: string;
  readonly action: string;
  readonly method: string;
  readonly type: string;
  readonly tid: number;
  readonly collector: string;
  readonly severityMap: {
    readonly OK: string | number;
    readonly Info: string | number;
    readonly Warning: string | number;
    readonly Critical: string | number;
  };
  readonly global: boolean;
  readonly stateChangesOnly: boolean;
}

/** The sections above as the handler kinds read them (TickdConfig has exactly these fields). */
export interface NotifierConfigs {
  readonly slack: readonly SlackConfig[];
  readonly pagerduty: PagerDutyConfig;
  readonly pagerduty2: PagerDuty2Config;
  readonly opsgenie: OpsGenieConfig;
  readonly opsgenie2: OpsGenie2Config;
  readonly teams: TeamsConfig;
  readonly telegram: TelegramConfig;
  readonly discord: readonly DiscordConfig[];
  readonly pushover: PushoverConfig;
  readonly talk: TalkConfig;
  readonly hipchat: HipChatConfig;
  readonly alerta: AlertaConfig;
  readonly bigpanda: BigPandaConfig;
  readonly servicenow: ServiceNowConfig;
  readonly zenoss: ZenossConfig;
}

/** Section name → shape and kind, for schema.ts's SECTIONS. */
export const NOTIFIER_SECTIONS = [
  { name: "slack", kind: "array", shape: slackShape },
  { name: "pagerduty", kind: "table", shape: pagerdutyShape },
  { name: "pagerduty2", kind: "table", shape: pagerduty2Shape },
  { name: "opsgenie", kind: "table", shape: opsgenieShape },
  { name: "opsgenie2", kind: "table", shape: opsgenie2Shape },
  { name: "teams", kind: "table", shape: teamsShape },
  { name: "telegram", kind: "table", shape: telegramShape },
  { name: "discord", kind: "array", shape: discordShape },
  { name: "pushover", kind: "table", shape: pushoverShape },
  { name: "talk", kind: "table", shape: talkShape },
  { name: "hipchat", kind: "table", shape: hipchatShape },
  { name: "alerta", kind: "table", shape: alertaShape },
  { name: "bigpanda", kind: "table", shape: bigpandaShape },
  { name: "servicenow", kind: "table", shape: servicenowShape },
  { name: "zenoss", kind: "table", shape: zenossShape },
] as const;

/**
 * Keys that are secrets in one section only: webhook URLs whose path is the credential.
 * Kapacitor redacts `[[slack]] url` and `[talk] url`; tickd hides `[teams] channel-url` and
 * `[[discord]] url` too (the same kind of credential). Elsewhere `url` is an ordinary key.
 */
export const NOTIFIER_SECRET_URLS: Readonly<Record<string, readonly string[]>> = {
  slack: ["url"],
  teams: ["channel-url"],
  discord: ["url"],
  talk: ["url"],
};

/** Secret keys of these sections beyond schema.ts's common ones (`token`, `api-key`). */
export const NOTIFIER_SECRET_KEYS: readonly string[] = ["service-key", "user-key"];
