/**
 * `tickctl connectors list|create|test` (Kibana's actions API, src/connectors/) and `tickctl
 * secrets rotate` (POST /tickd/v1/secrets/rotate). `create` reads a JSON file shaped as
 * Kibana's create body (`{name, connector_type_id, config, secrets}`), so the secrets are never
 * on the command line (shell history, `ps`).
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { ConnectorView, ExecuteResult } from "../../connectors/service.js";
import type { RotateReport } from "../../secrets/stored.js";
import { printJson, runClient, seg, UsageError, type ClientOptions } from "./api.js";
import { columnWidth, padRight } from "./format.js";

type Row = ConnectorView & { referenced_by_count?: number };

export function runListConnectors(opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const rows = ((await api.get("/api/actions/connectors")).body as Row[] | undefined) ?? [];
    if (opts.json) {
      printJson(opts, rows);
      return 0;
    }
    const cells = rows.map((c) => ({
      id: c.id,
      type: c.connector_type_id,
      name: c.name,
      state: c.is_missing_secrets ? "missing secrets" : "ok",
      refs: String(c.referenced_by_count ?? 0),
    }));
    const w = {
      id: columnWidth(
        cells.map((c) => c.id),
        2,
      ),
      type: columnWidth(
        cells.map((c) => c.type),
        4,
      ),
      name: columnWidth(
        cells.map((c) => c.name),
        4,
      ),
      state: columnWidth(
        cells.map((c) => c.state),
        5,
      ),
    };
    let out = `${padRight("ID", w.id)} ${padRight("Type", w.type)} ${padRight("Name", w.name)} ${padRight("State", w.state)} Used by\n`;
    for (const c of cells)
      out += `${padRight(c.id, w.id)} ${padRight(c.type, w.type)} ${padRight(c.name, w.name)} ${padRight(c.state, w.state)} ${c.refs}\n`;
    opts.out(out);
    return 0;
  });
}

export function runCreateConnector(
  file: string,
  id: string | undefined,
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    let body: unknown;
    try {
      body = JSON.parse(readFileSync(file, "utf8")) as unknown;
    } catch (e) {
      throw new UsageError(`cannot read connector file ${file}: ${(e as Error).message}`);
    }
    const path =
      id !== undefined && id !== "" ? `/api/actions/connector/${seg(id)}` : "/api/actions/connector";
    const res = (await api.request("POST", path, body)).body as ConnectorView;
    if (opts.json) printJson(opts, res);
    else opts.out(`created connector ${res.id} (${res.connector_type_id})\n`);
    return 0;
  });
}

/** `tickctl connectors test <id> [--params json]`: `_execute`; exit 1 when the connector answered an error. */
export function runTestConnector(
  id: string,
  params: string | undefined,
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    let p: unknown = {};
    if (params !== undefined && params !== "") {
      try {
        p = JSON.parse(params) as unknown;
      } catch (e) {
        throw new UsageError(`--params is not JSON: ${(e as Error).message}`);
      }
    }
    const res = (await api.request("POST", `/api/actions/connector/${seg(id)}/_execute`, { params: p }))
      .body as ExecuteResult;
    if (opts.json) printJson(opts, res);
    else if (res.status === "ok") opts.out(`connector ${id}: ok\n`);
    else
      opts.out(
        `connector ${id}: error: ${res.message ?? ""}${res.service_message !== undefined ? ` (${res.service_message})` : ""}${res.retry === true ? " [retry later]" : ""}\n`,
      );
    return res.status === "ok" ? 0 : 1;
  });
}

export function runRotateSecrets(opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const r = (await api.request("POST", "/tickd/v1/secrets/rotate")).body as RotateReport;
    if (opts.json) printJson(opts, r);
    else {
      opts.out(
        `sealed again under key ${r.key_id}: ${r.resealed.connectors} connectors, ${r.resealed.handlers} handlers, ${r.resealed.overrides} config overrides\n`,
      );
      for (const u of r.unreadable) opts.out(`unreadable (left as it is): ${u}\n`);
    }
    return r.unreadable.length > 0 ? 1 : 0;
  });
}

export function registerConnectorCommands(
  program: Command,
  options: (cmd: Command, json?: boolean) => ClientOptions,
  exit: (code: number) => void,
): void {
  const jsonOf = (cmd: Command): boolean => cmd.opts<{ json?: boolean }>().json === true;
  const connectors = program.command("connectors").description("Kibana-style connectors: list, create, test");
  connectors
    .command("list")
    .description("list the connectors (GET /api/actions/connectors); secrets are never shown")
    .option("--json", "print Kibana's JSON")
    .action(async (_o: unknown, cmd: Command) => exit(await runListConnectors(options(cmd, jsonOf(cmd)))));
  connectors
    .command("create")
    .description("create a connector from a JSON file {name, connector_type_id, config, secrets}")
    .argument("<file>", "the create body as Kibana's API takes it")
    .option("--id <id>", "the connector id (default: a random one)")
    .option("--json", "print the created connector as JSON")
    .action(async (file: string, o: { id?: string }, cmd: Command) =>
      exit(await runCreateConnector(file, o.id, options(cmd, jsonOf(cmd)))),
    );
  connectors
    .command("test")
    .description("execute a connector now (POST …/_execute); exit 1 when it answered an error")
    .argument("<id>", "connector id")
    .option(
      "--params <json>",
      'execute params: .webhook {"body": "…"}; others {"message", "level", "id", "details"}',
    )
    .option("--json", "print the execute result as JSON")
    .action(async (id: string, o: { params?: string }, cmd: Command) =>
      exit(await runTestConnector(id, o.params, options(cmd, jsonOf(cmd)))),
    );
  const secrets = program.command("secrets").description("stored secrets (sealed with [secrets] key)");
  secrets
    .command("rotate")
    .description("seal every stored secret again under the current [secrets] key (then old-keys can go)")
    .option("--json", "print the report as JSON")
    .action(async (_o: unknown, cmd: Command) => exit(await runRotateSecrets(options(cmd, jsonOf(cmd)))));
}
