/**
 * Alertmanager API v2 subset at `/api/v2/` (DESIGN §5 "On-call API"), so `amtool
 * --alertmanager.url=http://127.0.0.1:9092` and a Prometheus pointed at tickd work unchanged:
 * `GET status`, `GET receivers`, `GET|POST alerts`, `GET alerts/groups`, `GET|POST silences`,
 * `GET|DELETE silence/{id}`. Shapes as Alertmanager's openapi.yaml; errors are a JSON string
 * (400 bad request, 404 unknown silence), as Alertmanager answers them.
 *
 * Posted alerts become topic events in the topic named by their `topic` label, else
 * `[alertmanager-api] topic`; `endsAt` in the past resolves them. They are mapped as the
 * Alertmanager webhook integration maps its alerts (event id `alertname{k="v",…}`).
 */
import type { AlertEventState } from "../../core/alert-event.js";
import type { CollectFn } from "../../handlers/types.js";
import { IntegrationError, mapAlertmanager } from "../../integrations/index.js";
import {
  gettableAlert,
  gettableSilence,
  MatcherError,
  parseMatchers,
  parseTime,
  silenceMatchesFilter,
  SilenceError,
  sortSilences,
  compileMatcher,
  matchAll,
  type Matcher,
  type OnCallService,
} from "../../oncall/index.js";
import { decodeSegment, HttpError, type RequestContext } from "./request-context.js";
import type { ExtraRoute, HttpLogger } from "./types.js";

export interface AlertmanagerApiDeps {
  oncall: OnCallService;
  collect: CollectFn;
  /** `[alertmanager-api] topic`: where posted alerts without a `topic` label go. */
  topic: () => string;
  state?: (topic: string, eventId: string) => AlertEventState | undefined;
  version: string;
  logger: HttpLogger;
  /** Unix ms the daemon started. */
  started: number;
  now?: () => number;
}

const TOPIC_NAME = /^[-:._\p{L}0-9]+$/u;
const PREFIX = "/api/v2/";

function bad(message: string): never {
  throw new HttpError(400, message);
}

function boolParam(ctx: RequestContext, name: string): boolean {
  const v = ctx.query.get(name);
  if (v === null || v === "") return true;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  return bad(`${name}: expected true or false, got ${JSON.stringify(v)}`);
}

function filterParam(ctx: RequestContext): Matcher[] {
  const out: Matcher[] = [];
  for (const f of ctx.query.getAll("filter")) {
    if (f.trim() === "") continue;
    try {
      out.push(...parseMatchers(f));
    } catch (e) {
      bad(e instanceof MatcherError ? `bad matcher format: ${e.message}` : String(e));
    }
  }
  return out;
}

function setTime(v: unknown): number {
  const t = parseTime(v);
  return t > 0 ? t : NaN;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function createAlertmanagerRoutes(deps: AlertmanagerApiDeps): ExtraRoute[] {
  const now = deps.now ?? Date.now;
  const { oncall } = deps;

  const alertsFiltered = (ctx: RequestContext) => {
    const active = boolParam(ctx, "active");
    const silenced = boolParam(ctx, "silenced");
    boolParam(ctx, "inhibited");
    boolParam(ctx, "unprocessed");
    const filter = filterParam(ctx).map(compileMatcher);
    const receiver = ctx.query.get("receiver");
    let receiverRe: RegExp | undefined;
    if (receiver !== null && receiver !== "") {
      try {
        receiverRe = new RegExp(`^(?:${receiver})$`);
      } catch (e) {
        bad(`failed to parse receiver param: ${(e as Error).message}`);
      }
    }
    return oncall
      .alertList()
      .filter((a) => (a.silencedBy.length > 0 ? silenced : active))
      .filter((a) => matchAll(filter, a.labels))
      .filter((a) => receiverRe === undefined || receiverRe.test(a.topic))
      .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  };

  const postAlerts = async (ctx: RequestContext): Promise<void> => {
    let body: unknown;
    try {
      body = await ctx.readJson();
    } catch (e) {
      return bad(`invalid JSON body: ${(e as Error).message}`);
    }
    if (!Array.isArray(body)) return bad("expected a JSON array of alerts");
    const t = now();
    const byTopic = new Map<string, unknown[]>();
    body.forEach((a: unknown, i) => {
      if (!isObj(a) || !isObj(a.labels) || Object.keys(a.labels).length === 0)
        bad(`alerts[${i}]: labels: at least one label is required`);
      const labels = a.labels;
      const topic = typeof labels.topic === "string" && labels.topic !== "" ? labels.topic : deps.topic();
      if (!TOPIC_NAME.test(topic)) bad(`alerts[${i}]: invalid topic ${JSON.stringify(topic)}`);
      // Go's zero time (0001-01-01, amtool's default) means "not set".
      const endsAt = setTime(a.endsAt);
      const startsAt = setTime(a.startsAt);
      if (!Number.isNaN(endsAt) && !Number.isNaN(startsAt) && endsAt < startsAt)
        bad(`alerts[${i}]: start time must be before end time`);
      const resolved = !Number.isNaN(endsAt) && endsAt <= t;
      const list = byTopic.get(topic) ?? [];
      list.push({
        status: resolved ? "resolved" : "firing",
        labels,
        annotations: isObj(a.annotations) ? a.annotations : {},
        ...(!Number.isNaN(startsAt) ? { startsAt: a.startsAt } : {}),
        ...(typeof a.endsAt === "string" && resolved ? { endsAt: a.endsAt } : {}),
      });
      byTopic.set(topic, list);
    });
    // Everything is mapped before anything is collected: a bad alert rejects the whole post.
    const mapped = [...byTopic].map(([topic, alerts]) => {
      try {
        return {
          topic,
          events: mapAlertmanager({ version: "4", alerts }, { topic, now: t, state: deps.state }),
        };
      } catch (e) {
        if (e instanceof IntegrationError) return bad(e.message);
        throw e;
      }
    });
    for (const { topic, events } of mapped) for (const e of events) deps.collect(e, [topic]);
    deps.logger.log("debug", "alerts posted to /api/v2/alerts", { alerts: body.length });
    ctx.json(200, "", { pretty: false });
  };

  const postSilence = async (ctx: RequestContext): Promise<void> => {
    let body: unknown;
    try {
      body = await ctx.readJson();
    } catch (e) {
      return bad(`invalid JSON body: ${(e as Error).message}`);
    }
    if (!isObj(body)) return bad("expected a silence object");
    if (!Array.isArray(body.matchers)) return bad("silence invalid: matchers is required");
    const matchers: Matcher[] = body.matchers.map((m: unknown, i) => {
      if (!isObj(m) || typeof m.name !== "string" || typeof m.value !== "string")
        return bad(`matchers[${i}]: name and value are required strings`);
      return { name: m.name, value: m.value, isRegex: m.isRegex === true, isEqual: m.isEqual !== false };
    });
    const startsAt = parseTime(body.startsAt);
    const endsAt = parseTime(body.endsAt);
    if (Number.isNaN(startsAt)) return bad("silence invalid: startsAt must be an RFC 3339 time");
    if (Number.isNaN(endsAt)) return bad("silence invalid: endsAt must be an RFC 3339 time");
    const id = await oncall.writes.setSilence({
      ...(typeof body.id === "string" && body.id !== "" ? { id: body.id } : {}),
      matchers,
      startsAt,
      endsAt,
      createdBy: typeof body.createdBy === "string" ? body.createdBy : "",
      comment: typeof body.comment === "string" ? body.comment : "",
    });
    deps.logger.log("info", "silence set", { id, createdBy: body.createdBy });
    ctx.json(200, { silenceID: id }, { pretty: false });
  };

  const handle = async (ctx: RequestContext): Promise<void> => {
    const rest = ctx.path.slice(PREFIX.length).replace(/\/+$/, "");
    const m = ctx.method;
    if (rest === "status" && m === "GET") {
      ctx.json(
        200,
        {
          cluster: { name: "", peers: [], status: "disabled" },
          config: {
            original:
              "# tickd: silences and alerts are served by tickd; routing is its topics and handlers\n",
          },
          uptime: new Date(deps.started).toISOString(),
          versionInfo: {
            branch: "",
            buildDate: "",
            buildUser: "",
            goVersion: process.version,
            revision: "",
            version: deps.version,
          },
        },
        { pretty: false },
      );
      return;
    }
    if (rest === "receivers" && m === "GET") {
      const topics = [...new Set(oncall.alertList().map((a) => a.topic))].sort();
      ctx.json(
        200,
        topics.map((name) => ({ name })),
        { pretty: false },
      );
      return;
    }
    if (rest === "alerts" && m === "GET") {
      ctx.json(200, alertsFiltered(ctx).map(gettableAlert), { pretty: false });
      return;
    }
    if (rest === "alerts" && m === "POST") return postAlerts(ctx);
    if (rest === "alerts/groups" && m === "GET") {
      const groups = new Map<string, ReturnType<typeof gettableAlert>[]>();
      for (const a of alertsFiltered(ctx)) {
        const list = groups.get(a.topic) ?? [];
        list.push(gettableAlert(a));
        groups.set(a.topic, list);
      }
      ctx.json(
        200,
        [...groups]
          .sort()
          .map(([topic, alerts]) => ({ alerts, labels: { topic }, receiver: { name: topic } })),
        { pretty: false },
      );
      return;
    }
    if (rest === "silences" && m === "GET") {
      const filter = filterParam(ctx);
      const t = now();
      const list = sortSilences(
        oncall.silences.list().filter((s) => silenceMatchesFilter(s, filter)),
        t,
      );
      ctx.json(
        200,
        list.map((s) => gettableSilence(s, t)),
        { pretty: false },
      );
      return;
    }
    if (rest === "silences" && m === "POST") return postSilence(ctx);
    const sm = /^silence\/([^/]+)$/.exec(rest);
    if (sm !== null && (m === "GET" || m === "DELETE")) {
      const id = decodeSegment(sm[1]!);
      if (m === "GET") {
        const s = oncall.silences.get(id);
        if (s === undefined) throw new HttpError(404, `silence ${id} not found`);
        ctx.json(200, gettableSilence(s, now()), { pretty: false });
        return;
      }
      await oncall.writes.expireSilence(id);
      deps.logger.log("info", "silence expired", { id });
      ctx.json(200, "", { pretty: false });
      return;
    }
    throw new HttpError(404, `no such Alertmanager API v2 route: ${m} ${ctx.path}`);
  };

  return [
    {
      method: ["GET", "POST", "DELETE"],
      path: "/api/v2/*",
      handle: async (ctx) => {
        try {
          await handle(ctx);
        } catch (e) {
          // Alertmanager's error bodies are a JSON string.
          if (e instanceof HttpError) ctx.json(e.status, e.message, { pretty: false });
          else if (e instanceof SilenceError) ctx.json(e.status, e.message, { pretty: false });
          else if (e instanceof MatcherError) ctx.json(400, e.message, { pretty: false });
          else throw e;
        }
      },
    },
  ];
}
