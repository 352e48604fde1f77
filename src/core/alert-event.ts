/**
 * Alert events: what the alert node emits and topics and handlers consume. Pinned — every
 * handler formats from these. Field meanings follow Kapacitor's alert.Event.
 */
import type { FieldValue, Level, Tags } from "./types.js";

/** One series of a result (InfluxDB's models.Row). */
export interface Series {
  name: string;
  tags: Tags;
  /** "time" first, then the field names (sorted). */
  columns: string[];
  /** One row per point; the first column is the time in ns (bigint, exact). */
  values: (FieldValue | null)[][];
}

export interface AlertEventState {
  id: string;
  message: string;
  details: string;
  /** ns since epoch: the point (or batch) time. */
  time: bigint;
  /** ns: lastTriggered − firstTriggered of the incident. */
  duration: number;
  level: Level;
}

export interface AlertEventData {
  /** Measurement. */
  name: string;
  taskName: string;
  category: string;
  /** `k=v,k2=v2` sorted by key, or "nil" without groupBy. */
  group: string;
  tags: Tags;
  fields: Record<string, FieldValue>;
  series: Series[];
  /** !noRecoveries: an OK event will follow when the alert clears. */
  recoverable: boolean;
}

export interface AlertEvent {
  /** The topic it was collected into (anonymous `main:<task>:<node>` or `.topic()`). */
  topic: string;
  state: AlertEventState;
  data: AlertEventData;
  /** Set on events that only internal handlers (aggregate, publish) may see. */
  noExternal?: boolean;
  /** An incoming acknowledgement of an open incident (escalation: incident.acknowledged). */
  acknowledged?: boolean;
  /**
   * A notification an on-call silence held back (src/oncall): only kinds with a message for it
   * see it (escalation: incident.suppressed); the others send nothing.
   */
  suppressed?: boolean;
  /** The alert was snoozed through the API (escalation: incident.snoozed); others send nothing. */
  snoozed?: boolean;
  /**
   * A grouped notification (the aggregate handler with `group-by`): the alert events it stands
   * for, in arrival order. Absent on every other event.
   */
  alerts?: GroupedAlert[];
}

/** One alert event inside a grouped notification. */
export interface GroupedAlert {
  id: string;
  message: string;
  /** ns since epoch. */
  time: bigint;
  level: Level;
  /** The level before this event in the topic it came from. */
  previousLevel: Level;
  tags: Tags;
}
