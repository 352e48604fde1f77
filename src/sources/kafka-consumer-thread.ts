/**
 * A {@link KafkaConsumer} whose kafkajs runs in a worker thread (kafka-consumer-worker.ts):
 * fetching, decoding and group heartbeats use the other core while this thread parses and
 * runs the engine, and a long engine write cannot starve the group's heartbeats.
 *
 * Batches of one partition reach the handler in order, one after another; batches of other
 * partitions may start while one waits. The handler's commit() hands the offset to the worker
 * and returns; its heartbeat() has nothing to do (the worker heartbeats).
 */
import { Worker } from "node:worker_threads";

import { coerceError } from "../core/errors.js";
import { compiledWorker } from "../core/worker-file.js";
import type {
  KafkaBatch,
  KafkaBatchControl,
  KafkaBatchHandler,
  KafkaConnectionOptions,
  KafkaConsumer,
  KafkaRecord,
} from "./kafka-client.js";
import type { FromWorker, ToWorker, WorkerCall, WorkerSetup } from "./kafka-thread-protocol.js";

/** Batches fetched ahead of the engine, at most (each up to maxBytesPerPartition). */
const MAX_IN_FLIGHT = 8;
/** How long stop() waits for the worker to leave the group before ending it. */
const STOP_TIMEOUT_MS = 30_000;

export function threadConsumer(opts: KafkaConnectionOptions, groupId: string): KafkaConsumer {
  const { logger, ...connection } = opts;
  const setup: WorkerSetup = { connection, groupId, maxInFlight: MAX_IN_FLIGHT };
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  let nextId = 0;
  const calls = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const crashListeners: ((e: Error) => void)[] = [];
  let handler: KafkaBatchHandler | undefined;
  let stopping = false;
  /** The last batch of each partition, so the next one starts after it. */
  const chains = new Map<string, Promise<void>>();

  const send = (m: ToWorker): void => worker?.postMessage(m);
  const call = (c: WorkerCall): Promise<void> => {
    if (worker === undefined) return Promise.reject(new Error("kafka consumer is not connected"));
    const id = nextId++;
    return new Promise<void>((resolve, reject) => {
      calls.set(id, { resolve, reject });
      send({ t: "call", id, call: c });
    });
  };
  const crashed = (e: Error): void => {
    for (const l of crashListeners) l(e);
  };

  const runBatch = async (m: Extract<FromWorker, { t: "batch" }>): Promise<void> => {
    const messages: KafkaRecord[] = new Array<KafkaRecord>(m.offsets.length);
    const buf = Buffer.from(m.values.buffer, m.values.byteOffset, m.values.byteLength);
    let start = 0;
    for (let i = 0; i < m.offsets.length; i++) {
      const end = m.ends[i]!;
      messages[i] = { offset: m.offsets[i]!, value: buf.subarray(start, end) };
      start = end;
    }
    const batch: KafkaBatch = {
      topic: m.topic,
      partition: m.partition,
      highWatermark: m.highWatermark,
      messages,
      values: buf,
    };
    let resolved: string | undefined;
    let committed: string | undefined;
    const control: KafkaBatchControl = {
      resolveOffset: (o) => void (resolved = o),
      commit: () => {
        if (resolved !== undefined && resolved !== committed) {
          send({
            t: "commit",
            topic: m.topic,
            partition: m.partition,
            offset: (BigInt(resolved) + 1n).toString(),
          });
          committed = resolved;
        }
        return Promise.resolve();
      },
      heartbeat: () => Promise.resolve(),
      isActive: () => !stopping,
    };
    try {
      if (handler !== undefined && !stopping) await handler(batch, control);
    } catch (e) {
      logger?.log("error", "kafka-input: batch handler failed", {
        topic: m.topic,
        partition: m.partition,
        error: coerceError(e).message,
      });
    } finally {
      send({ t: "done" });
    }
  };

  const onMessage = (m: FromWorker): void => {
    switch (m.t) {
      case "reply": {
        const c = calls.get(m.id);
        calls.delete(m.id);
        if (m.error === undefined) c?.resolve();
        else c?.reject(new Error(m.error));
        return;
      }
      case "log":
        logger?.log(m.level, m.message, { clientId: opts.clientId, ...m.fields });
        return;
      case "crash":
        crashed(new Error(m.error));
        return;
      case "batch": {
        const key = `${m.topic}\0${m.partition}`;
        const next = (chains.get(key) ?? Promise.resolve()).then(() => runBatch(m));
        chains.set(key, next);
        void next.then(() => {
          if (chains.get(key) === next) chains.delete(key);
        });
      }
    }
  };

  return {
    connect() {
      worker = new Worker(
        compiledWorker(import.meta.url, "src/sources", "kafka-consumer-worker", "kafka consumer worker"),
        { workerData: setup },
      );
      const w = worker;
      w.on("message", onMessage);
      let failure: Error | undefined;
      exited = new Promise((resolve) => {
        w.on("exit", (code) => {
          const err = new Error(
            `kafka consumer thread exited (code ${code})${failure !== undefined ? `: ${failure.message}` : ""}`,
          );
          for (const c of calls.values()) c.reject(err);
          calls.clear();
          if (!stopping) crashed(err);
          resolve();
        });
      });
      w.on("error", (e) => {
        failure = e;
        logger?.log("error", "kafka consumer thread failed", { error: e.message });
      });
      return call({ op: "connect" });
    },
    subscribe: (topics, { fromBeginning }) => call({ op: "subscribe", topics: [...topics], fromBeginning }),
    run(h) {
      handler = h;
      return call({ op: "run" });
    },
    pause: () => void call({ op: "pause" }).catch(() => undefined),
    resume: () => void call({ op: "resume" }).catch(() => undefined),
    async disconnect() {
      if (stopping) return exited;
      stopping = true;
      const w = worker;
      if (w === undefined) return;
      // Batches under way finish (and post their commits) before the worker leaves the group.
      await Promise.allSettled([...chains.values()]);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          call({ op: "stop" }),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("timed out leaving the group")), STOP_TIMEOUT_MS);
          }),
        ]);
      } finally {
        clearTimeout(timer);
        await w.terminate();
        await exited;
      }
    },
    onCrash: (l) => void crashListeners.push(l),
  };
}
