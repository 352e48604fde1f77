/**
 * The worker-thread half of a `[[kafka-input]]` consumer: kafkajs fetches and decodes here,
 * and each batch's message values go to the main thread in one transferred buffer. Offsets
 * advance (resolveOffset) as batches are handed over, so fetching runs ahead of the engine by
 * at most `maxInFlight` batches; the group's committed offsets move only when the main thread
 * says the points entered the engine (a "commit" message), so at-least-once holds.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { EachBatchPayload } from "kafkajs";

import { coerceError } from "../core/errors.js";
import { CONSUMER_FETCH_OPTIONS, CONSUMER_RUN_OPTIONS, newKafka } from "./kafka-client.js";
import type { FromWorker, ToWorker, WorkerCall, WorkerSetup } from "./kafka-thread-protocol.js";

const port = parentPort;
if (port === null) throw new Error("kafka-consumer-worker: must run as a worker thread");
const setup = workerData as WorkerSetup;

const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/** Log fields as plain data (kafkajs may attach objects that cannot cross threads). */
function plain(fields: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const kafka = newKafka(setup.connection, (level, message, fields) =>
  post({ t: "log", level, message, fields: plain(fields) }),
);
const consumer = kafka.consumer({
  groupId: setup.groupId,
  allowAutoTopicCreation: false,
  ...CONSUMER_FETCH_OPTIONS,
});
consumer.on(consumer.events.CRASH, (ev) => {
  if (!ev.payload.restart) post({ t: "crash", error: coerceError(ev.payload.error).message });
});

let topics: string[] = [];
let inFlight = 0;
let stopping = false;
/** eachBatch calls waiting for a free slot; all are woken when one frees (each re-checks). */
const waiting = new Set<() => void>();
const commits = new Set<Promise<void>>();

function wake(): void {
  for (const w of waiting) w();
  waiting.clear();
}

async function eachBatch(p: EachBatchPayload): Promise<void> {
  while (inFlight >= setup.maxInFlight) {
    if (stopping || !p.isRunning() || p.isStale()) return;
    // A slow engine must not cost the group membership: heartbeat while waiting.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      waiting.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (stopping || !p.isRunning() || p.isStale()) return;
    await p.heartbeat();
  }
  const msgs = p.batch.messages;
  const n = msgs.length;
  if (n === 0) return;
  let total = 0;
  for (let i = 0; i < n; i++) total += msgs[i]!.value?.length ?? 0;
  const values = new Uint8Array(total);
  const ends = new Int32Array(n);
  const offsets = new Array<string>(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const m = msgs[i]!;
    if (m.value !== null) {
      values.set(m.value, pos);
      pos += m.value.length;
    }
    ends[i] = pos;
    offsets[i] = m.offset;
  }
  p.resolveOffset(offsets[n - 1]!);
  inFlight++;
  post(
    {
      t: "batch",
      topic: p.batch.topic,
      partition: p.batch.partition,
      highWatermark: p.batch.highWatermark,
      values,
      ends,
      offsets,
    },
    [values.buffer, ends.buffer],
  );
}

function commit(topic: string, partition: number, offset: string): void {
  const c = consumer.commitOffsets([{ topic, partition, offset }]).catch((e: unknown) => {
    // Not fatal: the next commit covers these offsets, or a restart re-reads them.
    post({
      t: "log",
      level: "warn",
      message: "kafka-input: offset commit failed",
      fields: { topic, partition, offset, error: coerceError(e).message },
    });
  });
  commits.add(c);
  void c.finally(() => commits.delete(c));
}

async function call(m: WorkerCall): Promise<void> {
  switch (m.op) {
    case "connect":
      return consumer.connect();
    case "subscribe":
      topics = m.topics;
      return consumer.subscribe({ topics, fromBeginning: m.fromBeginning });
    case "run":
      return consumer.run({
        ...CONSUMER_RUN_OPTIONS,
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch,
      });
    case "pause":
      return consumer.pause(topics.map((topic) => ({ topic })));
    case "resume":
      return consumer.resume(topics.map((topic) => ({ topic })));
    case "stop":
      stopping = true;
      wake();
      await Promise.allSettled([...commits]);
      return consumer.disconnect();
  }
}

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "done":
      inFlight--;
      wake();
      return;
    case "commit":
      commit(m.topic, m.partition, m.offset);
      return;
    case "call":
      call(m.call).then(
        () => post({ t: "reply", id: m.id }),
        (e: unknown) => post({ t: "reply", id: m.id, error: coerceError(e).message }),
      );
  }
});
