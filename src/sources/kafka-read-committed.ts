/**
 * Read-committed done right for every kafkajs consumer tickd makes: cluster mode's (DESIGN
 * §11: the dispatchers read the notifications, the restore the changelog, committed only) and
 * the `[[kafka-input]]` consumers (a transactional producer's aborted points must not alert).
 *
 * A read-committed fetch answers the records up to the last stable offset with the aborted
 * transactions that overlap them (`{producerId, firstOffset}`); the client must drop every
 * transactional record of a producer from the first offset of its aborted transaction up to
 * that producer's ABORT marker. kafkajs 2.2.4 (src/consumer/filterAbortedMessages.js) starts at
 * most ONE aborted transaction per record it walks, so when a fetch begins past the first
 * offset of one aborted transaction and its first record opens another, that record (and more,
 * until the walk catches up) is handed out as committed. Cluster mode meets this after every
 * kill: the killed member's open transactions of two input partitions sit in the
 * notifications topic until the new owners fence them, one after the other, while the
 * dispatchers wait at the last stable offset; the fetch after the second abort starts at the
 * second transaction. Its first notification went out, and the new owner's replay sent it
 * again (the failover test's "duplicate"). Late starts can also drop a producer's committed
 * records after its marker went by.
 *
 * The fix wraps kafkajs' `Broker#fetch` (the one place a fetch answer is read) and drops the
 * aborted records the way Kafka's Java consumer does: every aborted transaction whose first
 * offset is at or before the record is started, an ABORT marker ends its producer's. A dropped
 * record is marked a control record: kafkajs keeps it for its offsets (the consumer moves past
 * it) and never hands it out. The answer's aborted list is then emptied, so kafkajs' own walk
 * has nothing to do.
 * States: not installed → installed, once per process, by {@link installReadCommittedFix}
 * (newKafka in kafka-client.ts calls it, on the main thread and in the consumer worker). A kafkajs
 * whose Broker is not where 2.2.x has it is left alone and the call answers false (logged).
 */
import { createRequire } from "node:module";

/** What this module reads of a record kafkajs decoded from a fetch answer. */
export interface FetchedRecord {
  readonly offset: string;
  readonly key?: Buffer | null;
  isControlRecord?: boolean;
  readonly batchContext?: { readonly producerId?: unknown; readonly inTransaction?: boolean };
}

export interface AbortedTransaction {
  readonly producerId: unknown;
  readonly firstOffset: unknown;
}

interface FetchedPartition {
  abortedTransactions?: AbortedTransaction[];
  messages?: FetchedRecord[];
}

/** A control record's key is version (int16) and type (int16): 0 = ABORT, 1 = COMMIT. */
function isAbortMarker(key: Buffer | null | undefined): boolean {
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === 0;
}

/** The records of one partition's fetch answer (in offset order) that aborted transactions wrote. */
export function abortedRecords(
  records: readonly FetchedRecord[],
  aborted: readonly AbortedTransaction[],
): FetchedRecord[] {
  const starts = aborted
    .map((a) => ({ producerId: String(a.producerId), first: BigInt(String(a.firstOffset)) }))
    .sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
  const open = new Set<string>();
  const out: FetchedRecord[] = [];
  let next = 0;
  for (const r of records) {
    const offset = BigInt(r.offset);
    // Every aborted transaction begun by now, not one per record (kafkajs' slip).
    while (next < starts.length && starts[next]!.first <= offset) open.add(starts[next++]!.producerId);
    const producer = String(r.batchContext?.producerId);
    if (r.isControlRecord === true) {
      if (isAbortMarker(r.key)) open.delete(producer);
    } else if (r.batchContext?.inTransaction === true && open.has(producer)) out.push(r);
  }
  return out;
}

/** Marks the aborted records of a fetch answer's partition as control records; empties its aborted list. */
export function dropAborted(p: FetchedPartition): void {
  const aborted = p.abortedTransactions;
  if (aborted === undefined || aborted.length === 0) return;
  for (const r of abortedRecords(p.messages ?? [], aborted)) r.isControlRecord = true;
  p.abortedTransactions = [];
}

type Fetch = (this: unknown, ...args: unknown[]) => Promise<unknown>;
let installed: boolean | undefined;

/** Wraps kafkajs' Broker#fetch once per process; false if kafkajs is not laid out as 2.2.x. */
export function installReadCommittedFix(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  try {
    const require = createRequire(import.meta.url);
    const Broker = require("kafkajs/src/broker/index.js") as { prototype?: { fetch?: Fetch } };
    const proto = Broker.prototype;
    const fetch = proto?.fetch;
    if (proto === undefined || typeof fetch !== "function") return false;
    proto.fetch = async function (this: unknown, ...args: unknown[]) {
      const res = (await fetch.apply(this, args)) as
        { responses?: { partitions?: FetchedPartition[] }[] } | undefined;
      for (const t of res?.responses ?? []) for (const p of t.partitions ?? []) dropAborted(p);
      return res;
    };
    installed = true;
  } catch {
    installed = false;
  }
  return installed;
}
