/**
 * `tickctl service-tests [service…]` and `tickctl list service-tests [pattern…]`, as
 * Kapacitor's CLI prints them: `%-20s%-10v%s` rows of Service, Success, Message, and a
 * "Service Name" column. Each argument is a name or Go glob; none means every service.
 * Exit code 1 when a test failed (Kapacitor exits 0; a script here can rely on the code).
 */
import { printJson, runClient, seg, UsageError, type ClientOptions } from "./api.js";

interface ServiceTestRow {
  name: string;
  options: Record<string, unknown>;
}

interface ServiceTestResult {
  success: boolean;
  message: string;
}

async function listServices(
  api: { get(path: string): Promise<{ body: unknown }> },
  patterns: string[],
): Promise<ServiceTestRow[]> {
  const out: ServiceTestRow[] = [];
  for (const pattern of patterns.length === 0 ? [""] : patterns) {
    const q = pattern === "" ? "" : `?pattern=${encodeURIComponent(pattern)}`;
    const res = await api.get(`/kapacitor/v1/service-tests${q}`);
    out.push(...((res.body as { services?: ServiceTestRow[] } | undefined)?.services ?? []));
  }
  return out;
}

const row = (a: string, b: string, c: string): string =>
  `${a.padEnd(20)}${b.padEnd(10)}${c}`.trimEnd() + "\n";

/** `tickctl service-tests [service…] [--options json]`. */
export function runServiceTests(
  names: string[],
  o: { options?: string },
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    let options: unknown = null;
    if (o.options !== undefined) {
      try {
        options = JSON.parse(o.options) as unknown;
      } catch (e) {
        throw new UsageError(`--options: not JSON: ${(e as Error).message}`);
      }
      if (options === null || typeof options !== "object" || Array.isArray(options))
        throw new UsageError("--options: expected a JSON object of the service's options");
    }
    const services = await listServices(api, names);
    if (services.length === 0) throw new UsageError(`no service test matches ${names.join(" ") || "*"}`);
    const results: { name: string; result: ServiceTestResult }[] = [];
    for (const s of services) {
      const res = await api.request("POST", `/kapacitor/v1/service-tests/${seg(s.name)}`, options);
      results.push({ name: s.name, result: res.body as ServiceTestResult });
    }
    if (opts.json) printJson(opts, { results: results.map((r) => ({ service: r.name, ...r.result })) });
    else {
      opts.out(row("Service", "Success", "Message"));
      for (const r of results) opts.out(row(r.name, String(r.result.success), r.result.message));
    }
    return results.every((r) => r.result.success) ? 0 : 1;
  });
}

/** `tickctl list service-tests [pattern…]`. */
export function runListServiceTests(patterns: string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const services = await listServices(api, patterns);
    if (opts.json) printJson(opts, { services });
    else {
      opts.out("Service Name\n");
      for (const s of services) opts.out(`${s.name}\n`);
    }
    return 0;
  });
}
