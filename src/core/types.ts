/**
 * The data model every layer shares. Pinned.
 *
 * Numbers: int64 values (line-protocol `i`/`u` fields, TICKscript int literals, count())
 * are `bigint`; float64 values are `number`. Kapacitor keeps the two apart (no int+float
 * arithmetic, `%v` prints them differently, write-back needs the `i` suffix), and the JS
 * type does the same for us.
 *
 * Time: nanoseconds since the Unix epoch as a float64 `number`. Whole seconds are always
 * exact; the sub-microsecond digits of present-day timestamps round to the float spacing
 * (256 ns in this century). Durations are nanoseconds as `number` too.
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
  time: number;
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
