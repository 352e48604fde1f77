/**
 * The data model every layer shares. Pinned.
 *
 * Numbers: int64 values (line-protocol `i`/`u` fields, TICKscript int literals, count())
 * are `bigint`; float64 values are `number`. Kapacitor keeps the two apart (no int+float
 * arithmetic, `%v` prints them differently, write-back needs the `i` suffix), and the JS
 * type does the same for us.
 *
 * Time: exact int64 nanoseconds since the Unix epoch as a `bigint` (DESIGN §9): a point
 * written with `1700000000123456789` prints as `2023-11-14T22:13:20.123456789Z`. Durations
 * and differences of times are float64 nanoseconds (`number`); see core/time.ts for the
 * conversions (addNs, diffNs, goTruncate).
 */

export type FieldValue = number | bigint | string | boolean;
export type Tags = Record<string, string>;
export type Fields = Record<string, FieldValue>;

export interface Point {
  /** Measurement. */
  name: string;
  tags: Tags;
  fields: Fields;
  /** ns since the Unix epoch. */
  time: bigint;
}

export enum Level {
  OK = 0,
  INFO = 1,
  WARNING = 2,
  CRITICAL = 3,
}

export const LEVEL_NAMES = ["OK", "INFO", "WARNING", "CRITICAL"] as const;
export type LevelName = (typeof LEVEL_NAMES)[number];

export function levelName(l: Level): LevelName {
  return LEVEL_NAMES[l] ?? "OK";
}

/** Kapacitor upper-cases API parameters; an empty value means OK. */
export function parseLevel(s: string): Level | undefined {
  const up = s.trim().toUpperCase();
  if (up === "") return Level.OK;
  const i = LEVEL_NAMES.indexOf(up as LevelName);
  return i < 0 ? undefined : (i as Level);
}
