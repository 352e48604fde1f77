/**
 * The shape of one inbound source (`/tickd/v1/integrations/<source>`): how its requests are
 * authenticated and how its body becomes incoming alerts. Sources are listed in ./index.ts.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { IntegrationsConfig } from "../../config/types.js";
import type { Incoming } from "../mapping.js";

/** An incoming alert, plus what only some sources need. */
export interface SourceAlert extends Incoming {
  /** The vendor never resolves this alert: tickd resolves it after this long without a new one (ns). */
  autoResolveAfter?: number;
}

/** What a signature check sees: the raw bytes as received (signatures cover them, not the JSON). */
export interface SourceRequest {
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
}

/** A refused request: 400 (signature header missing) or 401 (signature wrong). */
export interface Refusal {
  readonly status: 400 | 401;
  readonly message: string;
}

/** Outbound HTTP a source may need (SNS: subscription confirmation, signing certificates). */
export interface SourceIo {
  /** GET `url`; resolves with the status and body, rejects on a network error or timeout. */
  get(url: string): Promise<{ status: number; body: string }>;
  /** `[webhook] allowed-hosts` and the source's own host list. */
  allowedByWebhookRules(url: URL): boolean;
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
}

export interface SourceContext {
  readonly request: SourceRequest;
  readonly config: IntegrationsConfig;
  /** Wall clock, ns: the time of an alert whose body gives none. */
  readonly nowNs: number;
  readonly io: SourceIo;
}

/** What a body turned into: alerts, plus how to name the request's outcome in metrics and logs. */
export interface SourceResult {
  readonly alerts: readonly SourceAlert[];
  /** Default "accepted" (or "ignored" when there are no alerts). */
  readonly outcome?: string;
  /** Why nothing was collected (logged). */
  readonly note?: string;
}

export interface InboundSource {
  /** The pinned `<source>` name (DESIGN §13). */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Checks the vendor's signature when a secret is configured; undefined = accepted. */
  verify?(req: SourceRequest, config: IntegrationsConfig): Refusal | undefined;
  /** The alerts of a parsed JSON body; throws IntegrationError (400) when it cannot be used. */
  map(body: unknown, ctx: SourceContext): SourceResult | Promise<SourceResult>;
  /** A vendor-specific success answer (PagerDuty's 202 `{status, message, dedup_key}`). */
  reply?(alerts: readonly SourceAlert[]): { status: number; body: unknown };
}
