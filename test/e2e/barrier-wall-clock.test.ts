/**
 * `|barrier()` on the spawned daemon's wall clock: TestStream_Barrier_Period_No_Data and
 * TestStream_Barrier_Idle_No_Data (Kapacitor's integrations/streamer_test.go; barrier.go) as a
 * user runs them. One point arrives, then nothing: the daemon's once-a-second tick moves the
 * barrier node's data clock on, so period and idle barriers keep closing the window, and
 * `|httpPost()` sends each window — still holding the lone point — to a real receiver. The
 * test waits (bounded) for two requests per task; it asserts no durations.
 */
import { describe, expect, it } from "vitest";
import { useDaemons } from "../support/daemon.js";

const { tickd, receiver } = useDaemons();

const task = (barrier: string, url: string): string => `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu')
    |barrier()${barrier}
    |window().period(30s).every(1s)
    |httpPost('${url}')
`;

describe("barrier on the daemon's wall clock", () => {
  it("keeps sending period and idle barriers for a silent stream, each closing a window with the lone point", async () => {
    const rx = await receiver();
    const t = await tickd({
      tasks: {
        "period.tick": task(".period(1s)", `${rx.url}/period`),
        "idle.tick": task(".idle(1s)", `${rx.url}/idle`),
      },
    });
    const at = BigInt(Math.floor(Date.now() / 1000)) * 1_000_000_000n; // whole seconds: no fraction to print
    const res = await fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=ns`, {
      method: "POST",
      body: `cpu value=0.5 ${at}`,
    });
    expect(res.status).toBe(204);
    const of = (path: string) => rx.requests.filter((q) => q.path === path).slice(0, 2);
    for (let i = 0; i < 300 && (of("/period").length < 2 || of("/idle").length < 2); i++)
      await new Promise((r) => setTimeout(r, 50));
    const stamp = new Date(Number(at / 1_000_000n)).toISOString().replace(".000Z", "Z");
    const body = `{"series":[{"name":"cpu","columns":["time","value"],"values":[["${stamp}",0.5]]}]}\n`;
    expect(of("/period").map((q) => q.body)).toEqual([body, body]);
    expect(of("/idle").map((q) => q.body)).toEqual([body, body]);
  });
});
