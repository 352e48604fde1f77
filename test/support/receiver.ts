/**
 * A recording HTTP server for tests: a real `node:http` server on 127.0.0.1, port 0. Every
 * request is recorded (method, path with query, lower-cased headers, raw body) and answered
 * from a programmable script — a status sequence, a delay, a hang (never answers) or a reset
 * (destroys the socket) — so handler and delivery tests can exercise success, 5xx, timeouts
 * and connection errors against a real socket.
 *
 * ```ts
 * const rx = await startReceiver({ answers: [{ status: 500 }, { status: 200 }] });
 * ... send to rx.url ...
 * const [first, second] = await rx.waitFor(2);
 * await rx.close();   // in afterEach
 * ```
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. `/api_key/test_key?x=1`. */
  path: string;
  /** Node's lower-cased header map. */
  headers: IncomingHttpHeaders;
  /** Header names as sent and their values, in order. */
  rawHeaders: string[];
  body: string;
  bodyBytes: Buffer;
  /** Date.now() when the body was complete. */
  receivedAt: number;
  /** The client's TCP port: requests of one connection (so of one sending process) share it. */
  remotePort: number;
  /** Date.now() when the answer was handed to the socket; absent while held, or when the client went away. */
  answeredAt?: number;
}

export interface ReceiverAnswer {
  /** Default 200. */
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer after this many ms. */
  delayMs?: number;
  /** Never answer (the socket stays open until the client gives up or `close()`). */
  hang?: boolean;
  /** Destroy the socket instead of answering (the client sees a reset / socket hang up). */
  reset?: boolean;
  /** Answer once this settles (the test decides when a slow answer comes, not a clock). */
  after?: Promise<unknown>;
}

export interface ReceiverOptions {
  /** One answer per request, in order; after they run out, `fallback` answers. */
  answers?: ReceiverAnswer[];
  /** Shorthand for answers that differ only in status: `[500, 500, 200]`. */
  statuses?: number[];
  /** The answer once `answers` are used up. Default `{ status: 200 }`. */
  fallback?: ReceiverAnswer;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far (keep-alive reuse shows as fewer than requests). */
  readonly connections: number;
  /** Queues more answers (used before the fallback). */
  answerNext(...answers: ReceiverAnswer[]): void;
  setFallback(answer: ReceiverAnswer): void;
  /** Resolves once `count` requests were recorded (default timeout 5s). */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Stops listening and destroys open sockets (hanging requests included). */
  close(): Promise<void>;
}

export async function startReceiver(opts: ReceiverOptions = {}): Promise<Receiver> {
  const queue: ReceiverAnswer[] = [
    ...(opts.answers ?? []),
    ...(opts.statuses ?? []).map((status) => ({ status })),
  ];
  let fallback: ReceiverAnswer = opts.fallback ?? { status: 200 };
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const answer = (res: ServerResponse, a: ReceiverAnswer, rec: RecordedRequest): void => {
    if (a.hang === true) return;
    res.on("finish", () => {
      if (!res.socket?.destroyed) rec.answeredAt = Date.now();
    });
    if (a.reset === true) {
      res.socket?.destroy();
      return;
    }
    const body = a.body ?? "";
    res.writeHead(a.status ?? 200, { "Content-Length": Buffer.byteLength(body), ...a.headers });
    res.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const bodyBytes = Buffer.concat(chunks);
      const rec: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: bodyBytes.toString("utf8"),
        bodyBytes,
        receivedAt: Date.now(),
        remotePort: req.socket.remotePort ?? 0,
      };
      requests.push(rec);
      for (const w of [...waiters]) {
        if (requests.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      const a = queue.shift() ?? fallback;
      if (a.after !== undefined) {
        const held = a.after;
        void held.then(() => answer(res, a, rec));
      } else if (a.delayMs !== undefined && a.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          answer(res, a, rec);
        }, a.delayMs);
        timers.add(t);
      } else answer(res, a, rec);
    });
  });
  let connections = 0;
  server.on("connection", (s) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return connections;
    },
    answerNext: (...answers) => queue.push(...answers),
    setFallback: (a) => {
      fallback = a;
    },
    waitFor(count, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve(requests.slice());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(
            new Error(`receiver: expected ${count} requests within ${timeoutMs}ms, got ${requests.length}`),
          );
        }, timeoutMs);
        const w = {
          count,
          resolve: () => {
            clearTimeout(t);
            resolve(requests.slice());
          },
        };
        waiters.push(w);
      });
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
