/**
 * The conformance scenarios over the daemon's HTTP path: each script is defined through
 * POST /kapacitor/v1/tasks on a spawned tickd, its data written to /write, and the alert JSON
 * is what `.post()` handlers deliver to a real local receiver. Every alert node of a scenario
 * posts to the receiver: existing `.post()` URLs are pointed at it, and a node without one
 * gets one (found with the real parser's spans). A node whose events only go to a shared
 * `.topic()` would get its own anonymous topic that way, changing previousLevel, so those
 * scenarios compare only the nodes that had handlers (listed in NODES_WITH_HANDLERS_ONLY).
 *
 * Deliveries of different handlers may interleave, so lines are compared per handler URL in
 * order; the in-process runner (scenarios.test.ts) checks the global order.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "../../grammar/index.js";
import type { ChainExpr, Expr } from "../../grammar/ast.js";
import { parseVars } from "../../src/cli/test-command.js";
import { parseSrpl } from "../../src/core/srpl.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

const ROOT = fileURLToPath(new URL("./scenarios/", import.meta.url));
const NODES_WITH_HANDLERS_ONLY = new Set(["30-multi-topic-previous-level"]);

let tickd: TickdProcess;
let hook: Receiver;

beforeAll(async () => {
  hook = await startReceiver();
  // tickctl test renders ServerInfo.Hostname as "localhost", Kapacitor's default hostname.
  tickd = await startTickd({ hostname: "localhost" });
}, 30_000);

afterAll(async () => {
  await tickd?.stop("SIGTERM");
  await hook?.close();
});

interface Rewritten {
  script: string;
  /** Handler URL path per alert node, in node order; undefined for nodes left without one. */
  paths: (string | undefined)[];
}

/** Points every alert node's `.post()` at the receiver, adding one where a node has none. */
function rewrite(name: string, script: string, addMissing: boolean): Rewritten {
  const { ast } = parse(script, name);
  if (ast === undefined) throw new Error(`${name}: script does not parse`);
  const edits: { from: number; to: number; text: string }[] = [];
  const paths: (string | undefined)[] = [];
  const chains: ChainExpr[] = [];
  const visit = (e: Expr): void => {
    if (e.type === "Chain") chains.push(e);
  };
  for (const st of ast.statements) {
    if (st.type === "ExprStatement") visit(st.expr);
    if (st.type === "VarDecl") visit(st.value);
  }
  for (const chain of chains) {
    chain.links.forEach((link, i) => {
      if (link.type !== "NodeLink" || link.name !== "alert") return;
      const path = `/${name}/alert${paths.length}`;
      let found = false;
      for (const prop of chain.links.slice(i + 1)) {
        if (prop.type !== "PropertyLink") break;
        if (prop.name !== "post") continue;
        found = true;
        const arg = prop.args[0];
        if (arg?.type === "String") edits.push({ from: arg.span.start.offset, to: arg.span.end.offset, text: `'${hook.url}${path}'` });
      }
      if (!found && addMissing) edits.push({ from: link.span.end.offset, to: link.span.end.offset, text: `.post('${hook.url}${path}')` });
      paths.push(found || addMissing ? path : undefined);
    });
  }
  let out = script;
  for (const e of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return { script: out, paths };
}

function varsJson(name: string): Record<string, { type: string; value: unknown }> {
  let text: string;
  try {
    text = readFileSync(join(ROOT, name, "vars.txt"), "utf8");
  } catch {
    return {};
  }
  const vars = parseVars(text.split("\n").filter((l) => l.trim() !== ""));
  return Object.fromEntries(
    Object.entries(vars).map(([k, v]) => [k, { type: v.type, value: typeof v.value === "bigint" ? Number(v.value) : v.value }]),
  );
}

const scenarios = readdirSync(ROOT)
  .filter((n) => statSync(join(ROOT, n)).isDirectory())
  .sort();

describe("conformance scenarios over HTTP (spawned tickd, /write in, .post() out)", () => {
  it.each(scenarios)("%s", { timeout: 20_000 }, async (name) => {
    const dir = join(ROOT, name);
    const expected = readFileSync(join(dir, "expected.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    const { script, paths } = rewrite(name, readFileSync(join(dir, "task.tick"), "utf8"), !NODES_WITH_HANDLERS_ONLY.has(name));
    const records = parseSrpl(readFileSync(join(dir, "data.srpl"), "utf8"), "data.srpl");
    const first = records[0]!;
    const res = await fetch(`${tickd.url}/kapacitor/v1/tasks`, {
      method: "POST",
      body: JSON.stringify({
        id: name,
        script,
        status: "enabled",
        dbrps: /^\s*dbrp\s/m.test(script) ? undefined : [{ db: first.db, rp: first.rp }],
        vars: varsJson(name),
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);

    // Consecutive records of the same db/rp go in one body, in file order.
    let i = 0;
    while (i < records.length) {
      const { db, rp } = records[i]!;
      const body: string[] = [];
      for (; i < records.length && records[i]!.db === db && records[i]!.rp === rp; i++) {
        const p = records[i]!.point;
        const tags = Object.entries(p.tags).map(([k, v]) => `,${k}=${v}`).join("");
        const fields = Object.entries(p.fields)
          .map(([k, v]) => `${k}=${typeof v === "bigint" ? `${v}i` : typeof v === "string" ? JSON.stringify(v) : String(v)}`)
          .join(",");
        body.push(`${p.name}${tags} ${fields} ${p.time / 1e9}`);
      }
      const w = await fetch(`${tickd.url}/write?db=${db}&rp=${rp}&precision=s`, { method: "POST", body: body.join("\n") });
      expect(w.status, await w.clone().text()).toBe(204);
    }

    const mine = (path: string) => hook.requests.filter((r) => r.path === path).map((r) => r.body.trimEnd());
    const wanted = paths.filter((p): p is string => p !== undefined);
    // Wait for the expected deliveries (for partially observed scenarios: at least one), then
    // a little longer so that an extra, unexpected delivery would be seen.
    const target = NODES_WITH_HANDLERS_ONLY.has(name) ? 1 : expected.length;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && wanted.reduce((n, p) => n + mine(p).length, 0) < target) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    // Each handler's deliveries arrive in order, and must be the expected lines in order.
    const received = wanted.flatMap(mine);
    const expectedPerNode = NODES_WITH_HANDLERS_ONLY.has(name) ? expected.filter((l) => received.includes(l)) : expected;
    expect([...received].sort()).toEqual([...expectedPerNode].sort());
    for (const p of wanted) {
      const got = mine(p);
      expect(got).toEqual(expected.filter((l) => got.includes(l)));
    }
    if (!NODES_WITH_HANDLERS_ONLY.has(name)) expect(received.length).toBe(expected.length);
    else expect(received.length).toBeGreaterThan(0);
  });
});
