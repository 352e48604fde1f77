/**
 * `tickctl test <file.tick> --data <points.lp|.srpl>`: replays data through a script with no
 * daemon and prints every alert event, with the notifications its TICKscript handlers would
 * send. `--json` prints exactly one line per event: the Kapacitor alert JSON `.post()` sends
 * (pinned: other tools consume it).
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { formatDiagnostic, parseExpression } from "../../grammar/index.js";
import { alertJsonLine } from "../alert/alert-json.js";
import { TopicService } from "../alert/topic-service.js";
import { TopicStore } from "../alert/topics.js";
import { loadConfig } from "../config/index.js";
import { dryRunFactory } from "./dry-run-handlers.js";
import { createHttpPostAccess } from "../server/http-post.js";
import { createSideloadSources } from "../sources/sideload.js";
import type { HandlerConfig } from "../handlers/types.js";
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError } from "../core/errors.js";
import { formatRFC3339Nano } from "../core/go-format.js";
import { parseLineProtocol, parsePrecision } from "../core/line-protocol.js";
import { parseSrpl } from "../core/srpl.js";
import { Level, levelName, type Point } from "../core/types.js";
import { InhibitorRegistry } from "../engine/inhibitors.js";
import { Task } from "../engine/task.js";
import { checkScript, type TaskVar } from "../pipeline/check.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";

export interface TestOptions {
  data: string;
  /** A directory of topic handler files (Kapacitor's format) to route events through. */
  handlers?: string;
  /** A config file for handler settings ([victorops], [[httppost]], [[escalation]]). */
  config?: string;
  json: boolean;
  precision?: string;
  vars: string[];
  db?: string;
  rp?: string;
  taskName?: string;
  out: (s: string) => void;
  err: (s: string) => void;
}

interface Replayed {
  event: AlertEvent;
  previousLevel: Level;
  handlers: readonly HandlerSpec[];
}

/** Exit codes: 0 ran, 1 script errors, 2 unreadable input or bad data. */
export async function runTest(file: string, o: TestOptions): Promise<number> {
  let script: string;
  let dataText: string;
  try {
    script = await readFile(file, "utf8");
    dataText = await readFile(o.data, "utf8");
  } catch (e) {
    o.err(`tickctl test: ${coerceError(e).message}\n`);
    return 2;
  }
  let vars: Record<string, TaskVar>;
  try {
    vars = parseVars(o.vars);
  } catch (e) {
    o.err(`tickctl test: ${coerceError(e).message}\n`);
    return 2;
  }
  const checked = checkScript(script, file, { vars });
  for (const d of checked.diagnostics) o.err(formatDiagnostic(d, script) + "\n");
  if (checked.graph === undefined) return 1;

  const taskName = o.taskName ?? file.replace(/^.*\//, "").replace(/\.tick$/, "");
  const topics = new TopicStore();
  const events: Replayed[] = [];
  let errors = 0;
  const logger = {
    log: (level: string, msg: string, fields?: Record<string, unknown>) => {
      if (level === "error") errors++;
      if (level === "error" || level === "warn")
        o.err(`${level}: ${msg}${fields ? " " + JSON.stringify(fields) : ""}\n`);
    },
  };
  // Human output shows what every handler would send; --json prints alert JSON only.
  let router: TopicService | undefined;
  if (!o.json) {
    try {
      const { config } = loadConfig(o.config !== undefined ? { file: o.config } : { env: {} });
      router = new TopicService({
        factory: dryRunFactory(config, logger, (l) => o.out(`    ${l}\n`)),
        logger,
        persistTopics: false,
      });
      router.open();
      if (o.handlers !== undefined) {
        const report = await router.loadHandlerDir(o.handlers);
        for (const e of report.errors) o.err(`${e}\n`);
      }
    } catch (e) {
      o.err(`tickctl test: ${coerceError(e).message}\n`);
      return 2;
    }
  }
  // |httpPost() renders its requests as the daemon would and shows them instead of sending.
  let httpPostConfig: Pick<HandlerConfig, "httppost" | "webhook">;
  try {
    const { config } = loadConfig(o.config !== undefined ? { file: o.config } : { env: {} });
    httpPostConfig = {
      httppost: config.httppost.map((h) => ({
        endpoint: h.endpoint,
        url: h.url,
        headers: h.headers,
        ...(h.basicAuth ? { basicAuth: h.basicAuth } : {}),
        ...(h.rowTemplate ? { rowTemplate: h.rowTemplate } : {}),
        ...(h.rowTemplateFile ? { rowTemplateFile: h.rowTemplateFile } : {}),
      })),
      webhook: { allowedHosts: config.webhook.allowedHosts, timeout: config.webhook.timeout },
    };
  } catch (e) {
    o.err(`tickctl test: ${coerceError(e).message}\n`);
    return 2;
  }
  const httpPost = createHttpPostAccess({
    config: httpPostConfig,
    send: { send: () => Promise.reject(new Error("tickctl test sends nothing")) },
    logger,
    dryRun: (r) => {
      if (!o.json)
        o.out(`  ${r.node} would POST ${r.url}\n    ${r.body.trimEnd().replace(/\n/g, "\n    ")}\n`);
    },
  });
  const sideloadSources = createSideloadSources();
  let routed = false;
  let task: Task;
  try {
    task = new Task(checked.graph, {
      taskName,
      taskMaster: "main",
      serverInfo: { Hostname: "localhost", ClusterID: "", ServerID: "" },
      inhibitors: new InhibitorRegistry(),
      logger,
      httpPost,
      sideload: (url) => sideloadSources.open(url),
      alerts: {
        collect: (event, route) => {
          const names = route.topics.length > 0 ? route.topics : [event.topic];
          let previousLevel = Level.OK;
          names.forEach((t, i) => {
            const prev = topics.collect(t, event);
            if (i === 0) previousLevel = prev;
          });
          events.push({ event, previousLevel, handlers: route.handlers });
          o.out(o.json ? alertJsonLine(event, previousLevel) : describeEvent(event, previousLevel));
          if (router !== undefined) {
            router.collect(event, route);
            routed = true;
          }
        },
        // As in the daemon: a group that starts is seeded from its topics (another group with
        // the same alert ID may have set the state). The dry-run router's topics follow along.
        restore: (names, id) => {
          router?.restore(names, id);
          return topics.restore(names, id);
        },
      },
    });
  } catch (e) {
    o.err(`${file}: ${coerceError(e).message}\n`);
    return 1;
  }

  let points: { db: string; rp: string; point: Point }[];
  let badLines: string[];
  try {
    ({ points, badLines } = readData(o, dataText, task));
  } catch (e) {
    o.err(`${o.data}: ${coerceError(e).message}\n`);
    return 2;
  }
  for (const b of badLines) o.err(`${o.data}:${b}\n`);
  for (const p of points) {
    task.write(p.db, p.rp, p.point);
    // |httpPost().codeField() passes data on after its (dry-run) answer: let it arrive first.
    if (task.busy()) await task.idle();
    // Let this point's notifications print before the next point's events.
    if (routed) {
      routed = false;
      await router?.drain();
    }
  }
  await router?.close();

  if (!o.json) {
    const byLevel = [Level.CRITICAL, Level.WARNING, Level.INFO, Level.OK]
      .map((l) => `${events.filter((e) => e.event.state.level === l).length} ${levelName(l)}`)
      .join(", ");
    const skipped = badLines.length > 0 ? `, ${badLines.length} bad lines skipped` : "";
    o.out(
      `\n${points.length} points replayed, ${events.length} alert events (${byLevel}), ${errors} errors${skipped}\n`,
    );
  }
  return badLines.length > 0 ? 2 : 0;
}

/** Good points to replay, and `line:col: message` for each line that was skipped. */
function readData(
  o: TestOptions,
  text: string,
  task: Task,
): { points: { db: string; rp: string; point: Point }[]; badLines: string[] } {
  // .srpl: seconds unless told (Kapacitor's test data); a recording's .srpl is in ns.
  const srpl = extname(o.data) === ".srpl";
  const precision = parsePrecision(o.precision ?? (srpl ? "s" : "ns"));
  if (precision === undefined)
    throw new Error(`unknown precision ${JSON.stringify(o.precision)}: use ns, u, ms, s, m or h`);
  if (srpl) return { points: parseSrpl(text, o.data, precision), badLines: [] };
  const { points, errors } = parseLineProtocol(text, { precision });
  const dbrp = task.graph.dbrps[0];
  const db = o.db ?? dbrp?.db ?? "";
  const rp = o.rp ?? dbrp?.rp ?? "";
  return {
    points: points.map((point) => ({ db, rp, point })),
    badLines: errors.map((e) => `${e.line}:${e.column}: ${e.message} (line skipped)`),
  };
}

const ARROWS: Record<Level, string> = { 0: "✔", 1: "ℹ", 2: "▲", 3: "✖" };

function describeEvent(e: AlertEvent, prev: Level): string {
  const s = e.state;
  const change = s.level === prev ? "" : ` (was ${levelName(prev)})`;
  return `${formatRFC3339Nano(s.time)}  ${ARROWS[s.level]} ${levelName(s.level).padEnd(8)} ${s.id}${change}\n    ${s.message}\n`;
}

/** `--var name=value`, the value written as a TICKscript literal: 10, 2.5, 10s, 'text', TRUE, /re/, lambda: … */
export function parseVars(specs: readonly string[]): Record<string, TaskVar> {
  const vars: Record<string, TaskVar> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new Error(`--var ${spec}: write name=value, e.g. --var crit=90.0`);
    const name = spec.slice(0, eq);
    const text = spec.slice(eq + 1).trim();
    if (text.startsWith("lambda:")) {
      vars[name] = { type: "lambda", value: text.slice("lambda:".length).trim() };
      continue;
    }
    const { expr, diagnostics } = parseExpression(text, `--var ${name}`);
    if (expr === undefined || diagnostics.some((d) => d.severity === "error")) {
      throw new Error(`--var ${name}: ${diagnostics[0]?.message ?? "not a TICKscript value"}`);
    }
    switch (expr.type) {
      case "Int":
        vars[name] = { type: "int", value: expr.value };
        break;
      case "Float":
        vars[name] = { type: "float", value: expr.value };
        break;
      case "Duration":
        vars[name] = { type: "duration", value: expr.ns };
        break;
      case "String":
        vars[name] = { type: "string", value: expr.value };
        break;
      case "Bool":
        vars[name] = { type: "bool", value: expr.value };
        break;
      case "Regex":
        vars[name] = { type: "regex", value: expr.pattern };
        break;
      case "Star":
        vars[name] = { type: "star", value: null };
        break;
      default:
        throw new Error(`--var ${name}: expected a literal such as 10, 2.5, 10s, 'text', TRUE or /re/`);
    }
  }
  return vars;
}
