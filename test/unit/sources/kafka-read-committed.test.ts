/**
 * The aborted records of a read-committed fetch answer (src/sources/kafka-read-committed.ts), on
 * record lists laid out as the broker answers them: offsets in order, control records for the
 * markers, the aborted transactions that overlap the answer.
 */
import { describe, expect, it } from "vitest";

import {
  abortedRecords,
  dropAborted,
  type FetchedRecord,
} from "../../../src/sources/kafka-read-committed.js";

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

const data = (offset: number, producerId: number, inTransaction = true): FetchedRecord => ({
  offset: String(offset),
  key: Buffer.from("k"),
  isControlRecord: false,
  batchContext: { producerId: String(producerId), inTransaction },
});
const marker = (offset: number, producerId: number, key: Buffer): FetchedRecord => ({
  offset: String(offset),
  key,
  isControlRecord: true,
  batchContext: { producerId: String(producerId), inTransaction: true },
});
const offsets = (rs: FetchedRecord[]): string[] => rs.map((r) => r.offset);

describe("read committed: aborted records of a fetch answer", () => {
  // Producer 1 aborted a transaction that began at 0 (its marker at 6), producer 2 one that
  // began at 4 (marker at 7); producer 3 committed at 8. The fetch starts at 4.
  const answer = (): FetchedRecord[] => [
    data(4, 2),
    data(5, 2),
    marker(6, 1, ABORT),
    marker(7, 2, ABORT),
    data(8, 3),
    marker(9, 3, COMMIT),
  ];

  it("starts every aborted transaction begun by a record, not one per record", () => {
    const aborted = [
      { producerId: "1", firstOffset: "0" },
      { producerId: "2", firstOffset: "4" },
    ];
    expect(offsets(abortedRecords(answer(), aborted))).toEqual(["4", "5"]);
    // In whatever order the broker lists them.
    expect(offsets(abortedRecords(answer(), [...aborted].reverse()))).toEqual(["4", "5"]);
  });

  it("keeps a producer's records after its ABORT marker, and its records outside transactions", () => {
    const rs = [
      data(10, 1),
      marker(11, 1, ABORT),
      data(12, 1),
      marker(13, 1, COMMIT),
      data(14, 1, false),
      data(15, 2, false),
    ];
    expect(offsets(abortedRecords(rs, [{ producerId: "1", firstOffset: "10" }]))).toEqual(["10"]);
  });

  it("starts an aborted transaction of the same producer again at its own first offset", () => {
    const rs = [
      data(0, 1),
      marker(1, 1, ABORT),
      data(2, 1),
      marker(3, 1, COMMIT),
      data(4, 1),
      marker(5, 1, ABORT),
    ];
    const aborted = [
      { producerId: "1", firstOffset: "0" },
      { producerId: "1", firstOffset: "4" },
    ];
    expect(offsets(abortedRecords(rs, aborted))).toEqual(["0", "4"]);
  });

  it("marks the aborted records as control records and empties the aborted list", () => {
    const p = { abortedTransactions: [{ producerId: "2", firstOffset: "4" }], messages: answer() };
    dropAborted(p);
    expect(p.abortedTransactions).toEqual([]);
    expect(p.messages.filter((r) => r.isControlRecord !== true).map((r) => r.offset)).toEqual(["8"]);
    const untouched = { abortedTransactions: [], messages: answer() };
    dropAborted(untouched);
    expect(untouched.messages.filter((r) => r.isControlRecord !== true)).toHaveLength(3);
  });
});
