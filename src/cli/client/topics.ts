/**
 * Topic and topic-handler commands of tickctl, against /kapacitor/v1/alerts/topics
 * (KAPACITOR-COMPAT.md §5): list topics, list topic-handlers, show-topic, delete topics,
 * delete topic-handlers, define-topic-handler.
 */
import { extname } from "node:path";
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { coerceError } from "../../core/errors.js";
import { goMap } from "../../core/go-format.js";
import { goJson } from "../../core/go-json.js";
import {
  UnreachableError,
  UsageError,
  isGlob,
  printJson,
  runClient,
  seg,
  type ApiClient,
  type ClientOptions,
} from "./api.js";
import { columnWidth, formatRfc822, padLeft, padRight, println } from "./format.js";
import { readErrorReason } from "../read-error.js";

const TOPICS = "/kapacitor/v1/alerts/topics";

interface Topic {
  id: string;
  level?: string;
  collected?: number;
}

interface TopicEvent {
  id: string;
  state?: { message?: string; details?: string; time?: string; duration?: string; level?: string };
}

interface TopicHandler {
  id: string;
  kind?: string;
  options?: Record<string, unknown>;
  match?: string;
}

function topicPath(topic: string): string {
  return `${TOPICS}/${seg(topic)}`;
}

function withPattern(path: string, pattern: string): string {
  return pattern === "" ? path : `${path}?${new URLSearchParams({ pattern }).toString()}`;
}

async function listTopics(api: ApiClient, pattern: string): Promise<Topic[]> {
  const res = await api.get(withPattern(TOPICS, pattern));
  return (res.body as { topics?: Topic[] } | undefined)?.topics ?? [];
}

async function listHandlers(api: ApiClient, topic: string, pattern: string): Promise<TopicHandler[]> {
  const res = await api.get(withPattern(`${topicPath(topic)}/handlers`, pattern));
  return (res.body as { handlers?: TopicHandler[] } | undefined)?.handlers ?? [];
}

/**
 * `tickctl list topics [pattern…]`: ID, Level, Collected (right-aligned), sorted by id as the
 * server returns them; `--json` prints `{"topics": [Topic…]}`.
 */
export function runListTopics(patterns: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const topics: Topic[] = [];
    for (const pattern of patterns.length > 0 ? patterns : [""])
      topics.push(...(await listTopics(api, pattern)));
    if (opts.json) {
      printJson(opts, { topics });
      return 0;
    }
    const idWidth = columnWidth(
      topics.map((t) => t.id),
      2,
    );
    const levelWidth = columnWidth(
      topics.map((t) => t.level ?? ""),
      8,
    );
    const row = (id: string, level: string, collected: string): string =>
      `${padRight(id, idWidth)}${padRight(level, levelWidth)}${padLeft(collected, 10)}\n`;
    let text = row("ID", "Level", "Collected");
    for (const t of topics) text += row(t.id, t.level ?? "", String(t.collected ?? 0));
    opts.out(text);
    return 0;
  });
}

/**
 * `tickctl list topic-handlers [topic-pattern] [pattern…]`: Topic, ID, Kind for every handler
 * of every matching topic; `--json` prints `{"handlers": [{"topic", …TopicHandler}…]}`.
 */
export function runListTopicHandlers(
  topicPattern: string | undefined,
  patterns: readonly string[],
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    const rows: (TopicHandler & { topic: string })[] = [];
    for (const topic of await listTopics(api, topicPattern ?? "")) {
      for (const pattern of patterns.length > 0 ? patterns : [""]) {
        for (const h of await listHandlers(api, topic.id, pattern)) rows.push({ topic: topic.id, ...h });
      }
    }
    if (opts.json) {
      printJson(opts, { handlers: rows });
      return 0;
    }
    const topicWidth = columnWidth(
      rows.map((h) => h.topic),
      10,
    );
    const idWidth = columnWidth(
      rows.map((h) => h.id),
      10,
    );
    const kindWidth = columnWidth(
      rows.map((h) => h.kind ?? ""),
      10,
    );
    const row = (topic: string, id: string, kind: string): string =>
      `${padRight(topic, topicWidth)}${padRight(id, idWidth)}${padRight(kind, kindWidth)}\n`;
    let text = row("Topic", "ID", "Kind");
    for (const h of rows) text += row(h.topic, h.id, h.kind ?? "");
    opts.out(text);
    return 0;
  });
}

function eventTime(e: TopicEvent): number {
  const t = Date.parse(e.state?.time ?? "");
  return Number.isNaN(t) ? 0 : t;
}

/**
 * `tickctl show-topic <topic>`: the topic, its handler ids and its events (oldest first) as
 * `kapacitor show-topic` prints them; `--json` prints `{"topic", "events", "handlers"}`.
 */
/**
 * `tickctl show-topic-handler <topic> <id>`: Kapacitor's five lines (ID, Topic, Kind, Match,
 * Options as compact JSON with sorted keys); secrets arrive already redacted.
 */
export function runShowTopicHandler(topic: string, id: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const h = (await api.get(`${topicPath(topic)}/handlers/${seg(id)}`)).body as TopicHandler;
    if (opts.json) {
      printJson(opts, h);
      return 0;
    }
    opts.out(
      println("ID:", h.id) +
        println("Topic:", topic) +
        println("Kind:", h.kind ?? "") +
        println("Match:", h.match ?? "") +
        println("Options:", goJson(goMap(h.options ?? {}))),
    );
    return 0;
  });
}

export function runShowTopic(topic: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const t = (await api.get(topicPath(topic))).body as Topic;
    const eventsBody = (await api.get(`${topicPath(topic)}/events`)).body as
      { events?: TopicEvent[] } | undefined;
    const events = [...(eventsBody?.events ?? [])].sort((a, b) => eventTime(a) - eventTime(b));
    const handlers = await listHandlers(api, topic, "");
    if (opts.json) {
      printJson(opts, { topic: t, events, handlers });
      return 0;
    }
    const eventWidth = columnWidth(
      events.map((e) => e.id),
      5,
    );
    const messageWidth = columnWidth(
      events.map((e) => e.state?.message ?? ""),
      7,
    );
    const row = (id: string, level: string, message: string, date: string): string =>
      `${padRight(id, eventWidth)}${padRight(level, 9)}${padRight(message, messageWidth)}${padRight(date, 23)}\n`;
    let text =
      println("ID:", t.id) +
      println("Level:", t.level ?? "") +
      println("Collected:", t.collected ?? 0) +
      `Handlers: [${handlers.map((h) => h.id).join(", ")}]\n` +
      "Events:\n" +
      row("Event", "Level", "Message", "Date");
    for (const e of events) {
      text += row(e.id, e.state?.level ?? "", e.state?.message ?? "", formatRfc822(e.state?.time));
    }
    opts.out(text);
    return 0;
  });
}

/** Runs `action` per item, reporting failures and carrying on; an unreachable server stops all. */
async function each(
  opts: ClientOptions,
  items: readonly string[],
  describe: (item: string) => string,
  action: (item: string) => Promise<void>,
): Promise<number> {
  let code = 0;
  for (const item of items) {
    try {
      await action(item);
    } catch (e) {
      if (e instanceof UnreachableError) throw e;
      opts.err(`tickctl: ${describe(item)}: ${coerceError(e).message}\n`);
      code = 1;
    }
  }
  return code;
}

/**
 * `tickctl delete topics <id|glob>…`: deletes each topic's state. Globs expand through the
 * topic list; deleting a topic that does not exist is not an error, as in Kapacitor.
 */
export function runDeleteTopics(ids: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const topics: string[] = [];
    for (const id of ids) {
      if (isGlob(id)) topics.push(...(await listTopics(api, id)).map((t) => t.id));
      else topics.push(id);
    }
    return each(
      opts,
      topics,
      (t) => `deleting topic ${t}`,
      async (t) => {
        await api.request("DELETE", topicPath(t), undefined, [404]);
      },
    );
  });
}

/** `tickctl delete topic-handlers <topic> <id|glob>…`: deletes handlers of one topic. */
export function runDeleteTopicHandlers(
  topic: string,
  ids: readonly string[],
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    const handlers: string[] = [];
    for (const id of ids) {
      if (isGlob(id)) handlers.push(...(await listHandlers(api, topic, id)).map((h) => h.id));
      else handlers.push(id);
    }
    return each(
      opts,
      handlers,
      (h) => `deleting handler ${h} of topic ${topic}`,
      async (h) => {
        await api.request("DELETE", `${topicPath(topic)}/handlers/${seg(h)}`, undefined, [404]);
      },
    );
  });
}

/** The body of POST/PUT …/handlers: Kapacitor's TopicHandlerOptions, in its key order. */
export interface HandlerFile {
  topic: string;
  id: string;
  kind: string;
  options: Record<string, unknown>;
  match: string;
}

/**
 * Reads a handler file (`.yaml`, `.yml` or `.json`: topic, id, kind, options, match). YAML is
 * read as YAML 1.1, like Kapacitor's Go decoder, so `mode: 0644` becomes 420.
 */
export async function readHandlerFile(file: string): Promise<HandlerFile> {
  const ext = extname(file).toLowerCase();
  if (ext !== ".yaml" && ext !== ".yml" && ext !== ".json") {
    throw new UsageError(`${file}: a handler file must end in .yaml, .yml or .json`);
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const reason = readErrorReason(e);
    throw new UsageError(`cannot read handler file ${file}: ${reason}`);
  }
  let doc: unknown;
  try {
    doc = ext === ".json" ? JSON.parse(text) : parseYaml(text, { version: "1.1" });
  } catch (e) {
    const format = ext === ".json" ? "JSON" : "YAML";
    throw new UsageError(`${file}: invalid ${format}: ${coerceError(e).message.split("\n")[0] ?? ""}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new UsageError(`${file}: expected a map with topic, id, kind, options and match`);
  }
  const d = doc as Record<string, unknown>;
  const str = (key: string, required: boolean): string => {
    const v = d[key];
    if (v === undefined || v === null) {
      if (required) throw new UsageError(`${file}: "${key}" is required`);
      return "";
    }
    if (typeof v !== "string") throw new UsageError(`${file}: "${key}" must be a string`);
    if (required && v === "") throw new UsageError(`${file}: "${key}" is required`);
    return v;
  };
  const options = d["options"] ?? {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new UsageError(`${file}: "options" must be a map`);
  }
  return {
    topic: str("topic", true),
    id: str("id", true),
    kind: str("kind", false),
    options: options as Record<string, unknown>,
    match: str("match", false),
  };
}

/**
 * `tickctl define-topic-handler <file>`, Kapacitor's steps exactly: GET the handler; if it is
 * missing POST it to the topic's handlers, otherwise PUT it in place.
 */
export function runDefineTopicHandler(file: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const spec = await readHandlerFile(file);
    const handlers = `${topicPath(spec.topic)}/handlers`;
    const path = `${handlers}/${seg(spec.id)}`;
    const existing = await api.get(path, [404]);
    if (existing.status === 404) await api.request("POST", handlers, spec);
    else await api.request("PUT", path, spec);
    return 0;
  });
}
