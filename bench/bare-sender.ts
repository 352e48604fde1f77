/**
 * The dispatch bench's floor (dispatch.bare-sender): a process that does nothing but send, with
 * the same HTTP client tickd uses (undici, dispatch with a minimal handler, 32 requests in
 * flight like `[delivery] concurrency`), the bytes tickd sent for one notification to the same
 * sink. No ingest, no engine, no journal: what the HTTP client alone costs on this machine, so
 * the gap between it and tickd is tickd's own work.
 *
 * Run by the bench as `node bare-sender.js <url> <body file>`; each line on stdin is a round:
 * it sends that many requests and prints `sent` when every answer is in.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Agent, type Dispatcher } from "undici";

const IN_FLIGHT = 32;

const [url, bodyFile] = process.argv.slice(2);
if (url === undefined || bodyFile === undefined) throw new Error("usage: bare-sender <url> <body file>");
const target = new URL(url);
const body = readFileSync(bodyFile, "utf8");
const agent = new Agent();

function send(n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const handler: Dispatcher.DispatchHandler = {
      onConnect() {},
      onHeaders: () => true,
      onData: () => true,
      onComplete: () => resolve(),
      onError: reject,
    };
    agent.dispatch(
      {
        origin: target.origin,
        path: target.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "x-tickd-event-id": `bare-${n}` },
        body,
      },
      handler,
    );
  });
}

async function round(count: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await send(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

for await (const line of createInterface({ input: process.stdin })) {
  await round(Number(line));
  process.stdout.write("sent\n");
}
await agent.close();
