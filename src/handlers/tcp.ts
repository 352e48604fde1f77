/**
 * `tcp`: dials `address`, writes the alert JSON line plus one more "\n" (Kapacitor's framing,
 * KAPACITOR-COMPAT.md §2), and closes. One connection per event.
 */
import { connect } from "node:net";

import { alertJsonLine } from "../alert/alert-json.js";
import type { AlertEvent } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import type { Level } from "../core/types.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";
import { requestTimeoutMs } from "./http.js";
import { argString, schema } from "./options.js";
import { SerialHandler } from "./runner.js";
import { HandlerCodes, type HandlerContext, type HandlerKind } from "./types.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import type { ServiceTestSpec } from "./types.js";

const KIND = "tcp";

export interface TcpOptions {
  address: string;
  host: string;
  port: number;
}

/** `host:port` or `[v6]:port`, as Go's net.Dial takes it. */
export function splitHostPort(address: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d{1,5})$/.exec(address.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2] ?? "";
  return { host: host === "" ? "localhost" : host, port };
}

export const tcpSchema = schema(KIND, ["address"], (r): TcpOptions => {
  const address = r.requiredString("address");
  const hp = splitHostPort(address);
  if (hp === undefined) throw r.error("address", `expected host:port, got "${address}"`);
  return { address, ...hp };
});

function sendLine(o: TcpOptions, payload: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: o.host, port: o.port });
    let failed: TickdError | undefined;
    sock.setTimeout(timeoutMs, () => {
      failed = new TickdError(HandlerCodes.TIMEOUT, `tcp ${o.address}: no progress within ${timeoutMs}ms`);
      sock.destroy();
    });
    sock.on("connect", () => sock.end(payload));
    sock.on("error", (e) => {
      failed ??= new TickdError(HandlerCodes.SEND, `failed to connect to ${o.address}: ${e.message}`, {
        cause: e,
      });
    });
    sock.on("close", () => (failed !== undefined ? reject(failed) : resolve()));
  });
}

export function createTcp(o: TcpOptions, ctx: HandlerContext): SerialHandler {
  const timeoutMs = requestTimeoutMs(ctx.config.webhook);
  return new SerialHandler(ctx, KIND, (event: AlertEvent, previousLevel: Level) =>
    sendLine(o, alertJsonLine(event, previousLevel) + "\n", timeoutMs),
  );
}

function tcpFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const address = argString(spec.args[0]);
  return address !== undefined ? { address } : {};
}

/** tickd's `tcp` service test: the alert JSON of a test event sent to `address`. */
const tcpServiceTest: ServiceTestSpec = {
  name: "tcp",
  options: () => ({
    address: "localhost:9999",
    id: "testEntityID",
    message: "test tcp message",
    level: "CRITICAL",
  }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("tcp", raw);
    return {
      handlerOptions: { address: o.string("address") },
      event: testEvent({
        id: o.string("id"),
        message: o.string("message"),
        level: o.level("level"),
        timeMs: nowMs,
      }),
    };
  },
};

export const tcp: HandlerKind<TcpOptions> = {
  kind: KIND,
  optionsSchema: tcpSchema,
  create: createTcp,
  fromTickscript: tcpFromTickscript,
  secrets: [],
  serviceTest: tcpServiceTest,
};
