/**
 * What flows along the edges of a running task (Kapacitor's edge messages). Points travel
 * one at a time, batches as whole windows or query results. Both carry their group.
 */
import type { Fields, Point, Tags } from "../core/types.js";
import type { Dimensions } from "./group.js";

export interface PointMsg {
  /** Measurement. */
  name: string;
  db: string;
  rp: string;
  tags: Tags;
  fields: Fields;
  time: bigint;
  group: string;
  dims: Dimensions;
}

export interface BatchMsg {
  name: string;
  /** The batch time (window end). */
  time: bigint;
  /** The group's tags. */
  tags: Tags;
  group: string;
  dims: Dimensions;
  /** Each point keeps its own tags (all of them) and time. */
  points: Point[];
}
