/**
 * The inbound sources by their pinned name (DESIGN §13) and aliases: one module each. A new
 * source is one file here and one line in {@link SOURCES}.
 */
import { alertmanager } from "./alertmanager.js";
import { appdynamics } from "./appdynamics.js";
import { azure } from "./azure.js";
import { betterUptime } from "./better-uptime.js";
import { bitbucket } from "./bitbucket.js";
import { cloudwatch } from "./cloudwatch.js";
import { datadog } from "./datadog.js";
import { dynatrace } from "./dynatrace.js";
import { elastic } from "./elastic.js";
import { github } from "./github.js";
import { googleCloudMonitoring } from "./google-cloud-monitoring.js";
import { grafana } from "./grafana.js";
import { honeycomb } from "./honeycomb.js";
import { newrelic } from "./newrelic.js";
import { opsgenie } from "./opsgenie.js";
import { pagerduty } from "./pagerduty.js";
import { pingdom } from "./pingdom.js";
import { sentry } from "./sentry.js";
import { splunkObservability } from "./splunk-observability.js";
import { splunkOncall } from "./splunk-oncall.js";
import type { InboundSource } from "./types.js";
import { uptimeKuma } from "./uptime-kuma.js";
import { uptimerobot } from "./uptimerobot.js";
import { webhook } from "./webhook.js";

export type {
  InboundSource,
  SourceAlert,
  SourceContext,
  SourceIo,
  SourceRequest,
  SourceResult,
} from "./types.js";

/** Every source, in DESIGN §13's order. */
export const SOURCES: readonly InboundSource[] = [
  webhook,
  alertmanager,
  grafana,
  datadog,
  pagerduty,
  opsgenie,
  splunkOncall,
  elastic,
  newrelic,
  sentry,
  cloudwatch,
  azure,
  googleCloudMonitoring,
  dynatrace,
  appdynamics,
  splunkObservability,
  honeycomb,
  uptimerobot,
  pingdom,
  betterUptime,
  uptimeKuma,
  github,
  bitbucket,
];

const BY_NAME: ReadonlyMap<string, InboundSource> = new Map(
  SOURCES.flatMap((s) => [s.name, ...(s.aliases ?? [])].map((n) => [n, s] as const)),
);

/** The source a `<source>` path segment names (a pinned name or an alias), or undefined. */
export function findSource(name: string): InboundSource | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** The pinned names, for error messages and listings. */
export const SOURCE_NAMES: readonly string[] = SOURCES.map((s) => s.name);
