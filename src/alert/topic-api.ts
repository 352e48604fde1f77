/**
 * What the HTTP API and tickctl need from the topic service (pinned: src/server builds the
 * Kapacitor JSON shapes of KAPACITOR-COMPAT.md §5 from these plain values).
 */
import type { AlertEventState } from "../core/alert-event.js";
import type { Level } from "../core/types.js";
import type { TopicHandlerSpec } from "./handler.js";

export interface TopicSummary {
  id: string;
  /** The highest stored level (OK when none). */
  level: Level;
  /** Events collected since start. */
  collected: number;
}

/** Where a handler came from, for listings and reloads. */
export type HandlerSource = { type: "file"; path: string } | { type: "api" };

export interface TopicHandlerInfo extends TopicHandlerSpec {
  source: HandlerSource;
}

export interface HandlerDirReport {
  loaded: TopicHandlerInfo[];
  /** Files that could not be loaded: `file:line: reason`; everything else still loaded. */
  errors: string[];
  /** Handlers from files that disappeared or changed, on reload. */
  removed: string[];
}

export interface TopicApi {
  /** Sorted by id. `pattern` is a filepath.Match glob; `minLevel` filters on the topic level. */
  listTopics(pattern?: string, minLevel?: Level): TopicSummary[];
  getTopic(id: string): TopicSummary | undefined;
  /** Deletes the topic's state (stored events); false when unknown. */
  deleteTopic(id: string): boolean;
  /** undefined for an unknown topic. Events with level >= minLevel. */
  topicEvents(topic: string, minLevel?: Level): AlertEventState[] | undefined;
  topicEvent(topic: string, eventId: string): AlertEventState | undefined;

  /** Sorted by id, API and file handlers alike; TICKscript (anonymous) handlers are never listed. */
  listHandlers(topic: string, pattern?: string): TopicHandlerInfo[];
  getHandler(topic: string, id: string): TopicHandlerInfo | undefined;
  /**
   * Creates a handler (and its topic). Throws TickdError: E_HANDLER_SPEC (400: invalid id,
   * topic or empty kind — message "invalid handler spec: …"), E_HANDLER_KIND (500
   * `failed to create handler: unsupported action kind "x"`), E_HANDLER_EXISTS (500
   * "handler "x" already exists"), E_HANDLER_OPTIONS (400, names the option).
   */
  createHandler(spec: TopicHandlerSpec): TopicHandlerInfo | Promise<TopicHandlerInfo>;
  /** Replaces handler `id` (the new spec's id may differ). Throws as createHandler, or E_HANDLER_UNKNOWN. */
  replaceHandler(
    topic: string,
    id: string,
    spec: TopicHandlerSpec,
  ): TopicHandlerInfo | Promise<TopicHandlerInfo>;
  /** false when unknown. Cluster mode answers a promise (src/cluster/config-writes.ts). */
  deleteHandler(topic: string, id: string): boolean | Promise<boolean>;
}
