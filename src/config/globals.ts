/**
 * Kapacitor's global notifiers: a service section with `global = true` (and `enabled = true`)
 * adds its handler to every alert node that has none of that kind, and `state-changes-only =
 * true` on such a section makes those alert nodes send level changes only (Kapacitor sets
 * stateChangesOnly on the whole node). For `[[slack]]` and `[[discord]]` the default workspace
 * decides. Read when tasks are compiled, so a change needs a restart (reload.ts).
 */
import type { TickdConfig } from "./types.js";

interface Switches {
  readonly enabled: boolean;
  readonly global: boolean;
  readonly stateChangesOnly?: boolean;
}

/** The default element of a multi-workspace section: the only one, or the one marked default. */
function defaultOf<C extends Switches & { default: boolean }>(list: readonly C[]): C | undefined {
  return list.length === 1 ? list[0] : list.find((c) => c.default);
}

/** TICKscript handler name → its section, for every service Kapacitor lets be global. */
function services(c: TickdConfig): [kind: string, section: Switches | undefined][] {
  return [
    ["victorOps", c.victorops],
    ["email", c.smtp],
    ["pagerDuty", c.pagerduty],
    ["pagerDuty2", c.pagerduty2],
    ["opsGenie", c.opsgenie],
    ["opsGenie2", c.opsgenie2],
    ["slack", defaultOf(c.slack)],
    ["teams", c.teams],
    ["telegram", c.telegram],
    ["discord", defaultOf(c.discord)],
    ["hipChat", c.hipchat],
    ["bigPanda", c.bigpanda],
    ["serviceNow", c.servicenow],
    ["zenoss", c.zenoss],
  ];
}

export interface GlobalHandlers {
  /** Handler kinds to add to alert nodes without one of that kind. */
  readonly kinds: readonly string[];
  /** Some global service asks for state changes only. */
  readonly stateChangesOnly: boolean;
}

export function globalHandlers(c: TickdConfig): GlobalHandlers {
  const on = services(c).filter(
    (s): s is [string, Switches] => s[1] !== undefined && s[1].enabled && s[1].global,
  );
  return {
    kinds: on.map(([kind]) => kind),
    stateChangesOnly: on.some(([, s]) => s.stateChangesOnly === true),
  };
}

/** Table sections whose `global` / `state-changes-only` keys are read only at start. */
export const GLOBAL_KEYS_START_ONLY: readonly string[] = [
  "pagerduty.global",
  "pagerduty2.global",
  "opsgenie.global",
  "opsgenie2.global",
  "teams.global",
  "teams.state-changes-only",
  "telegram.global",
  "telegram.state-changes-only",
  "hipchat.global",
  "hipchat.state-changes-only",
  "bigpanda.global",
  "bigpanda.state-changes-only",
  "servicenow.global",
  "servicenow.state-changes-only",
  "zenoss.global",
  "zenoss.state-changes-only",
];
