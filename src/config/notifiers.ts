/**
 * Config sections of Kapacitor's HTTP notification services (issue 13): `[[slack]]`,
 * `[pagerduty]`, `[pagerduty2]`, `[opsgenie]`, `[opsgenie2]`, `[teams]`, `[telegram]`,
 * `[[discord]]`, with Kapacitor 1.8's keys and defaults (`services/<kind>/config.go` and its
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
] as const;

/** Secret keys of these sections beyond schema.ts's common ones (`token`, `api-key`). */
export const NOTIFIER_SECRET_KEYS: readonly string[] = ["service-key"];
