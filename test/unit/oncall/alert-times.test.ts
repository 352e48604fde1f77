/**
 * Alert times in the Alertmanager API v2 view (`/api/v2/alerts`) and tickd's own
 * (`/tickd/v1/alerts`), issue 12. Alertmanager marshals its times with go-openapi strfmt's
 * RFC3339Millis (always three fraction digits: 0.25 prints `….123Z`, a whole second
 * `….000Z`); tickd prints a time in whole ms the same way and keeps every digit of a finer
 * time from its engine (strfmt and amtool read RFC3339Nano back). Times that arrived in ms
 * (inbound integrations, alerts posted to /api/v2/alerts) stay whole ms — never one ms off
 * through float arithmetic.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import { mapAlertmanager } from "../../../src/integrations/index.js";
import { gettableAlert, OnCallService, onCallPersistence, tickdAlert } from "../../../src/oncall/index.js";
import { openStore, type Store } from "../../../src/store/index.js";

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** An on-call service over `store` (a new in-memory one by default), opened. */
function oncallAt(nowMs: number, store = memoryStore()): OnCallService {
  const oc = new OnCallService({
    persistence: onCallPersistence(store.db),
    logger: { log: () => undefined },
    notify: () => [],
    now: () => nowMs,
  });
  oc.open();
  return oc;
}

function memoryStore(): Store {
  const store = openStore(":memory:");
  stores.push(store);
  return store;
}

function engineEvent(time: bigint, duration: number): AlertEvent {
  return {
    topic: "ops",
    state: { id: "cpu", message: "cpu is CRITICAL", details: "", time, duration, level: Level.CRITICAL },
    data: {
      name: "cpu",
      taskName: "cpu_alert",
      category: "",
      group: "",
      tags: { host: "a" },
      fields: { v: 95 },
      series: [],
      recoverable: true,
    },
  };
}

describe("alert times in /api/v2/alerts and /tickd/v1/alerts", () => {
  it("an engine alert keeps every ns digit, beyond what a float64 holds", () => {
    const oc = oncallAt(Date.now());
    // Started at …123999999 (a float64 makes it …124000000), updated 376000002 ns later.
    oc.begin("ops", engineEvent(1_700_000_000_500_000_001n, 376_000_002), Level.OK);
    const view = oc.alert("ops", "cpu")!;
    const am = gettableAlert(view);
    expect(am.startsAt).toBe("2023-11-14T22:13:20.123999999Z");
    expect(am.updatedAt).toBe("2023-11-14T22:13:20.500000001Z");
    // Alertmanager's resolve_timeout past now (the update is long past): whole ms.
    expect(am.endsAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const own = tickdAlert(view);
    expect(own.since).toBe("2023-11-14T22:13:20.123999999Z");
    expect(own.updated).toBe("2023-11-14T22:13:20.500000001Z");
  });

  it("an engine alert in whole ms prints as Alertmanager does: three digits, also .000", () => {
    const oc = oncallAt(Date.now());
    oc.begin("ops", engineEvent(1_700_000_001_000_000_000n, 877_000_000), Level.OK);
    const am = gettableAlert(oc.alert("ops", "cpu")!);
    expect(am.startsAt).toBe("2023-11-14T22:13:20.123Z");
    expect(am.updatedAt).toBe("2023-11-14T22:13:21.000Z");
  });

  it("an alert that arrived in ms keeps its ms start (no float rounding to the ms before)", () => {
    // now and startsAt in ms where float ns arithmetic lands just below the start's ms.
    const now = 1_765_000_023_757;
    const oc = oncallAt(now);
    const [e] = mapAlertmanager(
      {
        version: "4",
        alerts: [{ status: "firing", labels: { alertname: "Disk" }, startsAt: "2025-12-06T05:46:59.754Z" }],
      },
      { topic: "prometheus", now },
    );
    oc.begin("prometheus", e!, Level.OK);
    const view = oc.alertList()[0]!;
    const am = gettableAlert(view);
    expect(am.startsAt).toBe("2025-12-06T05:46:59.754Z");
    expect(am.updatedAt).toBe(new Date(now).toISOString());
    expect(tickdAlert(view).since).toBe("2025-12-06T05:46:59.754Z");
  });
});

describe("on-call alerts stored by a version with float64 times", () => {
  it("read back with bigint times after an upgrade, so the alert lists still answer", () => {
    const store = memoryStore();
    // The row as a float64-time version wrote it: every time a plain JSON number.
    const old = {
      topic: "ops",
      state: {
        id: "cpu",
        message: "cpu is CRITICAL",
        details: "",
        time: 1_700_000_000_500_000_000,
        duration: 2e9,
        level: 3,
      },
      data: {
        name: "cpu",
        taskName: "cpu_alert",
        category: "",
        group: "",
        tags: { host: "a" },
        fields: { v: 95 },
        series: [
          {
            name: "cpu",
            tags: { host: "a" },
            columns: ["time", "v"],
            values: [[1_700_000_000_500_000_000, 95]],
          },
        ],
        recoverable: true,
      },
      alerts: [
        { id: "cpu", message: "m", time: 1_700_000_000_000_000_000, level: 3, previousLevel: 0, tags: {} },
      ],
    };
    store.db
      .prepare("INSERT INTO oncall_alerts (topic, alert_id, labels, event) VALUES (?, ?, ?, ?)")
      .run("ops", "cpu", JSON.stringify({ alertname: "cpu" }), JSON.stringify(old));
    const oc = oncallAt(Date.now(), store);
    const view = oc.alert("ops", "cpu")!;
    expect(gettableAlert(view).startsAt).toBe("2023-11-14T22:13:18.500Z");
    expect(tickdAlert(view)["updated"]).toBe("2023-11-14T22:13:20.500Z");
    const stored = [...onCallPersistence(store.db).loadAlerts()][0]!.event;
    expect(stored.state.time).toBe(1_700_000_000_500_000_000n);
    expect(stored.data.series[0]!.values[0]![0]).toBe(1_700_000_000_500_000_000n);
    expect(stored.alerts![0]!.time).toBe(1_700_000_000_000_000_000n);
  });
});
