/**
 * Registers the daemon client commands (DESIGN.md §5) on tickctl's commander program. Kapacitor's
 * single-dash spellings (`-url`, `-tick`, `-dbrp`, `-type`, `-vars`, `-no-reload`) reach these
 * options through normalizeGoFlags in tickctl.ts.
 */
import type { Command } from "commander";
import { resolveUrl, type ClientOptions } from "./api.js";
import { runDeleteDelivery, runListDeliveries, runRetryDelivery } from "./deliveries.js";
import { runCluster } from "./cluster.js";
import { registerConnectorCommands } from "./connectors.js";
import { parseLogFilters, runBackup, runLevel, runLogs, runStats, runVars } from "./observe.js";
import {
  runDeleteRuns,
  runListRecordings,
  runListReplays,
  runRecordBatch,
  runRecordQuery,
  runRecordStream,
  runReplay,
} from "./recordings.js";
import { runHistory, type HistoryOptions } from "./history.js";
import { runAck, runSilenceAdd, runSilenceExpire, runSilenceList, runSnooze, runUnack } from "./oncall.js";
import { runListServiceTests, runServiceTests } from "./service-tests.js";
import { runDefineTemplate, runDeleteTemplates, runListTemplates, runShowTemplate } from "./templates.js";
import {
  runDefine,
  runDeleteTasks,
  runDisable,
  runEnable,
  runListTasks,
  runReload,
  runShow,
  type DefineOptions,
} from "./tasks.js";
import {
  runDefineTopicHandler,
  runDeleteTopicHandlers,
  runDeleteTopics,
  runListTopicHandlers,
  runListTopics,
  runShowTopic,
  runShowTopicHandler,
} from "./topics.js";

/** Where the commands print and which environment they read; tests pass their own. */
export interface ClientIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** Receives each command's exit code (default: sets process.exitCode). */
  exit: (code: number) => void;
}

const processIo: ClientIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  exit: (code) => {
    process.exitCode = code;
  },
};

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const URL_HELP =
  "tickd's URL http(s)://host:port (default: $TICKD_URL, $KAPACITOR_URL or http://127.0.0.1:9092)";

export function registerClientCommands(program: Command, io: ClientIo = processIo): void {
  // The program's --url (tickd's address) is read only before the command, so a command's own
  // --url (verify-signature's signed URL) keeps its value; client commands take it after.
  program.enablePositionalOptions().option("--url <url>", URL_HELP);
  const before = new Set(allCommands(program));

  const options = (cmd: Command, json = false): ClientOptions => {
    // The command's own -url (after the command, as Kapacitor users write it) wins over the
    // program's (before the command).
    const url = [cmd, ...ancestors(cmd)]
      .map((c) => c.opts<{ url?: string }>().url)
      .find((u) => u !== undefined);
    return { url: resolveUrl(url, io.env), out: io.out, err: io.err, json };
  };
  const jsonOf = (cmd: Command): boolean => cmd.opts<{ json?: boolean }>().json === true;

  program
    .command("define")
    .description("create a task, or update it (and reload it if enabled) when it exists")
    .argument("<id>", "task id")
    .option("--tick <file>", "TICKscript file")
    .option("--type <type>", "task type: stream or batch (default: from the script)")
    .option("--dbrp <db.rp>", 'database and retention policy, db.rp or "db"."rp" (repeatable)', collect, [])
    .option("--vars <file>", "JSON file of task vars")
    .option("--template <id>", "make the task from this template (with --vars)")
    .option("--no-reload", "do not restart an enabled task with the new definition")
    .action(
      async (
        id: string,
        o: {
          tick?: string;
          type?: string;
          dbrp: string[];
          vars?: string;
          template?: string;
          reload: boolean;
        },
        cmd: Command,
      ) => {
        const def: DefineOptions = { dbrps: o.dbrp, noReload: !o.reload };
        if (o.template !== undefined) def.template = o.template;
        if (o.tick !== undefined) def.tick = o.tick;
        if (o.type !== undefined) def.type = o.type;
        if (o.vars !== undefined) def.vars = o.vars;
        io.exit(await runDefine(id, def, options(cmd)));
      },
    );

  program
    .command("enable")
    .description("enable and start tasks (ids or globs)")
    .argument("<ids...>", "task ids or glob patterns")
    .action(async (ids: string[], _o: unknown, cmd: Command) => {
      io.exit(await runEnable(ids, options(cmd)));
    });

  program
    .command("disable")
    .description("stop and disable tasks (ids or globs)")
    .argument("<ids...>", "task ids or glob patterns")
    .action(async (ids: string[], _o: unknown, cmd: Command) => {
      io.exit(await runDisable(ids, options(cmd)));
    });

  const del = program.command("delete").description("delete tasks, topics or topic handlers");
  del
    .command("tasks")
    .description("delete tasks (ids or globs)")
    .argument("<ids...>", "task ids or glob patterns")
    .action(async (ids: string[], _o: unknown, cmd: Command) => {
      io.exit(await runDeleteTasks(ids, options(cmd)));
    });
  del
    .command("topics")
    .description("delete topics and their alert state (ids or globs)")
    .argument("<ids...>", "topic ids or glob patterns")
    .action(async (ids: string[], _o: unknown, cmd: Command) => {
      io.exit(await runDeleteTopics(ids, options(cmd)));
    });
  del
    .command("topic-handlers")
    .description("delete handlers of a topic (ids or globs)")
    .argument("<topic>", "topic id")
    .argument("<ids...>", "handler ids or glob patterns")
    .action(async (topic: string, ids: string[], _o: unknown, cmd: Command) => {
      io.exit(await runDeleteTopicHandlers(topic, ids, options(cmd)));
    });

  const list = program.command("list").description("list tasks, topics or topic handlers");
  list
    .command("tasks")
    .description("list tasks: ID, Type, Status, Executing, Databases and Retention Policies")
    .argument("[patterns...]", "task ids or glob patterns")
    .option("--json", "print the tasks as JSON")
    .action(async (patterns: string[], _o: unknown, cmd: Command) => {
      io.exit(await runListTasks(patterns, options(cmd, jsonOf(cmd))));
    });
  list
    .command("topics")
    .description("list topics: ID, Level, Collected")
    .argument("[patterns...]", "topic ids or glob patterns")
    .option("--json", "print the topics as JSON")
    .action(async (patterns: string[], _o: unknown, cmd: Command) => {
      io.exit(await runListTopics(patterns, options(cmd, jsonOf(cmd))));
    });
  list
    .command("topic-handlers")
    .description("list topic handlers: Topic, ID, Kind")
    .argument("[topic]", "topic id or glob pattern (default: all topics)")
    .argument("[patterns...]", "handler ids or glob patterns")
    .option("--json", "print the handlers as JSON")
    .action(async (topic: string | undefined, patterns: string[], _o: unknown, cmd: Command) => {
      io.exit(await runListTopicHandlers(topic, patterns, options(cmd, jsonOf(cmd))));
    });

  program
    .command("show")
    .description("show a task: status, dbrps, TICKscript, vars and DOT")
    .argument("<id>", "task id")
    .option("--json", "print the task JSON")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      io.exit(await runShow(id, options(cmd, jsonOf(cmd))));
    });

  program
    .command("show-topic")
    .description("show a topic: level, handlers and events")
    .argument("<topic>", "topic id")
    .option("--json", "print the topic, its events and handlers as JSON")
    .action(async (topic: string, _o: unknown, cmd: Command) => {
      io.exit(await runShowTopic(topic, options(cmd, jsonOf(cmd))));
    });

  const deliveries = program
    .command("deliveries")
    .description("list the delivery journal (newest first); retry or delete a notification")
    .option("--status <status>", "only queued, retrying, delivered or failed notifications")
    .option("--handler <id>", "only this handler's notifications")
    .option("--limit <n>", "at most n rows (default 100)")
    .option("--json", "print the deliveries as JSON")
    .action(async (o: { status?: string; handler?: string; limit?: string }, cmd: Command) => {
      io.exit(await runListDeliveries(o, options(cmd, jsonOf(cmd))));
    });
  deliveries
    .command("retry")
    .description("send a failed notification again (a fresh max-age)")
    .argument("<id>", "delivery id")
    .option("--json", "print the re-queued delivery as JSON")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      io.exit(await runRetryDelivery(id, options(cmd, jsonOf(cmd))));
    });
  deliveries
    .command("delete")
    .description("delete a notification from the journal (a pending one is not sent)")
    .argument("<id>", "delivery id")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      io.exit(await runDeleteDelivery(id, options(cmd)));
    });

  program
    .command("define-topic-handler")
    .description("create or replace a topic handler from a .yaml, .yml or .json file")
    .argument("<file>", "handler file: topic, id, kind, options, match")
    .action(async (file: string, _o: unknown, cmd: Command) => {
      io.exit(await runDefineTopicHandler(file, options(cmd)));
    });

  // Cluster mode (DESIGN §11): members, partitions, restore progress, lag.
  program
    .command("cluster")
    .description("show the cluster: members, partitions owned, restore progress and lag")
    .option("--json", "print GET /tickd/v1/cluster as it is")
    .action(async (_o: unknown, cmd: Command) => {
      io.exit(await runCluster(options(cmd, jsonOf(cmd))));
    });

  registerObserveCommands(program, (cmd, json) => options(cmd, json), io);
  registerConnectorCommands(
    program,
    (cmd, json) => options(cmd, json),
    (code) => io.exit(code),
  );
  registerReplayCommands(program, list, del, (cmd, json) => options(cmd, json), io);
  // On-call (DESIGN §5): amtool-like silences, and ack/unack/snooze of one alert.
  const silence = program.command("silence").description("add, list and expire silences (as amtool does)");
  silence
    .command("add")
    .description(
      'silence alerts matching every matcher (alertname=cpu, host=~"web-.*", team!=db); prints its id',
    )
    .argument(
      "<matchers...>",
      "name=value, name!=value, name=~regex, name!~regex (a bare first word is the alertname)",
    )
    .option("-c, --comment <text>", "why (required)")
    .option("-a, --author <name>", "who (default: your user name)")
    .option("-d, --duration <d>", "how long, from --start (default 1h)")
    .option("--start <time>", "RFC 3339 start (default now)")
    .option("--end <time>", "RFC 3339 end (instead of --duration)")
    .option("--json", "print {silenceID} as JSON")
    .action(async (matchers: string[], o: Record<string, string | undefined>, cmd: Command) => {
      const add: Parameters<typeof runSilenceAdd>[1] = {};
      for (const k of ["comment", "author", "duration", "start", "end"] as const)
        if (o[k] !== undefined) add[k] = o[k];
      io.exit(await runSilenceAdd(matchers, add, options(cmd, jsonOf(cmd))));
    });
  silence
    .command("list")
    .alias("query")
    .description(
      "list active and pending silences (--expired: the expired ones), optionally filtered by matchers",
    )
    .argument("[matchers...]", "only silences with matching matchers")
    .option("--expired", "list expired silences instead")
    .option("-q, --quiet", "print only ids")
    .option("--json", "print the silences as JSON")
    .action(async (filters: string[], o: { expired?: boolean; quiet?: boolean }, cmd: Command) => {
      io.exit(await runSilenceList(filters, o, options(cmd, jsonOf(cmd))));
    });
  silence
    .command("expire")
    .description("expire silences now")
    .argument("<ids...>", "silence ids")
    .action(async (ids: string[], _o: unknown, cmd: Command) => {
      io.exit(await runSilenceExpire(ids, options(cmd)));
    });
  program
    .command("ack")
    .description("acknowledge an alert: repeats at its level are not sent until it changes or recovers")
    .argument("<topic>", "topic")
    .argument("<alert-id>", "alert id")
    .option("-c, --comment <text>", "comment")
    .option("--by <name>", "who (default: your user name)")
    .option("--json", "print the answer as JSON")
    .action(async (topic: string, id: string, o: { comment?: string; by?: string }, cmd: Command) => {
      io.exit(await runAck(topic, id, o, options(cmd, jsonOf(cmd))));
    });
  program
    .command("unack")
    .description("remove an alert's acknowledgement")
    .argument("<topic>", "topic")
    .argument("<alert-id>", "alert id")
    .option("--json", "print the answer as JSON")
    .action(async (topic: string, id: string, _o: unknown, cmd: Command) => {
      io.exit(await runUnack(topic, id, options(cmd, jsonOf(cmd))));
    });
  program
    .command("snooze")
    .description("silence one alert for a while (a silence on its id)")
    .argument("<topic>", "topic")
    .argument("<alert-id>", "alert id")
    .option("--for <d>", "how long, e.g. 30m")
    .option("--until <time>", "RFC 3339 end")
    .option("-c, --comment <text>", "comment")
    .option("--by <name>", "who (default: your user name)")
    .option("--json", "print the answer as JSON")
    .action(
      async (
        topic: string,
        id: string,
        o: { for?: string; until?: string; comment?: string; by?: string },
        cmd: Command,
      ) => {
        io.exit(await runSnooze(topic, id, o, options(cmd, jsonOf(cmd))));
      },
    );
  // Kapacitor's service tests (GET/POST /kapacitor/v1/service-tests).
  list
    .command("service-tests")
    .description("list the services that have a test: Service Name")
    .argument("[patterns...]", "service names or glob patterns")
    .option("--json", "print the services and their default options as JSON")
    .action(async (patterns: string[], _o: unknown, cmd: Command) => {
      io.exit(await runListServiceTests(patterns, options(cmd, jsonOf(cmd))));
    });
  program
    .command("service-tests")
    .description("test services with their default options: Service, Success, Message (exit 1 if one failed)")
    .argument("[services...]", "service names or glob patterns (default: all)")
    .option("--options <json>", "options laid over each service's defaults, as a JSON object")
    .option("--json", "print the results as JSON")
    .action(async (services: string[], o: { options?: string }, cmd: Command) => {
      io.exit(await runServiceTests(services, o, options(cmd, jsonOf(cmd))));
    });

  // Templates (/kapacitor/v1/templates).
  program
    .command("define-template")
    .description("create a template, or update it (and every task made from it)")
    .argument("<id>", "template id")
    .option("--tick <file>", "TICKscript file")
    .option("--type <type>", "task type: stream or batch (default: from the script)")
    .action(async (id: string, o: { tick?: string; type?: string }, cmd: Command) => {
      io.exit(await runDefineTemplate(id, o, options(cmd)));
    });
  list
    .command("templates")
    .description("list templates: ID, Type, Vars")
    .argument("[patterns...]", "template ids or glob patterns")
    .option("--json", "print the templates as JSON")
    .action(async (patterns: string[], _o: unknown, cmd: Command) => {
      io.exit(await runListTemplates(patterns, options(cmd, jsonOf(cmd))));
    });
  program
    .command("show-template")
    .description("show a template: type, TICKscript, vars and DOT")
    .argument("<id>", "template id")
    .option("--json", "print the template JSON")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      io.exit(await runShowTemplate(id, options(cmd, jsonOf(cmd))));
    });
  del
    .command("templates")
    .description("delete templates (ids or globs)")
    .argument("<ids...>", "template ids or glob patterns")
    .action(async (ids: string[], _o: unknown, cmd: Command) => {
      io.exit(await runDeleteTemplates(ids, options(cmd)));
    });

  // On-call history (src/oncall/history.ts).
  program
    .command("history")
    .description("alert state changes and delivery attempts, newest first")
    .option("--id <alert-id>", "only this alert id")
    .option("--topic <topic>", "only this topic")
    .option("--task <task>", "only alerts of this task")
    .option("--type <type>", "only state, delivery or note entries")
    .option("--since <time>", "RFC 3339 time, or a duration ago such as 2h")
    .option("--until <time>", "RFC 3339 time, or a duration ago")
    .option("--limit <n>", "at most n entries (default 100)")
    .option("--json", "print the entries as JSON")
    .action(async (o: HistoryOptions, cmd: Command) => {
      io.exit(await runHistory(o, options(cmd, jsonOf(cmd))));
    });

  // Every client command registered here takes tickd's address after it as well (Kapacitor's
  // `tickctl enable cpu -url …`).
  for (const cmd of allCommands(program)) {
    if (!before.has(cmd)) cmd.option("--url <url>", URL_HELP);
  }
}

/**
 * Kapacitor's observability commands: stats, vars, level, logs, watch, backup, reload,
 * show-topic-handler (src/cli/client/observe.ts).
 */
function registerObserveCommands(
  program: Command,
  options: (cmd: Command, json?: boolean) => ClientOptions,
  io: ClientIo,
): void {
  const jsonOf = (cmd: Command): boolean => cmd.opts<{ json?: boolean }>().json === true;
  program
    .command("stats")
    .description("print tickd's statistics: general (summary) or ingress (points per db, rp, measurement)")
    .argument("<category>", "general or ingress")
    .action(async (category: string, _o: unknown, cmd: Command) => {
      io.exit(await runStats(category, options(cmd)));
    });
  program
    .command("vars")
    .description("print the debug vars (/kapacitor/v1/debug/vars) as JSON")
    .action(async (_o: unknown, cmd: Command) => {
      io.exit(await runVars(options(cmd)));
    });
  program
    .command("level")
    .description("set the daemon's log level at run time")
    .argument("<level>", "debug, info, warn or error")
    .action(async (level: string, _o: unknown, cmd: Command) => {
      io.exit(await runLevel(level, options(cmd)));
    });
  const logCount = (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--count must be a positive integer, got ${JSON.stringify(v)}`);
    return n;
  };
  program
    .command("logs")
    .description("follow the daemon's log lines that match every key=value (lvl=warn+ for warn and above)")
    .argument("[filters...]", "key=value pairs: service=…, task=…, lvl=…")
    .option("--count <n>", "stop after n lines", logCount)
    .action(async (filters: string[], o: { count?: number }, cmd: Command) => {
      const base = options(cmd);
      io.exit(await runLogsSafely(base, filters, {}, o.count));
    });
  program
    .command("watch")
    .description(
      "follow a task's log lines (from its |log() nodes and errors), optionally filtered by key=value",
    )
    .argument("<task>", "task id")
    .argument("[filters...]", "key=value pairs, e.g. node=log5")
    .option("--count <n>", "stop after n lines", logCount)
    .action(async (task: string, filters: string[], o: { count?: number }, cmd: Command) => {
      io.exit(await runLogsSafely(options(cmd), filters, { task }, o.count));
    });
  program
    .command("backup")
    .description(
      "write a consistent snapshot of tickd's SQLite state to a file (restore: stop tickd, replace tickd.db)",
    )
    .argument("<file>", "output file")
    .action(async (file: string, _o: unknown, cmd: Command) => {
      io.exit(await runBackup(file, options(cmd)));
    });
  program
    .command("reload")
    .description("disable then enable tasks (ids or globs)")
    .argument("<ids...>", "task ids or glob patterns")
    .action(async (ids: string[], _o: unknown, cmd: Command) => {
      io.exit(await runReload(ids, options(cmd)));
    });
  program
    .command("show-topic-handler")
    .description("show one topic handler: ID, Topic, Kind, Match, Options")
    .argument("<topic>", "topic id")
    .argument("<id>", "handler id")
    .option("--json", "print the handler JSON")
    .action(async (topic: string, id: string, _o: unknown, cmd: Command) => {
      io.exit(await runShowTopicHandler(topic, id, options(cmd, jsonOf(cmd))));
    });
}

/** Kapacitor's recordings and replays (src/cli/client/recordings.ts). */
function registerReplayCommands(
  program: Command,
  list: Command,
  del: Command,
  options: (cmd: Command, json?: boolean) => ClientOptions,
  io: ClientIo,
): void {
  const jsonOf = (cmd: Command): boolean => cmd.opts<{ json?: boolean }>().json === true;
  const record = program
    .command("record")
    .description("record a task's live stream, a batch task's queries or one query, for replays");
  record
    .command("stream")
    .description("record the points written for a stream task's dbrps for a while; prints the recording id")
    .requiredOption("--task <id>", "the task whose databases and retention policies are recorded")
    .requiredOption("--duration <d>", "how long to record, e.g. 1m")
    .option("--recording-id <id>", "the recording's id (default: a random UUID)")
    .option("--no-wait", "return at once instead of waiting for the recording to finish")
    .action(
      async (o: { task: string; duration: string; recordingId?: string; wait: boolean }, cmd: Command) => {
        io.exit(
          await runRecordStream(
            {
              task: o.task,
              duration: o.duration,
              noWait: !o.wait,
              ...(o.recordingId !== undefined ? { recordingId: o.recordingId } : {}),
            },
            options(cmd),
          ),
        );
      },
    );
  record
    .command("batch")
    .description("record what a batch task's queries return over a past time range; prints the recording id")
    .requiredOption("--task <id>", "the batch task whose queries are run")
    .option("--start <time>", "start of the range (RFC3339)")
    .option("--stop <time>", "end of the range (RFC3339, default now)")
    .option("--past <d>", "the range is this long up to now, e.g. 1h (instead of --start/--stop)")
    .option("--cluster <name>", "the [[influxdb]] section to query (default: the default one)")
    .option("--recording-id <id>", "the recording's id (default: a random UUID)")
    .option("--no-wait", "return at once instead of waiting for the recording to finish")
    .action(
      async (
        o: {
          task: string;
          start?: string;
          stop?: string;
          past?: string;
          cluster?: string;
          recordingId?: string;
          wait: boolean;
        },
        cmd: Command,
      ) => {
        io.exit(
          await runRecordBatch(
            {
              task: o.task,
              noWait: !o.wait,
              ...(o.start !== undefined ? { start: o.start } : {}),
              ...(o.stop !== undefined ? { stop: o.stop } : {}),
              ...(o.past !== undefined ? { past: o.past } : {}),
              ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
              ...(o.recordingId !== undefined ? { recordingId: o.recordingId } : {}),
            },
            options(cmd),
          ),
        );
      },
    );
  record
    .command("query")
    .description(
      "record what one InfluxQL query returns, as a stream or a batch recording; prints the recording id",
    )
    .requiredOption("--query <influxql>", 'the query; a stream recording needs FROM "db"."rp"."measurement"')
    .requiredOption("--type <type>", "stream or batch: the kind of task it will be replayed to")
    .option("--cluster <name>", "the [[influxdb]] section to query (default: the default one)")
    .option("--recording-id <id>", "the recording's id (default: a random UUID)")
    .option("--no-wait", "return at once instead of waiting for the recording to finish")
    .action(
      async (
        o: { query: string; type: string; cluster?: string; recordingId?: string; wait: boolean },
        cmd: Command,
      ) => {
        io.exit(
          await runRecordQuery(
            {
              query: o.query,
              type: o.type,
              noWait: !o.wait,
              ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
              ...(o.recordingId !== undefined ? { recordingId: o.recordingId } : {}),
            },
            options(cmd),
          ),
        );
      },
    );
  program
    .command("replay")
    .description(
      "replay a recording through a fresh instance of a task (alerts are sent); prints the replay id",
    )
    .requiredOption("--task <id>", "task to replay into")
    .requiredOption("--recording <id>", "recording to replay")
    .option("--real-clock", "wait out the time between points instead of replaying as fast as possible")
    .option("--rec-time", "keep the recorded times instead of shifting them to now")
    .option("--replay-id <id>", "the replay's id (default: a random UUID)")
    .option("--no-wait", "return at once instead of waiting for the replay to finish")
    .action(
      async (
        o: {
          task: string;
          recording: string;
          realClock?: boolean;
          recTime?: boolean;
          replayId?: string;
          wait: boolean;
        },
        cmd: Command,
      ) => {
        io.exit(
          await runReplay(
            {
              task: o.task,
              recording: o.recording,
              realClock: o.realClock === true,
              recTime: o.recTime === true,
              noWait: !o.wait,
              ...(o.replayId !== undefined ? { replayId: o.replayId } : {}),
            },
            options(cmd),
          ),
        );
      },
    );
  list
    .command("recordings")
    .description("list recordings: ID, Type, Status, Size, Date")
    .argument("[patterns...]", "recording ids or glob patterns")
    .option("--json", "print the recordings as JSON")
    .action(async (patterns: string[], _o: unknown, cmd: Command) => {
      io.exit(await runListRecordings(patterns, options(cmd, jsonOf(cmd))));
    });
  list
    .command("replays")
    .description("list replays: ID, Task, Recording, Status, Clock, Date")
    .argument("[patterns...]", "replay ids or glob patterns")
    .option("--json", "print the replays as JSON")
    .action(async (patterns: string[], _o: unknown, cmd: Command) => {
      io.exit(await runListReplays(patterns, options(cmd, jsonOf(cmd))));
    });
  for (const kind of ["recordings", "replays"] as const) {
    del
      .command(kind)
      .description(`delete ${kind} (ids or globs)`)
      .argument("<ids...>", `${kind.slice(0, -1)} ids or glob patterns`)
      .action(async (ids: string[], _o: unknown, cmd: Command) => {
        io.exit(await runDeleteRuns(kind, ids, options(cmd)));
      });
  }
}

/** Builds the filters (a usage error prints like any client error) and follows the logs. */
async function runLogsSafely(
  opts: ClientOptions,
  pairs: readonly string[],
  fixed: Record<string, string>,
  count: number | undefined,
): Promise<number> {
  let filters: Record<string, string>;
  try {
    filters = { ...parseLogFilters(pairs), ...fixed };
  } catch (e) {
    opts.err(`tickctl: ${(e as Error).message}\n`);
    return 1;
  }
  return runLogs(filters, { ...opts, ...(count !== undefined ? { count } : {}) });
}

function ancestors(cmd: Command): Command[] {
  return cmd.parent === null ? [] : [cmd.parent, ...ancestors(cmd.parent)];
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
