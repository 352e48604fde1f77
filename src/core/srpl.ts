/**
 * Kapacitor's `.srpl` replay format (KAPACITOR-COMPAT.md §7): repeated three-line records —
 * database, retention policy, one line-protocol point with a timestamp in seconds (test data,
 * as Kapacitor's tests read it) or in ns (recordings, as Kapacitor's replay service writes them).
 * A dangling record or a bad point is an error naming its line.
 */
import { TickdError } from "./errors.js";
import { parseLineProtocol, type Precision } from "./line-protocol.js";
import type { Point } from "./types.js";

export interface SrplPoint {
  db: string;
  rp: string;
  point: Point;
}

export function parseSrpl(text: string, file = "<srpl>", precision: Precision = "s"): SrplPoint[] {
  const lines = text.split(/\r?\n/);
  // A final newline leaves one empty string behind; anything else blank is a broken record.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length % 3 !== 0) {
    throw new TickdError(
      "E_SRPL",
      `${file}:${lines.length - (lines.length % 3) + 1}: incomplete record: each point needs three lines (database, retention policy, line protocol)`,
    );
  }
  const out: SrplPoint[] = [];
  for (let i = 0; i < lines.length; i += 3) {
    const db = lines[i]!;
    const rp = lines[i + 1]!;
    const { points, errors } = parseLineProtocol(lines[i + 2]!, { precision });
    const err = errors[0];
    if (err !== undefined) throw new TickdError("E_SRPL", `${file}:${i + 3}: ${err.message}`);
    const point = points[0];
    if (point === undefined || points.length !== 1) {
      throw new TickdError("E_SRPL", `${file}:${i + 3}: expected exactly one line-protocol point`);
    }
    if (db === "") throw new TickdError("E_SRPL", `${file}:${i + 1}: missing database name`);
    out.push({ db, rp, point });
  }
  return out;
}
