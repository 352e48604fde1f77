/**
 * `POST /tickd/v1/integrations/<source>?topic=<t>` (DESIGN §5, §13): incoming alerts of every
 * source in ./sources/ become events collected into the topic, where topic state deduplicates
 * them by event id and the topic's handlers send them on. `GET /tickd/v1/integrations` lists
 * the sources with their last event and last refusal.
 *
 * A request goes: source name (404 unknown) → topic (400) → body within `[http]
 * max-body-size` (413) → the vendor's signature when a secret is configured (400 missing,
 * 401 wrong; compared in constant time) → JSON (400) → the source's normaliser (400 naming
 * the field; never an id made up from the clock) → collected. A body is mapped whole before
 * anything is collected: a bad alert in a batch rejects the batch. Every request is counted
 * in `tickd_integration_requests_total{source,outcome}` and every refusal is logged (never
 * with the body or a secret).
 *
 * Answers: 200 `{"accepted": N}` (N = events collected; 0 for a request that says nothing
 * about an alert, like GitHub's ping), or the source's own answer (PagerDuty: 202).
 *
 * The generic webhook keeps its own signature: with `[webhook] incoming-secret`,
 * `X-Webhook-Signature` (or `X-Signature`) = `sha256=<hex HMAC-SHA256(secret, raw body)>`
 * (the bare hex is accepted too). Alertmanager cannot sign its requests, so its route relies
 * on tickd's `[http]` authentication (Alertmanager's `http_config` sends basic auth or a
 * bearer token); so do the other sources that do not sign.
 */
import type { AlertEventState } from "../core/alert-event.js";
import { activityJson, type IntegrationActivityJson } from "../core/activity.js";
import { coerceError } from "../core/errors.js";
import { configSchema } from "../config/schema.js";
import type { IntegrationsConfig } from "../config/types.js";
import { verifyHmacSha256Signature } from "../handlers/escalation.js";
import { fetchSender, isAllowedUrl } from "../handlers/http.js";
import type { CollectFn } from "../handlers/types.js";
import { HttpError, type RequestContext } from "../server/http/request-context.js";
import type { ExtraRoute, HttpLogger } from "../server/http/types.js";
import type { ActivityLog } from "../store/activity.js";
import { AutoResolver, type AutoResolvePersistence } from "./auto-resolve.js";
import {
  IntegrationError,
  msToNs,
  toEvent,
  type IncomingAlertEvent,
  type MappingContext,
} from "./mapping.js";
import { IntegrationMetrics } from "./metrics.js";
import {
  findSource,
  SOURCES,
  type InboundSource,
  type SourceAlert,
  type SourceResult,
} from "./sources/index.js";

export const INTEGRATIONS_PATH = "/tickd/v1/integrations";
export const WEBHOOK_PATH = `${INTEGRATIONS_PATH}/webhook`;
export const ALERTMANAGER_PATH = `${INTEGRATIONS_PATH}/alertmanager`;

/** Kapacitor's topic name rule. */
const TOPIC_NAME = /^[-:._\p{L}0-9]+$/u;

/** Outbound GETs of a source (SNS) time out after this when `[webhook] timeout` gives none. */
const DEFAULT_GET_TIMEOUT_MS = 10_000;

export interface IntegrationDeps {
  /** Collects one event into topics: `(e, topics) => topicService.collect(e, { topics, handlers: [] })`. */
  collect: CollectFn;
  /**
   * HMAC-SHA256 key for the generic webhook; unset or "" means signatures are not checked. A
   * function is asked on every request (the daemon's config can be reloaded).
   */
  secret?: string | (() => string) | undefined;
  /** `[integrations]`, asked on every request; default: every default (no secrets, no SNS checks). */
  config?: () => IntegrationsConfig;
  /** `[webhook]` rules for the GETs a source makes (SNS); default: any host, 10 s. */
  webhookRules?: () => { readonly allowedHosts: readonly string[]; readonly timeout?: number };
  /** Outbound GET; default fetch without following redirects. */
  get?: (url: string, timeoutMs: number) => Promise<{ status: number; body: string }>;
  logger: HttpLogger;
  /** Wall clock, ms; default Date.now. */
  now?: () => number;
  /**
   * A topic's stored state of an event (`topicService.topicEvent`): gives durations of open
   * incidents and the level an ack keeps. Without it, durations start at 0 and an ack must
   * name its level.
   */
  state?: (topic: string, eventId: string) => AlertEventState | undefined;
  /**
   * Where Watcher auto-resolve timers are kept across restarts (`sqliteAutoResolve(db)`);
   * without it they live in memory only. Persisted timers are armed again at creation.
   */
  autoResolve?: AutoResolvePersistence;
  /** Where the last event and refusal of each source are kept (`SqliteActivity`); default memory. */
  activity?: ActivityLog;
}

export interface Integrations {
  readonly routes: ExtraRoute[];
  readonly metrics: IntegrationMetrics;
  /** `/metrics` text of the integration counters. */
  renderMetrics(): string;
  /** Drops pending auto-resolve timers (daemon stop). */
  close(): void;
}

let defaults: IntegrationsConfig | undefined;
function defaultConfig(): IntegrationsConfig {
  defaults ??= configSchema.parse({}).integrations;
  return defaults;
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === "" ? undefined : s;
}

/** Thrown inside a request to answer, count and log a refusal in one place. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly outcome: string,
    message: string,
  ) {
    super(message);
  }
}

function outcomeOf(e: IntegrationError): string {
  if (e.status === 401) return "bad_signature";
  if (e.status >= 500) return "failed";
  return "malformed";
}

export function createIntegrations(deps: IntegrationDeps): Integrations {
  const now = deps.now ?? Date.now;
  const given = deps.secret;
  const secretOf = typeof given === "function" ? given : () => given ?? "";
  const configOf = deps.config ?? defaultConfig;
  const rulesOf: NonNullable<IntegrationDeps["webhookRules"]> =
    deps.webhookRules ?? (() => ({ allowedHosts: ["*"] }));
  const get =
    deps.get ??
    ((url: string, timeoutMs: number) =>
      fetchSender.send({ method: "GET", url, headers: {}, body: "", timeoutMs }));
  const metrics = new IntegrationMetrics(deps.activity);

  const collectAll = (alerts: readonly SourceAlert[], topic: string): IncomingAlertEvent[] => {
    const mctx: MappingContext = { topic, now: now(), state: deps.state };
    const events: IncomingAlertEvent[] = [];
    for (const a of alerts) {
      const e = toEvent(a, mctx);
      if (e !== undefined) events.push(e);
    }
    for (const e of events) deps.collect(e, [topic]);
    return events;
  };

  const resolver = new AutoResolver(
    (topic, a) => {
      const events = collectAll([{ ...a, status: "ok", level: undefined, time: msToNs(now()) }], topic);
      deps.logger.log("info", "incoming alert auto-resolved", {
        source: a.taskName,
        topic,
        id: a.id,
        collected: events.length,
      });
    },
    deps.autoResolve,
    now,
  );
  const restored = resolver.restore();
  if (restored > 0) deps.logger.log("info", "auto-resolve timers restored", { count: restored });

  const signatureRefusal = (source: InboundSource, ctx: RequestContext, raw: Buffer): Refused | undefined => {
    if (source.name === "webhook") {
      const secret = secretOf();
      if (secret === "") return undefined;
      const signature = header(ctx, "x-webhook-signature") ?? header(ctx, "x-signature");
      if (signature === undefined) {
        return new Refused(
          400,
          "missing_signature",
          "missing signature: send X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>",
        );
      }
      return verifyHmacSha256Signature({ secret, body: raw, signature })
        ? undefined
        : new Refused(401, "bad_signature", "invalid signature");
    }
    const r = source.verify?.({ headers: ctx.req.headers, raw }, configOf());
    if (r === undefined) return undefined;
    return new Refused(r.status, r.status === 401 ? "bad_signature" : "missing_signature", r.message);
  };

  const serve = async (ctx: RequestContext): Promise<void> => {
    const at = now();
    const segment = ctx.path.slice(INTEGRATIONS_PATH.length + 1);
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      name = segment;
    }
    const source = name.includes("/") ? undefined : findSource(name);
    let topic = "";
    const refuse = (label: string, r: Refused): void => {
      metrics.count(label, r.outcome);
      if (source !== undefined) metrics.touch(source.name, at, r.message);
      deps.logger.log("warn", "incoming alert refused", {
        source: label,
        ...(topic !== "" ? { topic } : {}),
        status: r.status,
        outcome: r.outcome,
        reason: r.message,
      });
      ctx.error(r.status, r.message);
    };
    if (source === undefined) {
      refuse(
        "unknown",
        new Refused(
          404,
          "unknown_source",
          `unknown integration source ${JSON.stringify(name)}: use one of ${SOURCES.map((s) => s.name).join(", ")}`,
        ),
      );
      return;
    }
    const label = source.name;
    try {
      topic = ctx.query.get("topic") ?? "";
      if (topic === "") throw new Refused(400, "bad_request", "missing topic: add ?topic=<name> to the URL");
      if (!TOPIC_NAME.test(topic)) {
        throw new Refused(
          400,
          "bad_request",
          `invalid topic ${JSON.stringify(topic)}: use letters, digits and - : . _`,
        );
      }
      let raw: Buffer;
      try {
        raw = await ctx.readBody();
      } catch (e) {
        if (e instanceof HttpError) {
          // Answered by the dispatcher (413 closes the connection); counted and logged here.
          const outcome = e.status === 413 ? "too_large" : "malformed";
          metrics.count(label, outcome);
          metrics.touch(label, at, e.message);
          deps.logger.log("warn", "incoming alert refused", {
            source: label,
            topic,
            status: e.status,
            outcome,
            reason: e.message,
          });
        }
        throw e;
      }
      const sig = signatureRefusal(source, ctx, raw);
      if (sig !== undefined) throw sig;
      const textBody = raw.toString("utf8");
      if (textBody.trim() === "") throw new Refused(400, "malformed", "invalid JSON body: empty body");
      let body: unknown;
      try {
        body = JSON.parse(textBody) as unknown;
      } catch (e) {
        throw new Refused(400, "malformed", `invalid JSON body: ${coerceError(e).message}`);
      }
      let result: SourceResult;
      try {
        result = await source.map(body, {
          request: { headers: ctx.req.headers, raw },
          config: configOf(),
          nowNs: msToNs(at),
          io: {
            get: (url) => {
              const t = rulesOf().timeout;
              return get(url, t !== undefined && t > 0 ? Math.ceil(t / 1e6) : DEFAULT_GET_TIMEOUT_MS);
            },
            allowedByWebhookRules: (url) => isAllowedUrl(url, rulesOf().allowedHosts),
            log: (level, msg, fields) => deps.logger.log(level, msg, { source: label, topic, ...fields }),
          },
        });
      } catch (e) {
        if (e instanceof IntegrationError) throw new Refused(e.status, outcomeOf(e), e.message);
        throw e;
      }
      const events = collectAll(result.alerts, topic);
      for (const a of result.alerts) {
        if (a.autoResolveAfter !== undefined) resolver.arm(topic, a, a.autoResolveAfter);
        else if (a.status === "ok") resolver.cancel(topic, a.id);
      }
      const outcome = result.outcome ?? (events.length > 0 ? "accepted" : "ignored");
      metrics.count(label, outcome);
      metrics.touch(label, at);
      if (outcome === "subscribe_refused") {
        deps.logger.log("warn", "incoming request not acted on", {
          source: label,
          topic,
          outcome,
          reason: result.note,
        });
      } else {
        deps.logger.log(result.note !== undefined ? "info" : "debug", "incoming alerts collected", {
          source: label,
          topic,
          accepted: events.length,
          outcome,
          ...(result.note !== undefined ? { note: result.note } : {}),
        });
      }
      const reply = events.length > 0 ? source.reply?.(result.alerts) : undefined;
      if (reply !== undefined) ctx.json(reply.status, reply.body);
      else ctx.json(200, { accepted: events.length });
    } catch (e) {
      if (e instanceof Refused) {
        refuse(label, e);
        return;
      }
      if (!(e instanceof HttpError)) {
        metrics.count(label, "failed");
        metrics.touch(label, at, coerceError(e).message);
      }
      throw e;
    }
  };

  const list = (ctx: RequestContext): void => {
    const config = configOf();
    const probe = { headers: {}, raw: Buffer.alloc(0) };
    ctx.json(200, {
      integrations: SOURCES.map((s) => {
        const act = metrics.activityOf(s.name);
        const signed =
          s.name === "webhook"
            ? secretOf() !== ""
            : s.name === "cloudwatch"
              ? config.cloudwatch.verifySns
              : s.verify?.(probe, config) !== undefined;
        const row: IntegrationActivityJson = {
          name: s.name,
          aliases: [...(s.aliases ?? [])],
          path: `${INTEGRATIONS_PATH}/${s.name}`,
          signature_checked: signed,
          ...activityJson(act),
        };
        return row;
      }),
    });
  };

  return {
    routes: [
      { method: "POST", path: `${INTEGRATIONS_PATH}/*`, handle: serve },
      { method: "GET", path: INTEGRATIONS_PATH, handle: list },
    ],
    metrics,
    renderMetrics: () => metrics.render(),
    close: () => resolver.close(),
  };
}

/** The routes alone (tests, or a server without `/metrics`). */
export function createIntegrationRoutes(deps: IntegrationDeps): ExtraRoute[] {
  return createIntegrations(deps).routes;
}
