/**
 * Group identity: Kapacitor's models.ToGroupID. A group is the measurement (with
 * groupByMeasurement) plus the values of the group-by tags. The id string is what the alert
 * templates show as `.Group` ("nil" for the empty group).
 */
import type { Tags } from "../core/types.js";

export interface Dimensions {
  byName: boolean;
  /** Sorted. */
  tagNames: readonly string[];
}

export const NO_DIMENSIONS: Dimensions = Object.freeze({ byName: false, tagNames: Object.freeze([]) });

/** The empty group: no groupBy. */
export const NIL_GROUP = "";

export function groupId(name: string, tags: Tags, dims: Dimensions): string {
  const names = dims.tagNames;
  if (names.length === 0) return dims.byName ? name : NIL_GROUP;
  // "\n" cannot appear in a measurement, so it separates the name from the tags safely.
  let id = dims.byName ? name + "\n" : "";
  for (let i = 0; i < names.length; i++) {
    const k = names[i]!;
    id += (i === 0 ? "" : ",") + k + "=" + (tags[k] ?? "");
  }
  return id;
}

/** The group's tags: only the group-by tags (what aggregates keep). */
export function groupTags(tags: Tags, dims: Dimensions): Tags {
  const out: Tags = {};
  for (const k of dims.tagNames) out[k] = tags[k] ?? "";
  return out;
}

/** `.Group` as the alert templates print it. */
export function groupForTemplate(id: string): string {
  return id === NIL_GROUP ? "nil" : id;
}
