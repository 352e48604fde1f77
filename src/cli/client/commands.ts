/**
 * Registers the daemon client commands (DESIGN.md §5) on tickctl's commander program. Kapacitor's
 * single-dash spellings (`-url`, `-tick`, `-dbrp`, `-type`, `-vars`, `-no-reload`) reach these
 * options through normalizeGoFlags in tickctl.ts.
 */
import type { Command } from "commander";
import { resolveUrl, type ClientOptions } from "./api.js";
import { runDeleteDelivery, runListDeliveries, runRetryDelivery } from "./deliveries.js";
import { runHistory, type HistoryOptions } from "./history.js";
import { runAck, runSilenceAdd, runSilenceExpire, runSilenceList, runSnooze, runUnack } from "./oncall.js";
import {
  runDefine,
  runDeleteTasks,
  runDisable,
  runEnable,
  runListTasks,
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
    .option("--no-reload", "do not restart an enabled task with the new definition")
    .action(
      async (
        id: string,
        o: { tick?: string; type?: string; dbrp: string[]; vars?: string; reload: boolean },
        cmd: Command,
      ) => {
        const def: DefineOptions = { dbrps: o.dbrp, noReload: !o.reload };
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

function ancestors(cmd: Command): Command[] {
  return cmd.parent === null ? [] : [cmd.parent, ...ancestors(cmd.parent)];
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
