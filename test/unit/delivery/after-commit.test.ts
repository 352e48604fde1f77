import { describe, expect, it } from "vitest";
import { createTransport, type Transport } from "../../../src/delivery/transport.js";
import { notification, useFixture, until } from "./helpers.js";

describe("delivery: a row journaled in the caller's commit", () => {
  const fx = useFixture();

  it("goes to the transport as soon as that commit is done, not a loop turn later", async () => {
    const r = await fx.receiver();
    const store = fx.store();
    const real = createTransport();
    const handed: string[] = [];
    const transport: Transport = {
      send: (req) => {
        handed.push(req.delivery?.alertId ?? JSON.parse(req.body).id);
        return real.send(req);
      },
      close: () => real.close(),
      destroy: () => real.destroy(),
    };
    const svc = fx.service({ store, transport });
    svc.start();
    // Queued before the write: it runs when the loop reaches its check phase, where the
    // group commit's own flush would start the row.
    let handedAtTurnEnd = -1;
    setImmediate(() => (handedAtTurnEnd = handed.length));
    store.batch(() => {
      void svc.sender.send(notification(r.url, "a"));
    });
    await until(() => handedAtTurnEnd >= 0 && r.requests.length === 1);
    expect(handedAtTurnEnd).toBe(1);
    await real.close();
  });
});
