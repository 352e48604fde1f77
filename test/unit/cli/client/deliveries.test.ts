/**
 * Issue 11 item 6: `tickctl deliveries [--status failed] [--handler h]`, `tickctl deliveries
 * retry <id>` and `tickctl deliveries delete <id>` against an in-process daemon whose webhook
 * receiver first refuses a notification for good (404), then takes it.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { runTickctl } from "./run-tickctl.js";
import { startDaemonIn } from "../../../support/in-process-daemon.js";
import { startReceiver } from "../../../support/receiver.js";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const tickctl = runTickctl;

async function until(pred: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not met in time");
}

describe("tickctl deliveries", () => {
  it("lists failed deliveries as a table, retries one until delivered, deletes it", async () => {
    const rx = await startReceiver({ answers: [{ status: 404, body: "no such hook" }] });
    cleanups.push(() => rx.close());
    const { daemon, dir } = await startDaemonIn({
      tasks: {
        "cpu.tick": `dbrp "telegraf"."autogen"
stream |from().measurement('cpu') |alert().crit(lambda: "usage_idle" < 10.0).topic('ops')`,
      },
      handlers: { "hook.yaml": `topic: ops\nid: hook\nkind: post\noptions:\n  url: ${rx.url}/hook\n` },
    });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => daemon.stop());
    const url = `http://127.0.0.1:${daemon.port}`;
    await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: "cpu,host=a usage_idle=5 1\n",
    });
    const failed = async (): Promise<{ id: number; status: string }[]> =>
      (
        (await (await fetch(`${url}/tickd/v1/deliveries?handler=hook`)).json()) as {
          deliveries: { id: number; status: string }[];
        }
      ).deliveries;
    await until(async () => (await failed())[0]?.status === "failed");
    const id = (await failed())[0]!.id;

    const list = await tickctl(["-url", url, "deliveries", "--status", "failed", "--handler", "hook"]);
    expect(list.code).toBe(0);
    const lines = list.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +Status +Handler +Topic +Alert +Attempts +Updated +Last Error$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(`^ *${id} +failed +hook +ops +cpu:nil +1 +\\S+ +HTTP 404: no such hook$`),
    );
    expect(
      (await tickctl(["-url", url, "deliveries", "--status", "retrying"])).out.trimEnd().split("\n"),
    ).toHaveLength(1);

    const retry = await tickctl(["-url", url, "deliveries", "retry", String(id)]);
    expect(retry).toMatchObject({ code: 0, err: "" });
    expect(retry.out).toContain(`delivery ${id} queued again`);
    await rx.waitFor(2);
    await until(async () => (await failed())[0]?.status === "delivered");
    expect(rx.requests[1]!.body).toBe(rx.requests[0]!.body);

    const again = await tickctl(["-url", url, "deliveries", "retry", String(id)]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/delivery \d+ is delivered, not failed/);

    expect(await tickctl(["-url", url, "deliveries", "delete", String(id)])).toEqual({
      code: 0,
      out: `delivery ${id} deleted\n`,
      err: "",
    });
    expect(await failed()).toEqual([]);
    const gone = await tickctl(["-url", url, "deliveries", "delete", String(id)]);
    expect(gone.code).toBe(1);
    expect(gone.err).toBe(`tickctl: no delivery ${id}\n`);
  });
});
