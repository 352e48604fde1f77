/**
 * A handler whose service section is disabled: refused when it is defined or loaded (with a
 * hint naming the keys to set) and, if the section is switched off later, at send time with
 * Kapacitor's own text, which the journal keeps as the delivery's last error.
 */
import { TickdError } from "../core/errors.js";
import { HandlerCodes } from "./types.js";

/** Kapacitor's text for a disabled service (journaled as the delivery's last error). */
export function notEnabled(): TickdError {
  return new TickdError(HandlerCodes.DISABLED, "service is not enabled");
}

/** Define/load time: `<kind> handler: service is not enabled (<how>)` unless `enabled`. */
export function requireEnabled(enabled: boolean, kind: string, how: string): void {
  if (!enabled)
    throw new TickdError(HandlerCodes.DISABLED, `${kind} handler: service is not enabled (${how})`);
}
