import { describe, expect, it } from "vitest";

import type { Point } from "../../../src/core/types.js";
import type {
  KafkaBatchHandler,
  KafkaClient,
  KafkaConnectionOptions,
} from "../../../src/sources/kafka-client.js";
import { startKafkaInputs, type KafkaInputSettings } from "../../../src/sources/kafka-input.js";

/** A scripted in-process client: records the calls the input makes, in order. */
function scripted() {
  const calls: string[] = [];
  const rec = (c: string): Promise<void> => {
    calls.push(c);
    return Promise.resolve();
  };
  let handler: KafkaBatchHandler | undefined;
  let opts: KafkaConnectionOptions | undefined;
  const client: KafkaClient = {
    consumer: ({ groupId }) => ({
      connect: () => rec(`connect ${groupId}`),
      subscribe: (topics, o) => rec(`subscribe ${topics.join(",")} ${o.fromBeginning}`),
      run: (h) => {
        handler = h;
        return Promise.resolve();
      },
      pause: () => void calls.push("pause"),
      resume: () => void calls.push("resume"),
      disconnect: () => rec("disconnect"),
      onCrash: () => undefined,
    }),
    producer: () => {
      throw new Error("unused");
    },
  };
  /** `backToBack`: the values as views of one buffer, as the consumer thread hands them. */
  const feed = async (values: string[], firstOffset = 0, backToBack = false) => {
    const all = Buffer.from(values.join(""));
    let at = 0;
    const messages = values.map((v, i) => {
      const len = Buffer.byteLength(v);
      at += len;
      return {
        offset: String(firstOffset + i),
        value: backToBack ? all.subarray(at - len, at) : Buffer.from(v),
      };
    });
    await handler!(
      {
        topic: "metrics",
        partition: 0,
        highWatermark: String(firstOffset + values.length + 5),
        messages,
        ...(backToBack ? { values: all } : {}),
      },
      {
        resolveOffset: (o) => void calls.push(`resolve ${o}`),
        commit: () => rec("commit"),
        heartbeat: () => Promise.resolve(),
        isActive: () => true,
      },
    );
  };
  return {
    calls,
    feed,
    factory: (o: KafkaConnectionOptions) => {
      opts = o;
      return client;
    },
    opts: () => opts,
  };
}

const INPUT: KafkaInputSettings = {
  name: "in",
  enabled: true,
  brokers: ["127.0.0.1:19092"],
  topics: ["metrics"],
  groupId: "g",
  format: "line-protocol",
  db: "telegraf",
  rp: "autogen",
};

describe("kafka input", () => {
  it("writes points to db/rp before resolving offsets, skips bad messages and keeps good lines", async () => {
    const s = scripted();
    const written: string[] = [];
    const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
    const inputs = await startKafkaInputs([INPUT, { ...INPUT, name: "off", enabled: false }], {
      tasks: {
        write: (db: string, rp: string, pts: readonly Point[]) => {
          s.calls.push(`write ${pts.length}`);
          written.push(`${db}.${rp}:${pts.map((p) => p.fields.v).join(",")}`);
        },
      },
      logger: { log: (_l, msg, fields) => void logs.push(fields === undefined ? { msg } : { msg, fields }) },
      clientFactory: s.factory,
      writeChunk: 3,
    });
    expect(s.opts()).toMatchObject({ clientId: "tickd-in", brokers: ["127.0.0.1:19092"] });
    await s.feed(["cpu v=1 1\ncpu v=2 2", "poison!", "cpu v=3 3\nbad line\ncpu v=4 4"], 10);
    expect(s.calls).toEqual(["connect g", "subscribe metrics true", "write 4", "resolve 12", "commit"]);
    expect(written).toEqual(["telegraf.autogen:1,2,3,4"]);
    const [st] = inputs.stats();
    expect(st).toMatchObject({ messages: 3, points: 4, badMessages: 1, badLines: 2, batches: 1, lag: 5 });
    const bad = logs.find((l) => l.msg === "kafka-input: skipped bad message");
    expect(bad?.fields).toMatchObject({ input: "in", topic: "metrics", partition: 0, offset: "11" });
    expect(logs.some((l) => l.msg === "kafka-input: skipped bad lines" && l.fields?.offset === "12")).toBe(
      true,
    );
    await inputs.stop();
    expect(s.calls.at(-1)).toBe("disconnect");
  });

  it("parses newline-terminated messages handed back to back in one call, else message by message", async () => {
    const s = scripted();
    const written: unknown[] = [];
    const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
    const inputs = await startKafkaInputs([INPUT], {
      tasks: {
        write: (_db: string, _rp: string, pts: readonly Point[]) => {
          s.calls.push(`write ${pts.length}`);
          written.push(...pts.map((p) => p.fields.v));
        },
      },
      logger: { log: (_l, msg, fields) => void logs.push(fields === undefined ? { msg } : { msg, fields }) },
      clientFactory: s.factory,
      writeChunk: 3,
    });
    const start = s.calls.length;
    // One parse: the points in chunks, then the batch's last offset (an empty message is fine).
    await s.feed(["cpu v=1 1\n", "cpu v=2 2\n", "", "cpu v=3 3\ncpu v=4 4\n"], 10, true);
    expect(s.calls.slice(start)).toEqual(["write 3", "write 1", "resolve 13", "commit"]);
    expect(written).toEqual([1, 2, 3, 4]);
    expect(inputs.stats()[0]).toMatchObject({ messages: 4, points: 4, badMessages: 0, badLines: 0 });
    // A message without its final newline: joined, its line would run into the next one.
    const mark = s.calls.length;
    await s.feed(["cpu v=5 5", "cpu v=6 6\n"], 20, true);
    expect(s.calls.slice(mark)).toEqual(["write 2", "resolve 21", "commit"]);
    expect(written.slice(4)).toEqual([5, 6]);
    // A bad line: message by message, so the log names its offset.
    await s.feed(["cpu v=7 7\n", "bad line\n", "cpu v=8 8\n"], 30, true);
    expect(written.slice(6)).toEqual([7, 8]);
    const bad = logs.find((l) => l.msg === "kafka-input: skipped bad message");
    expect(bad?.fields).toMatchObject({ offset: "31" });
    expect(inputs.stats()[0]).toMatchObject({ messages: 9, points: 8, badMessages: 1, badLines: 1 });
    await inputs.stop();
  });

  it("pauses when shouldPause() says so and resumes after", async () => {
    const s = scripted();
    let busy = true;
    const inputs = await startKafkaInputs([INPUT], {
      tasks: { write: () => undefined },
      logger: { log: () => undefined },
      clientFactory: s.factory,
      shouldPause: () => busy,
      pausePollMs: 5,
    });
    await s.feed(["cpu v=1 1"]);
    expect(inputs.stats()[0]?.paused).toBe(true);
    expect(s.calls).toContain("pause");
    busy = false;
    await new Promise((r) => setTimeout(r, 30));
    expect(s.calls.at(-1)).toBe("resume");
    expect(inputs.stats()[0]?.paused).toBe(false);
    await inputs.stop();
  });

  it("rejects bad settings naming the key", async () => {
    const s = scripted();
    const deps = {
      tasks: { write: () => undefined },
      logger: { log: () => undefined },
      clientFactory: s.factory,
    };
    await expect(startKafkaInputs([{ ...INPUT, topics: [] }], deps)).rejects.toThrow(
      `[[kafka-input]] "in": topics: at least one topic is required`,
    );
    await expect(startKafkaInputs([{ ...INPUT, format: "csv" as "json" }], deps)).rejects.toThrow(/format/);
  });
});
