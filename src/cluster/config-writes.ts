/**
 * The API's writes in cluster mode: the same services the routes use in single-node mode,
 * with every change sent through the config topic ({@link ConfigSync.write}) instead of
 * being applied on the spot. Each write is checked first by the service's own `plan…` method
 * (a bad TICKscript or silence is answered 400 here, before anything reaches Kafka); the
 * answer is built from the local state once this instance has applied the record, so a read
 * right after a write sees it. Kafka unreachable → 503 with the reason.
 *
 * Reads go straight to the local services: SQLite is the cache the topic keeps current.
 */
import type { TopicHandlerSpec } from "../alert/handler.js";
import type { TopicApi, TopicHandlerInfo } from "../alert/topic-api.js";
import type { TopicService } from "../alert/topic-service.js";
import type { ConnectorService, ConnectorView, ConnectorWrites } from "../connectors/service.js";
import { TickdError } from "../core/errors.js";
import type { Ack, OnCallService, OnCallWrites } from "../oncall/service.js";
import type { Silence } from "../oncall/silences.js";
import { HttpError } from "../server/http/request-context.js";
import type { TaskManager } from "../server/task-manager.js";
import type { TaskInput, TaskService, TaskView } from "../server/task-service.js";
import type {
  TemplateApi,
  TemplateInput,
  TemplateService,
  TemplateView,
} from "../server/template-service.js";
import type { TaskRecord } from "../store/tasks.js";
import type { ConfigChange } from "./config-record.js";
import { CLUSTER_UNAVAILABLE } from "./config-sync.js";

/** What the facades need of ConfigSync. */
export interface ConfigWriter {
  write(plan: () => ConfigChange[]): Promise<void>;
}

/** Runs a write; E_CLUSTER_UNAVAILABLE becomes the HTTP 503 every route answers with. */
async function commit(w: ConfigWriter, plan: () => ConfigChange[]): Promise<void> {
  try {
    await w.write(plan);
  } catch (e) {
    if (e instanceof TickdError && e.code === CLUSTER_UNAVAILABLE) throw new HttpError(503, e.message);
    throw e;
  }
}

function taskChange(r: TaskRecord): ConfigChange {
  const { error: _error, ...def } = r;
  return { kind: "task", id: r.id, value: def };
}

export function clusterTaskService(tasks: TaskManager, w: ConfigWriter): TaskService {
  return {
    get: (id) => tasks.get(id),
    list: (opts) => tasks.list(opts),
    httpOut: (id, name) => tasks.httpOut(id, name),
    write: (db, rp, points) => tasks.write(db, rp, points),
    fieldFilter: (db, rp) => tasks.fieldFilter(db, rp),
    async define(input: TaskInput): Promise<TaskView> {
      let id = "";
      await commit(w, () => {
        const r = tasks.planDefine(input);
        id = r.id;
        return [taskChange(r)];
      });
      return viewOf(tasks, id);
    },
    async update(id: string, patch: TaskInput): Promise<TaskView> {
      let newId = id;
      await commit(w, () => {
        const { record, renamedFrom } = tasks.planUpdate(id, patch);
        newId = record.id;
        // A rename is the old id deleted and the new one defined, in one produce request.
        return renamedFrom === undefined
          ? [taskChange(record)]
          : [{ kind: "task", id: renamedFrom, value: null }, taskChange(record)];
      });
      return viewOf(tasks, newId);
    },
    async delete(id: string): Promise<void> {
      await commit(w, () => (tasks.get(id) === undefined ? [] : [{ kind: "task", id, value: null }]));
    },
  };
}

function viewOf(tasks: TaskManager, id: string): TaskView {
  const v = tasks.get(id);
  // Only a later record (another instance deleting it at once) can take it away again.
  if (v === undefined) throw new HttpError(409, `task ${id} was deleted by another change meanwhile`);
  return v;
}

export function clusterTopicApi(topics: TopicService, w: ConfigWriter): TopicApi {
  const handlerChange = (s: TopicHandlerSpec): ConfigChange => ({
    kind: "handler",
    topic: s.topic,
    id: s.id,
    value: { topic: s.topic, id: s.id, kind: s.kind, options: s.options, match: s.match ?? "" },
  });
  const got = (topic: string, id: string): TopicHandlerInfo => {
    const h = topics.getHandler(topic, id);
    if (h === undefined) throw new HttpError(409, `handler ${id} was deleted by another change meanwhile`);
    return h;
  };
  return {
    listTopics: (pattern, minLevel) => topics.listTopics(pattern, minLevel),
    getTopic: (id) => topics.getTopic(id),
    deleteTopic: (id) => topics.deleteTopic(id),
    topicEvents: (topic, minLevel) => topics.topicEvents(topic, minLevel),
    topicEvent: (topic, eventId) => topics.topicEvent(topic, eventId),
    listHandlers: (topic, pattern) => topics.listHandlers(topic, pattern),
    getHandler: (topic, id) => topics.getHandler(topic, id),
    async createHandler(spec) {
      let s = spec;
      await commit(w, () => {
        s = topics.planHandler(spec);
        return [handlerChange(s)];
      });
      return got(s.topic, s.id);
    },
    async replaceHandler(topic, id, spec) {
      let s = spec;
      await commit(w, () => {
        s = topics.planHandler(spec, { topic, id });
        return s.id === id
          ? [handlerChange(s)]
          : [{ kind: "handler", topic, id, value: null }, handlerChange(s)];
      });
      return got(s.topic, s.id);
    },
    async deleteHandler(topic, id) {
      let existed = false;
      await commit(w, () => {
        existed = topics.getHandler(topic, id) !== undefined;
        return existed ? [{ kind: "handler", topic, id, value: null }] : [];
      });
      return existed;
    },
  };
}

export function clusterTemplateApi(templates: TemplateService, w: ConfigWriter): TemplateApi {
  const got = (id: string): TemplateView => {
    const t = templates.get(id);
    if (t === undefined) throw new HttpError(409, `template ${id} was deleted by another change meanwhile`);
    return templates.view(t);
  };
  return {
    get: (id) => templates.get(id),
    view: (t) => templates.view(t),
    list: (opts) => templates.list(opts),
    async define(input: TemplateInput) {
      let id = "";
      await commit(w, () => {
        const rec = templates.planDefine(input);
        id = rec.id;
        return [{ kind: "template", id, value: rec }];
      });
      return got(id);
    },
    async update(id: string, patch: TemplateInput) {
      let newId = id;
      await commit(w, () => {
        const plan = templates.planUpdate(id, patch);
        newId = plan.template.id;
        return [
          // The new template first: a task record naming it then finds it on every instance.
          { kind: "template", id: newId, value: plan.template },
          ...plan.tasks.map(taskChange),
          ...(plan.renamedFrom !== undefined
            ? [{ kind: "template", id: plan.renamedFrom, value: null } as const]
            : []),
        ];
      });
      return got(newId);
    },
    async delete(id: string) {
      await commit(w, () => (templates.get(id) === undefined ? [] : [{ kind: "template", id, value: null }]));
    },
  };
}

export function clusterOnCallWrites(oncall: OnCallService, w: ConfigWriter): OnCallWrites {
  const silenceChanges = (ss: readonly Silence[]): ConfigChange[] =>
    ss.map((s) => ({ kind: "silence", id: s.id, value: s }));
  return {
    async setSilence(p) {
      let id = "";
      await commit(w, () => {
        const planned = oncall.silences.plan(p);
        id = planned[planned.length - 1]!.id;
        return silenceChanges(planned);
      });
      return id;
    },
    async expireSilence(id) {
      await commit(w, () => {
        const s = oncall.silences.planExpire(id);
        return s === undefined ? [] : silenceChanges([s]);
      });
    },
    async acknowledge(topic, alertId, by, comment) {
      let ack: Ack | undefined;
      await commit(w, () => {
        ack = oncall.planAck(topic, alertId, by, comment);
        return [{ kind: "ack", topic, alertId, value: ack }];
      });
      // Only the instance that took the ack tells the handlers, so they hear it once.
      oncall.notifyAcknowledged(topic, alertId, by);
      return ack!;
    },
    async unacknowledge(topic, alertId) {
      await commit(w, () => {
        oncall.planUnack(topic, alertId);
        return [{ kind: "ack", topic, alertId, value: null }];
      });
    },
    async snooze(topic, alertId, endsAt, by, comment) {
      let id = "";
      await commit(w, () => {
        const planned = oncall.planSnooze(topic, alertId, endsAt, by, comment);
        id = planned[planned.length - 1]!.id;
        return silenceChanges(planned);
      });
      oncall.notifySnoozed(topic, alertId, endsAt, by);
      const s = oncall.silences.get(id);
      if (s === undefined) throw new HttpError(409, `snooze ${id} was removed by another change meanwhile`);
      return s;
    },
  };
}

/** Connector writes through the topic; the record carries the secrets sealed, never in clear. */
export function clusterConnectorWrites(connectors: ConnectorService, w: ConfigWriter): ConnectorWrites {
  const got = (id: string): ConnectorView => {
    const v = connectors.viewOf(id);
    if (v === undefined) throw new HttpError(409, `connector ${id} was deleted by another change meanwhile`);
    return v;
  };
  return {
    async create(id, body) {
      let cid = "";
      await commit(w, () => {
        const c = connectors.planCreate(id, body);
        cid = c.id;
        return [{ kind: "connector", id: c.id, value: c }];
      });
      return got(cid);
    },
    async update(id, body) {
      await commit(w, () => [{ kind: "connector", id, value: connectors.planUpdate(id, body) }]);
      return got(id);
    },
    async delete(id) {
      await commit(w, () => {
        connectors.get(id); // Kibana's 404 when there is none; nothing is sent
        return [{ kind: "connector", id, value: null }];
      });
    },
  };
}
