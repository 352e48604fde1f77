/**
 * One harness for the HTTP notification kinds' tests: the daemon in this process with the
 * kind's section pointed at a real receiver on 127.0.0.1, a TICKscript whose alert uses the
 * kind's property chain, and a handler file of the same kind on the task's topic. Two points
 * make a CRITICAL and then an OK event, so the receiver records four requests: the TICKscript
 * handler's and the handler file's, for each event. `serviceTest` POSTs to
 * /kapacitor/v1/service-tests/<service>.
 */
import { rmSync } from "node:fs";
import { afterEach } from "vitest";
import type { TickdConfig } from "../../../../src/config/index.js";
import { startDaemonIn } from "../../../support/in-process-daemon.js";
import { startReceiver, type Receiver, type RecordedRequest } from "../../../support/receiver.js";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

export interface KindRun {
  rx: Receiver;
  url: string;
  /** The requests of the TICKscript handler (CRITICAL, OK) and of the handler file (CRITICAL, OK). */
  fromTick: RecordedRequest[];
  fromFile: RecordedRequest[];
}

/** The alert every kind test raises: id cpu/serverA, CRITICAL at 1s and OK at 2s. */
export function script(chain: string): string {
  return `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |alert()
    .id('cpu/{{ index .Tags "host" }}')
    .message('{{ .ID }} is {{ .Level }} at {{ index .Fields "usage" }}')
    .details('usage is {{ index .Fields "usage" }}')
    .crit(lambda: "usage" > 90.0)
    .topic('ops')
    ${chain}
`;
}

export async function startKind(opts: {
  /** The config with the kind's section pointing at the receiver's URL. */
  config: (c: TickdConfig, rxUrl: string) => TickdConfig;
  /** Property chain after the alert, e.g. `.slack().channel('#tick')` (or built from the receiver's URL). */
  chain?: string | ((rxUrl: string) => string);
  /** A handler file (YAML) on topic `ops`, given the receiver's URL. */
  handlerFile?: (rxUrl: string) => string;
  /** Tells the TICKscript handler's requests from the file's. */
  isFromTick?: (r: RecordedRequest) => boolean;
  /** Requests each handler makes per event (default 1). */
  perEvent?: number;
}): Promise<KindRun> {
  const rx = await startReceiver();
  cleanups.push(() => rx.close());
  const { daemon, dir } = await startDaemonIn(
    {
      ...(opts.chain !== undefined
        ? { tasks: { "cpu.tick": script(typeof opts.chain === "string" ? opts.chain : opts.chain(rx.url)) } }
        : {}),
      ...(opts.handlerFile !== undefined ? { handlers: { "ops.yaml": opts.handlerFile(rx.url) } } : {}),
    },
    { config: (c) => opts.config(c, rx.url) },
  );
  cleanups.push(async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${daemon.port}`;
  const run: KindRun = { rx, url, fromTick: [], fromFile: [] };
  if (opts.chain === undefined && opts.handlerFile === undefined) return run;
  const handlers = (opts.chain !== undefined ? 1 : 0) + (opts.handlerFile !== undefined ? 1 : 0);
  const per = (opts.perEvent ?? 1) * handlers;
  await write(url, "cpu,host=serverA usage=95 1\n");
  await rx.waitFor(per);
  await write(url, "cpu,host=serverA usage=5 2\n");
  const all = await rx.waitFor(2 * per);
  const isTick = opts.isFromTick ?? (() => true);
  run.fromTick = all.filter(isTick);
  run.fromFile = all.filter((r) => !isTick(r));
  return run;
}

async function write(url: string, lines: string): Promise<void> {
  const res = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body: lines });
  if (res.status !== 204) throw new Error(`write answered ${res.status}: ${await res.text()}`);
}

export async function serviceTest(
  url: string,
  service: string,
  options: unknown = null,
): Promise<{ success: boolean; message: string }> {
  const res = await fetch(`${url}/kapacitor/v1/service-tests/${service}`, {
    method: "POST",
    body: JSON.stringify(options),
  });
  if (res.status !== 200) throw new Error(`service test answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { success: boolean; message: string };
}

/** The headers a test checks, without the ones the transport adds (host, length, connection…). */
export function headersOf(r: RecordedRequest, names: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const n of names) out[n] = r.headers[n.toLowerCase()] as string | undefined;
  return out;
}

/** Default config sections as the loader fills them in (so tests override only what matters). */
export function section<K extends keyof TickdConfig>(
  c: TickdConfig,
  key: K,
  over: Partial<TickdConfig[K]>,
): TickdConfig {
  return { ...c, [key]: { ...(c[key] as object), ...over } } as TickdConfig;
}
