import { describe, expect, it } from "vitest";

import { Level } from "../../../src/core/types.js";
import type { HttpRequest, HttpResponse, HttpSender } from "../../../src/handlers/index.js";
import { alertEvent, factory, handlerConfig } from "./helpers.js";

/** Records the alert id of every request the moment send() is called; answers after `gate`. */
function recordingSender(journaled: boolean): {
  sender: HttpSender;
  sent: string[];
  open(): void;
} {
  const sent: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const sender: HttpSender = {
    journaled,
    async send(req: HttpRequest): Promise<HttpResponse> {
      sent.push(`${req.delivery?.alertId ?? "?"} ${req.url}`);
      await gate;
      return { status: journaled ? 202 : 200, body: "" };
    },
  };
  return { sender, sent, open: release };
}

const events = ["a", "b", "c"].map((id) => alertEvent({ id }));

describe("SerialHandler", () => {
  it("hands every event to a journaled sender at once, in order, and close() waits for them", async () => {
    const { sender, sent, open } = recordingSender(true);
    const { f, logs } = factory(handlerConfig(), { send: sender });
    const h = f.create({ kind: "post", options: { url: "http://127.0.0.1:9/x" }, topic: "t", id: "p" });
    const done = events.map((e) => h.handle(e, Level.OK));
    // Synchronously, before any microtask: inside the caller's store commit.
    expect(sent).toEqual(["a http://127.0.0.1:9/x", "b http://127.0.0.1:9/x", "c http://127.0.0.1:9/x"]);
    let closed = false;
    const closing = Promise.resolve(h.close!()).then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    open();
    await Promise.all([...done, closing]);
    expect(closed).toBe(true);
    expect(logs).toEqual([]);
  });

  it("waits for each attempt before the next with a sender that sends for real", async () => {
    const { sender, sent, open } = recordingSender(false);
    const { f } = factory(handlerConfig(), { send: sender });
    const h = f.create({ kind: "post", options: { url: "http://127.0.0.1:9/x" }, topic: "t", id: "p" });
    const done = events.map((e) => h.handle(e, Level.OK));
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual(["a http://127.0.0.1:9/x"]);
    open();
    await Promise.all(done);
    expect(sent.map((s) => s.split(" ")[0])).toEqual(["a", "b", "c"]);
  });

  it("journals every VictorOps routing key of an event synchronously", () => {
    const { sender, sent } = recordingSender(true);
    const { f } = factory(handlerConfig(), { send: sender });
    const h = f.create({ kind: "victorops", options: { "routing-key": ["k1", "k2"] }, topic: "t", id: "v" });
    void h.handle(alertEvent({ id: "a" }), Level.OK);
    void h.handle(alertEvent({ id: "b" }), Level.OK);
    expect(sent.map((s) => `${s.split(" ")[0]} ${s.split("/").at(-1)}`)).toEqual([
      "a k1",
      "a k2",
      "b k1",
      "b k2",
    ]);
  });
});
