/**
 * A {@link Transport} that sends each journaled request by its URL's scheme: `http:`/`https:`
 * over the undici transport built from `[webhook]`, run in its own worker thread
 * (wire-thread.ts: the main thread is the daemon's bottleneck), other schemes (`smtp:`) over their own
 * wire. The daemon hands it to the delivery service (`DeliveryDeps.transport`), so every
 * request/response notification, HTTP or not, shares the journal, the lanes and the retries.
 *
 * Because the service does not rebuild a transport it was given, {@link RoutedTransport.reconfigure}
 * does it for the HTTP part when `[webhook]`'s TLS or timeout settings change (SIGHUP); the old
 * one finishes its requests.
 */
import { TickdError } from "../core/errors.js";
import type { EngineLogger } from "../engine/context.js";
import { HandlerCodes, type HttpRequest } from "../handlers/types.js";
import type { Transport, TransportResponse } from "./transport.js";
import type { DeliveryWebhookSettings } from "./types.js";
import { createThreadTransport, WireThreadStats, type WireThreadDeps } from "./wire-thread.js";

export interface RoutedTransport extends Transport {
  /** New `[webhook]` settings: a new HTTP transport when TLS or timeout changed. Throws E_DELIVERY_CONFIG. */
  reconfigure(webhook: DeliveryWebhookSettings): void;
}

function httpTransport(w: DeliveryWebhookSettings, deps: WireThreadDeps): Transport {
  return createThreadTransport(
    {
      verificationMode: w.verificationMode,
      caFile: w.caFile,
      ...(w.timeout > 0 ? { connectTimeoutMs: Math.ceil(w.timeout / 1e6) } : {}),
    },
    deps,
  );
}

export function createRoutedTransport(
  webhook: DeliveryWebhookSettings,
  wires: Readonly<Record<string, Transport>>,
  opts: { logger?: EngineLogger } = {},
): RoutedTransport {
  // One count across the wire threads a reconfigure replaces.
  const stats = new WireThreadStats();
  const deps: WireThreadDeps = { ...opts, stats };
  let current = webhook;
  let http = httpTransport(webhook, deps);
  const wireFor = (url: string): Transport | undefined => {
    // Nearly every URL: no regex match (an array and two strings per notification).
    if (url.startsWith("http://") || url.startsWith("https://")) return undefined;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    if (scheme === undefined || scheme === "http" || scheme === "https") return undefined;
    const wire = Object.hasOwn(wires, scheme) ? wires[scheme] : undefined;
    if (wire === undefined) throw new TickdError(HandlerCodes.SEND, `no transport for ${scheme}: URLs`);
    return wire;
  };
  const all = (): Transport[] => [http, ...Object.values(wires)];
  return {
    send(req: HttpRequest): Promise<TransportResponse> {
      try {
        return (wireFor(req.url) ?? http).send(req);
      } catch (e) {
        return Promise.reject(e as Error);
      }
    },
    close: async () => {
      await Promise.all(all().map((t) => t.close()));
    },
    destroy: async () => {
      await Promise.all(all().map((t) => t.destroy()));
    },
    metrics: () => stats.render(),
    reconfigure(w) {
      const changed =
        w.verificationMode !== current.verificationMode ||
        w.caFile !== current.caFile ||
        w.timeout !== current.timeout;
      if (!changed) return;
      const next = httpTransport(w, deps);
      const old = http;
      http = next;
      current = w;
      void old.close().catch(() => undefined);
    },
  };
}
