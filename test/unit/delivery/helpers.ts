/** Shared fixtures for the delivery tests: a fresh store per test, a recording logger, a service. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { createDelivery, type DeliveryDeps, type DeliveryService } from "../../../src/delivery/index.js";
import type { HttpRequest } from "../../../src/handlers/types.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { startReceiver, type Receiver, type ReceiverOptions } from "../../support/receiver.js";

export const MS = 1e6;

export interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

export interface Fixture {
  dir(): string;
  /** Opens (or reopens) the store at dir()/tickd.db. */
  store(): Store;
  receiver(opts?: ReceiverOptions): Promise<Receiver>;
  service(
    over?: Partial<DeliveryDeps> & { delivery?: Partial<DeliveryDeps["config"]["delivery"]> },
  ): DeliveryService;
  logs: LogLine[];
}

export function useFixture(): Fixture {
  let dir = "";
  let stores: Store[] = [];
  let receivers: Receiver[] = [];
  let services: DeliveryService[] = [];
  const logs: LogLine[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tickd-delivery-"));
    logs.length = 0;
  });
  afterEach(async () => {
    for (const s of services) await s.stop({ graceMs: 200 });
    for (const r of receivers) await r.close();
    for (const s of stores) s.close();
    services = [];
    receivers = [];
    stores = [];
    rmSync(dir, { recursive: true, force: true });
  });
  const fx: Fixture = {
    dir: () => dir,
    store() {
      const s = openStore(join(dir, "tickd.db"));
      stores.push(s);
      return s;
    },
    async receiver(opts) {
      const r = await startReceiver(opts);
      receivers.push(r);
      return r;
    },
    service(over = {}) {
      const { delivery, ...rest } = over;
      const svc = createDelivery({
        store: rest.store ?? fx.store(),
        logger: { log: (level, msg, fields = {}) => logs.push({ level, msg, fields }) },
        config: {
          delivery: {
            maxAttempts: 5,
            backoffInitial: 5 * MS,
            backoffMax: 20 * MS,
            concurrency: 1,
            journal: true,
            ...delivery,
          },
          webhook: { verificationMode: "full", caFile: "", timeout: 2000 * MS },
        },
        ...rest,
      });
      services.push(svc);
      return svc;
    },
    logs,
  };
  return fx;
}

/** A request as a post handler would build it, identified by handler/topic/alert. */
export function notification(
  url: string,
  alertId: string,
  over: Partial<HttpRequest> & { handler?: string; topic?: string } = {},
): HttpRequest {
  const { handler = "h1", topic = "cpu", ...rest } = over;
  return {
    method: "POST",
    url,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id: alertId }),
    timeoutMs: 2000,
    delivery: { handler, topic, alertId, kind: "post" },
    ...rest,
  };
}

export async function until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
