/**
 * Messages between the `[[kafka-input]]` consumer thread (kafka-consumer-worker.ts, which runs
 * kafkajs) and the main thread (kafka-consumer-thread.ts, which parses and runs the engine).
 * Types only.
 */
import type { KafkaConnectionOptions } from "./kafka-client.js";

/** What the worker starts with (workerData): plain data, no functions. */
export interface WorkerSetup {
  connection: Omit<KafkaConnectionOptions, "logger">;
  groupId: string;
  /** Batches handed to the main thread and not yet finished there, at most. */
  maxInFlight: number;
}

/** A consumer method run in the worker; answered by a "reply" with the same id. */
export type WorkerCall =
  | { op: "connect" | "run" | "pause" | "resume" | "stop" }
  | { op: "subscribe"; topics: string[]; fromBeginning: boolean };

export type ToWorker =
  | { t: "call"; id: number; call: WorkerCall }
  /** Store `offset` (the next to read) as the group's position on the partition. */
  | { t: "commit"; topic: string; partition: number; offset: string }
  /** The main thread finished one batch: the worker may hand over another. */
  | { t: "done" };

export type FromWorker =
  | { t: "reply"; id: number; error?: string }
  | {
      t: "batch";
      topic: string;
      partition: number;
      highWatermark: string;
      /** Every message's value, one after another (transferred, not copied); null as empty. */
      values: Uint8Array;
      /** Where each message's value ends in `values`. */
      ends: Int32Array;
      offsets: string[];
    }
  | { t: "log"; level: "error" | "warn" | "info" | "debug"; message: string; fields: Record<string, unknown> }
  /** kafkajs gave up (a crash it does not restart from). */
  | { t: "crash"; error: string };
