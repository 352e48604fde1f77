/**
 * Kapacitor's recording and replay routes (client/API.md): `/kapacitor/v1/recordings[/…]` and
 * `/kapacitor/v1/replays[/…]`. A GET of one that is still running answers 202, else 200.
 * Recordings are of a stream, a batch task's queries or one query; replays straight from a
 * query (`/replays/batch`, `/replays/query`) are refused with a message saying to record first.
 */
import { RecordingError, type Recordings } from "../replay/recordings.js";
import { decodeSegment, HttpError, type RequestContext } from "./request-context.js";
import type { ExtraRoute } from "./types.js";

const RECORDINGS = "/kapacitor/v1/recordings";
const REPLAYS = "/kapacitor/v1/replays";

const NOT_YET =
  "tickd replays recordings only: record first (POST /kapacitor/v1/recordings/batch or /query), then replay the recording with POST /kapacitor/v1/replays";

function link(base: string, id: string) {
  return { rel: "self", href: `${base}/${encodeURIComponent(id)}` };
}

async function body(ctx: RequestContext): Promise<Record<string, unknown>> {
  const b = await ctx.readJson();
  if (typeof b !== "object" || b === null || Array.isArray(b))
    throw new HttpError(400, "expected a JSON object");
  return b as Record<string, unknown>;
}

function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RecordingError) throw new HttpError(e.status, e.message);
    throw e;
  }
}

export function createReplayRoutes(r: Recordings): ExtraRoute[] {
  return [
    {
      method: ["GET", "POST", "DELETE"],
      path: `${RECORDINGS}/*`,
      handle: async (ctx) => {
        const rest = ctx.path.slice(RECORDINGS.length).replace(/^\/+/, "");
        const id = rest === "" ? undefined : decodeSegment(rest);
        if (ctx.method === "POST") {
          if (id !== "stream" && id !== "batch" && id !== "query")
            throw new HttpError(404, "use /kapacitor/v1/recordings/stream, /batch or /query");
          const b = await body(ctx);
          let rec;
          try {
            rec =
              id === "stream"
                ? await r.recordStream(b)
                : id === "batch"
                  ? r.recordBatch(b)
                  : r.recordQuery(b);
          } catch (e) {
            if (e instanceof RecordingError) throw new HttpError(e.status, e.message);
            throw e;
          }
          ctx.json(201, { link: link(RECORDINGS, rec.id), ...rec });
          return;
        }
        if (ctx.method === "DELETE") {
          if (id === undefined) throw new HttpError(405, "name the recording to delete");
          await r.deleteRecording(id);
          ctx.noContent();
          return;
        }
        if (id === undefined) {
          ctx.json(200, {
            recordings: r.listRecordings().map((x) => ({ link: link(RECORDINGS, x.id), ...x })),
          });
          return;
        }
        const rec = r.getRecording(id);
        if (rec === undefined) throw new HttpError(404, `no recording exists with id ${JSON.stringify(id)}`);
        ctx.json(rec.status === "running" ? 202 : 200, { link: link(RECORDINGS, rec.id), ...rec });
      },
    },
    {
      method: ["GET", "POST", "DELETE"],
      path: `${REPLAYS}/*`,
      handle: async (ctx) => {
        const rest = ctx.path.slice(REPLAYS.length).replace(/^\/+/, "");
        const id = rest === "" ? undefined : decodeSegment(rest);
        if (ctx.method === "POST") {
          if (id === "batch" || id === "query") throw new HttpError(400, NOT_YET);
          if (id !== undefined) throw new HttpError(404, "use POST /kapacitor/v1/replays");
          const b = await body(ctx);
          const rep = guard(() => r.replay(b));
          ctx.json(201, { link: link(REPLAYS, rep.id), ...rep });
          return;
        }
        if (ctx.method === "DELETE") {
          if (id === undefined) throw new HttpError(405, "name the replay to delete");
          r.deleteReplay(id);
          ctx.noContent();
          return;
        }
        if (id === undefined) {
          ctx.json(200, { replays: r.listReplays().map((x) => ({ link: link(REPLAYS, x.id), ...x })) });
          return;
        }
        const rep = r.getReplay(id);
        if (rep === undefined) throw new HttpError(404, `no replay exists with id ${JSON.stringify(id)}`);
        ctx.json(rep.status === "running" ? 202 : 200, { link: link(REPLAYS, rep.id), ...rep });
      },
    },
  ];
}
