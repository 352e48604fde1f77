/**
 * The default `testHandler` for `POST /tickd/v1/handlers/test`: builds the handler through a
 * factory bound to the test route's sender (straight to the wire, no journal) and hands it a
 * sample CRITICAL alert. The daemon supplies the factory and the topic-handler lookup.
 */
import type { HandlerFactory } from "../alert/handler.js";
import type { AlertEvent } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import { Level } from "../core/types.js";
import type { HttpSender } from "../handlers/types.js";
import type { HandlerTestSpec } from "./types.js";
import { timeFromMs } from "../core/time.js";

export interface HandlerTesterDeps {
  /** A handler factory whose HTTP kinds send through `send` (`createHandlerFactory({ ...deps, send })`). */
  factoryFor(send: HttpSender): Pick<HandlerFactory, "create">;
  /** The stored handler `{topic, handler}` names, or undefined when there is none. */
  lookup(topic: string, handler: string): { kind: string; options: Record<string, unknown> } | undefined;
  /** Wall clock in ms for the sample's time; default Date.now. */
  now?: () => number;
}

/** A sample alert: CRITICAL (from OK), id `tickd-test`, on topic `topic`. */
export function sampleAlertEvent(topic: string, nowMs: number): AlertEvent {
  const time = timeFromMs(nowMs);
  return {
    topic,
    state: {
      id: "tickd-test",
      message: "tickd test notification: tickd-test is CRITICAL",
      details: "This is a test notification sent by POST /tickd/v1/handlers/test.",
      time,
      duration: 0,
      level: Level.CRITICAL,
    },
    data: {
      name: "tickd_test",
      taskName: "tickd-test",
      category: "",
      group: "nil",
      tags: { host: "tickd-test" },
      fields: { value: 1 },
      series: [
        { name: "tickd_test", tags: { host: "tickd-test" }, columns: ["time", "value"], values: [[time, 1]] },
      ],
      recoverable: true,
    },
  };
}

export function createHandlerTester(
  deps: HandlerTesterDeps,
): (spec: HandlerTestSpec, send: HttpSender) => Promise<void> {
  return async (spec, send) => {
    let kind: string;
    let options: Record<string, unknown>;
    let topic = "tickd-test";
    let id = "tickd-test";
    if ("kind" in spec) {
      ({ kind, options } = spec);
    } else {
      const found = deps.lookup(spec.topic, spec.handler);
      if (found === undefined) {
        throw new TickdError(
          "E_DELIVERY_NOT_FOUND",
          `no handler ${JSON.stringify(spec.handler)} on topic ${JSON.stringify(spec.topic)}`,
        );
      }
      ({ kind, options } = found);
      topic = spec.topic;
      id = spec.handler;
    }
    const handler = deps.factoryFor(send).create({ kind, options, topic, id });
    try {
      await handler.handle(sampleAlertEvent(topic, (deps.now ?? Date.now)()), Level.OK);
    } finally {
      await handler.close?.();
    }
  };
}
