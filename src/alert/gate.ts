/**
 * The hook where alert events meet on-call state (silences, acknowledgements, snoozes;
 * src/oncall implements it). The topic service asks the gate once per event and topic, after
 * the event changed the topic's state and before any handler sees it; the gate then decides
 * per handler. Internal kinds (aggregate, publish) are never asked: they move events between
 * topics, whose own handlers are gated there.
 */
import type { AlertEvent } from "../core/alert-event.js";
import type { Level } from "../core/types.js";

/** What one handler is given: the event and the previous level it should see. */
export interface GateDelivery {
  event: AlertEvent;
  previousLevel: Level;
}

/** The gate's decisions for one event in one topic. */
export interface GateScope {
  /** undefined: hold the notification back (the gate has counted and logged it). */
  admit(handlerId: string, kind: string): GateDelivery | undefined;
  /** Called once every handler of the topic was asked. */
  end(): void;
}

export interface NotificationGate {
  /**
   * Records the event (labels, level) and returns the scope of decisions, or undefined when
   * nothing can hold it back (every handler gets it as it is).
   */
  begin(topic: string, event: AlertEvent, previousLevel: Level): GateScope | undefined;
}
