/** Builds a running task from TICKscript text with a recording alert sink and logger. */
import type { AlertEvent } from "../../src/core/alert-event.js";
import type { Point } from "../../src/core/types.js";
import type {
  AlertSink,
  AlertStatePersistence,
  HttpPostAccess,
  InfluxAccess,
  SideloadSource,
} from "../../src/engine/context.js";
import { InhibitorRegistry } from "../../src/engine/inhibitors.js";
import { Task } from "../../src/engine/task.js";
import { checkScript } from "../../src/pipeline/check.js";
import { TaskManager, type TaskManagerDeps } from "../../src/server/task-manager.js";
import type { Store } from "../../src/store/index.js";
import { formatDiagnostic } from "../../grammar/diagnostic.js";

export interface Recorded {
  task: Task;
  events: AlertEvent[];
  topics: string[][];
  logs: { level: string; msg: string; fields?: Record<string, unknown> }[];
  /** The log messages, debug lines left out (live: grows as the task runs). */
  messages: string[];
}

export function runScript(
  script: string,
  opts: {
    name?: string;
    inhibitors?: InhibitorRegistry;
    idleFlush?: number;
    alertStates?: AlertStatePersistence;
    influx?: InfluxAccess;
    httpPost?: HttpPostAccess;
    sideload?: (url: string) => SideloadSource;
    /** The sink's answer when a group starts (AlertSink.restore); none by default. */
    restore?: AlertSink["restore"];
  } = {},
): Recorded {
  const { graph, diagnostics } = checkScript(script, "test.tick", {});
  if (graph === undefined) throw new Error(diagnostics.map((d) => formatDiagnostic(d, script)).join("\n"));
  const rec: Omit<Recorded, "task"> = { events: [], topics: [], logs: [], messages: [] };
  const task = new Task(graph, {
    taskName: opts.name ?? "t",
    taskMaster: "main",
    serverInfo: { Hostname: "localhost", ClusterID: "", ServerID: "" },
    inhibitors: opts.inhibitors ?? new InhibitorRegistry(),
    ...(opts.idleFlush !== undefined ? { idleFlush: opts.idleFlush } : {}),
    ...(opts.alertStates !== undefined ? { alertStates: opts.alertStates } : {}),
    ...(opts.influx !== undefined ? { influx: opts.influx } : {}),
    ...(opts.httpPost !== undefined ? { httpPost: opts.httpPost } : {}),
    ...(opts.sideload !== undefined ? { sideload: opts.sideload } : {}),
    logger: {
      log: (level, msg, fields) => {
        rec.logs.push(fields === undefined ? { level, msg } : { level, msg, fields });
        if (level !== "debug") rec.messages.push(msg);
      },
    },
    alerts: {
      collect: (e, route) => {
        rec.events.push(e);
        rec.topics.push(route.topics);
      },
      ...(opts.restore !== undefined ? { restore: opts.restore } : {}),
    },
  });
  return { ...rec, task };
}

const S = 1e9;

export function pt(name: string, tags: Record<string, string>, fields: Point["fields"], sec: number): Point {
  return { name, tags, fields, time: BigInt(sec * S) };
}

/**
 * A TaskManager over `store` for tests: the given alert sink, quiet logs, a fixed server,
 * a fresh inhibitor registry and the wall clock; `over` replaces any of them.
 */
export function testTaskManager(
  store: Store,
  collect: AlertSink["collect"],
  over: Partial<TaskManagerDeps> = {},
): TaskManager {
  return new TaskManager({
    store,
    alerts: { collect },
    logger: { log: () => undefined },
    serverInfo: { Hostname: "h", ClusterID: "", ServerID: "" },
    inhibitors: new InhibitorRegistry(),
    now: () => Date.now() * 1e6,
    ...over,
  });
}
