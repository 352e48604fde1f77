/**
 * A recording stand-in for tickd's Kapacitor API (KAPACITOR-COMPAT.md §5–6): a real node:http
 * server on 127.0.0.1, port 0, keeping tasks and topics in memory and answering with Kapacitor's
 * shapes, status codes and `{"error","message"}` bodies. Tests read `requests` to check exactly
 * what each tickctl command sent.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import type { ClientOptions } from "../../../../src/cli/client/api.js";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
}

export interface FakeTask {
  id: string;
  "template-id": string;
  type: string;
  dbrps: { db: string; rp: string }[];
  script: string;
  vars: Record<string, unknown>;
  dot: string;
  status: string;
  executing: boolean;
  error: string;
  stats: Record<string, unknown>;
  created: string;
  modified: string;
  "last-enabled": string;
}

export interface FakeEvent {
  id: string;
  state: { message: string; details: string; time: string; duration: string; level: string };
}

export interface FakeHandler {
  id: string;
  kind: string;
  options: Record<string, unknown>;
  match: string;
}

export interface FakeTopic {
  level: string;
  collected: number;
  events: FakeEvent[];
  handlers: Map<string, FakeHandler>;
}

const ZERO = "0001-01-01T00:00:00Z";
const NOW = "2024-03-13T10:00:00Z";

export function task(id: string, over: Partial<FakeTask> = {}): FakeTask {
  return {
    id,
    "template-id": "",
    type: "stream",
    dbrps: [{ db: "telegraf", rp: "autogen" }],
    script: "stream\n    |from()\n",
    vars: {},
    dot: `digraph ${id} {\n}`,
    status: "disabled",
    executing: false,
    error: "",
    stats: {},
    created: NOW,
    modified: NOW,
    "last-enabled": ZERO,
    ...over,
  };
}

/** Go's filepath.Match for the `*` and `?` the tests use. */
function globMatch(pattern: string, s: string): boolean {
  if (pattern === "") return true;
  const re = pattern
    .replace(/[.+^${}()|\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(s);
}

export class FakeKapacitor {
  readonly tasks = new Map<string, FakeTask>();
  readonly topics = new Map<string, FakeTopic>();
  readonly requests: RecordedRequest[] = [];
  /** Answers a request before the fake API does, when it returns something. */
  override: ((r: RecordedRequest) => { status: number; body?: unknown } | undefined) | undefined;
  url = "";
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  topic(id: string, over: Partial<FakeTopic> = {}): FakeTopic {
    const t: FakeTopic = { level: "OK", collected: 0, events: [], handlers: new Map(), ...over };
    this.topics.set(id, t);
    return t;
  }

  /** `METHOD url` of every request, for compact assertions. */
  lines(): string[] {
    return this.requests.map((r) => `${r.method} ${r.url}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const rec: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      body: text === "" ? undefined : (JSON.parse(text) as unknown),
    };
    this.requests.push(rec);
    const answer = this.override?.(rec) ?? this.route(rec);
    res.setHeader("X-Kapacitor-Version", "1.7.0-tickd");
    if (answer.body === undefined) {
      res.writeHead(answer.status).end();
      return;
    }
    if (typeof answer.body === "string") {
      res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
      return;
    }
    res
      .writeHead(answer.status, { "content-type": "application/json; charset=utf-8" })
      .end(JSON.stringify(answer.body, null, 4));
  }

  private route(r: RecordedRequest): { status: number; body?: unknown } {
    const u = new URL(r.url, "http://x");
    const parts = u.pathname.split("/").slice(1).map(decodeURIComponent);
    const q = u.searchParams;
    const err = (status: number, msg: string) => ({ status, body: { error: msg, message: msg } });
    if (parts[0] !== "kapacitor" || parts[1] !== "v1") return { status: 404, body: "404 page not found\n" };

    if (parts[2] === "tasks") {
      const id = parts[3];
      if (id === undefined) {
        if (r.method === "GET") {
          const all = [...this.tasks.values()]
            .filter((t) => globMatch(q.get("pattern") ?? "", t.id))
            .sort((a, b) => (a.id < b.id ? -1 : 1));
          const offset = Number(q.get("offset") ?? 0);
          const limit = Number(q.get("limit") ?? 100);
          return {
            status: 200,
            body: { tasks: all.slice(offset, offset + limit).map((t) => this.taskJson(t)) },
          };
        }
        if (r.method === "POST") {
          const b = r.body as Partial<FakeTask> & { id: string };
          if (this.tasks.has(b.id)) return err(400, `task ${b.id} already exists`);
          if (b.script === undefined) return err(400, "must provide TICKscript");
          const t = task(b.id, { ...b, dbrps: b.dbrps ?? [] });
          this.tasks.set(b.id, t);
          return { status: 200, body: this.taskJson(t) };
        }
      } else {
        const t = this.tasks.get(id);
        if (r.method === "GET")
          return t ? { status: 200, body: this.taskJson(t) } : err(404, "no task exists");
        if (r.method === "PATCH") {
          if (t === undefined) return err(404, "task does not exist, cannot update");
          Object.assign(t, r.body);
          t.executing = t.status === "enabled";
          return { status: 200, body: this.taskJson(t) };
        }
        if (r.method === "DELETE") {
          this.tasks.delete(id);
          return { status: 204 };
        }
      }
    }

    if (parts[2] === "alerts" && parts[3] === "topics") {
      const base = "/kapacitor/v1/alerts/topics";
      const topicId = parts[4];
      const topicJson = (id: string, t: FakeTopic) => ({
        link: { rel: "self", href: `${base}/${id}` },
        id,
        level: t.level,
        collected: t.collected,
        "events-link": { rel: "events", href: `${base}/${id}/events` },
        "handlers-link": { rel: "handlers", href: `${base}/${id}/handlers` },
      });
      const handlerJson = (topic: string, h: FakeHandler) => ({
        link: { rel: "self", href: `${base}/${topic}/handlers/${h.id}` },
        ...h,
      });
      if (topicId === undefined && r.method === "GET") {
        const topics = [...this.topics.entries()]
          .filter(([id]) => globMatch(q.get("pattern") ?? "", id))
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([id, t]) => topicJson(id, t));
        return { status: 200, body: { link: { rel: "self", href: r.url }, topics } };
      }
      if (topicId === undefined) return err(405, "method not allowed");
      const t = this.topics.get(topicId);
      const sub = parts[5];
      if (sub === undefined) {
        if (r.method === "GET")
          return t ? { status: 200, body: topicJson(topicId, t) } : err(404, `unknown topic: "${topicId}"`);
        if (r.method === "DELETE") {
          this.topics.delete(topicId);
          return { status: 204 };
        }
      }
      if (sub === "events" && r.method === "GET") {
        if (t === undefined) return err(500, `failed to get topic events: unknown topic "${topicId}"`);
        return {
          status: 200,
          body: {
            link: { rel: "self", href: `${base}/${topicId}/events` },
            topic: topicId,
            events: t.events.map((e) => ({
              link: { rel: "self", href: `${base}/${topicId}/events/${e.id}` },
              ...e,
            })),
          },
        };
      }
      if (sub === "handlers") {
        const hid = parts[6];
        if (hid === undefined && r.method === "GET") {
          const handlers = [...(t?.handlers.values() ?? [])]
            .filter((h) => globMatch(q.get("pattern") ?? "", h.id))
            .sort((a, b) => (a.id < b.id ? -1 : 1))
            .map((h) => handlerJson(topicId, h));
          return { status: 200, body: { link: { rel: "self", href: r.url }, topic: topicId, handlers } };
        }
        if (hid === undefined && r.method === "POST") {
          const b = r.body as FakeHandler;
          const topic = t ?? this.topic(topicId);
          if (topic.handlers.has(b.id)) return err(500, `handler "${b.id}" already exists`);
          const h: FakeHandler = { id: b.id, kind: b.kind, options: b.options, match: b.match };
          topic.handlers.set(b.id, h);
          return { status: 200, body: handlerJson(topicId, h) };
        }
        if (hid !== undefined) {
          const h = t?.handlers.get(hid);
          if (h === undefined || t === undefined) return err(404, `unknown handler: "${hid}"`);
          if (r.method === "GET") return { status: 200, body: handlerJson(topicId, h) };
          if (r.method === "PUT") {
            const b = r.body as FakeHandler;
            t.handlers.delete(hid);
            const nh: FakeHandler = { id: b.id, kind: b.kind, options: b.options, match: b.match };
            t.handlers.set(b.id, nh);
            return { status: 200, body: handlerJson(topicId, nh) };
          }
          if (r.method === "DELETE") {
            t.handlers.delete(hid);
            return { status: 204 };
          }
        }
      }
    }
    return { status: 404, body: "404 page not found\n" };
  }

  private taskJson(t: FakeTask): Record<string, unknown> {
    return { link: { rel: "self", href: `/kapacitor/v1/tasks/${t.id}` }, ...t };
  }
}

/** Captured output and exit code of one in-process command. */
export interface Captured {
  code: number;
  out: string;
  err: string;
}

/** The ClientOptions of one run, collecting what it prints. */
export function capture(url: string, json = false) {
  const c = { out: "", err: "" };
  return {
    opts: {
      url,
      json,
      out: (s: string) => {
        c.out += s;
      },
      err: (s: string) => {
        c.err += s;
      },
    },
    result: (code: number): Captured => ({ code, out: c.out, err: c.err }),
  };
}

/** A URL where nothing listens: a port that was just bound and released. */
export async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * Per-test fixture: a fresh fake API server and a temp directory, torn down after each test.
 * `file` writes a file into the directory; `run` calls a client command against the server
 * and captures its output and exit code.
 */
export function useFakeKapacitor(prefix: string) {
  const fx = {
    server: undefined as unknown as FakeKapacitor,
    dir: "",
    file(name: string, text: string): string {
      const p = join(fx.dir, name);
      writeFileSync(p, text);
      return p;
    },
    async run(fn: (o: ClientOptions) => Promise<number>, json = false): Promise<Captured> {
      const c = capture(fx.server.url, json);
      return c.result(await fn(c.opts));
    },
  };
  beforeEach(async () => {
    fx.server = new FakeKapacitor();
    await fx.server.start();
    fx.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await fx.server.stop();
    rmSync(fx.dir, { recursive: true, force: true });
  });
  return fx;
}
