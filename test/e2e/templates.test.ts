/**
 * Templates (Kapacitor's /kapacitor/v1/templates) through the spawned daemon and the real
 * tickctl: define-template, list templates, show-template; a task made with `define -template
 * -vars` alerts with its own vars; typed vars are checked (a missing or wrongly typed var is
 * refused); updating the template reloads its tasks, and an update that would break one is
 * refused as a whole; templates and tasks survive a restart (SQLite).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBuiltAsync } from "../support/cli.js";
import { useDaemons } from "../support/daemon.js";

const { tickd, receiver } = useDaemons();

const TEMPLATE = `// Which measurement to watch
var measurement string
// The level at which to page
var crit lambda
var idField = 'host'
var tolerance = 2.5
var period = 10s

stream
  |from()
    .measurement(measurement)
  |alert()
    .id('{{ .Name }}/{{ index .Tags "host" }}')
    .crit(crit)
    .post(url)
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "tickd-templates-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  return dir;
}

async function ctl(url: string, ...args: string[]) {
  return runBuiltAsync("tickctl", [...args, "-url", url]);
}

describe("templates", () => {
  it("defines a template, makes a task from it with typed vars, shows and lists both", async () => {
    const rx = await receiver();
    const t = await tickd();
    const script = TEMPLATE.replace("var period = 10s", `var period = 10s\nvar url string`);
    const dir = files({
      "t.tick": script,
      "vars.json": JSON.stringify({
        measurement: { type: "string", value: "cpu" },
        crit: { type: "lambda", value: '"usage_idle" < 10.0' },
        url: { type: "string", value: `${rx.url}/hook` },
      }),
      "bad-type.json": JSON.stringify({
        measurement: { type: "string", value: "cpu" },
        crit: { type: "string", value: '"usage_idle" < 10.0' },
        url: { type: "string", value: `${rx.url}/hook` },
      }),
    });

    let r = await ctl(t.url, "define-template", "cpu_tmpl", "-tick", join(dir, "t.tick"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);

    const tj = (await (await fetch(`${t.url}/kapacitor/v1/templates/cpu_tmpl`)).json()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(tj)).toEqual([
      "link",
      "id",
      "type",
      "script",
      "vars",
      "dot",
      "error",
      "created",
      "modified",
    ]);
    expect(tj.link).toEqual({ rel: "self", href: "/kapacitor/v1/templates/cpu_tmpl" });
    expect(tj.type).toBe("stream");
    expect(tj.error).toBe("");
    expect(tj.vars).toEqual({
      crit: { type: "lambda", value: null, description: "The level at which to page" },
      idField: { type: "string", value: "host", description: "" },
      measurement: { type: "string", value: null, description: "Which measurement to watch" },
      period: { type: "duration", value: 10_000_000_000, description: "" },
      tolerance: { type: "float", value: 2.5, description: "" },
      url: { type: "string", value: null, description: "" },
    });

    r = await ctl(t.url, "list", "templates");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^ID\s+Type\s+Vars$/);
    expect(r.stdout).toMatch(/cpu_tmpl\s+stream\s+crit,idField,measurement,period,tolerance,url\n/);

    r = await ctl(t.url, "show-template", "cpu_tmpl");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("ID: cpu_tmpl\n");
    expect(r.stdout).toMatch(/crit\s+lambda\s+<required>\s+The level at which to page/);
    expect(r.stdout).toMatch(/period\s+duration\s+10s/);

    // Vars checked as a task's: a wrong type and a missing var are refused.
    r = await ctl(
      t.url,
      "define",
      "bad",
      "-template",
      "cpu_tmpl",
      "-vars",
      join(dir, "bad-type.json"),
      "-dbrp",
      "telegraf.autogen",
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/task var "crit" has type string, but the script declares crit as lambda/);
    const refused = async (body: Record<string, unknown>): Promise<string> => {
      const res = await fetch(`${t.url}/kapacitor/v1/tasks`, {
        method: "POST",
        body: JSON.stringify({ id: "bad", dbrps: [{ db: "telegraf", rp: "autogen" }], ...body }),
      });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: string }).error;
    };
    expect(
      await refused({ "template-id": "cpu_tmpl", vars: { measurement: { type: "string", value: "cpu" } } }),
    ).toMatch(/missing value for var "crit"/);
    expect(await refused({ "template-id": "nope" })).toBe("unknown template nope: err: no template exists");

    r = await ctl(
      t.url,
      "define",
      "cpu",
      "-template",
      "cpu_tmpl",
      "-vars",
      join(dir, "vars.json"),
      "-dbrp",
      "telegraf.autogen",
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect((await ctl(t.url, "enable", "cpu")).status).toBe(0);
    r = await ctl(t.url, "show", "cpu");
    expect(r.stdout).toContain("Template: cpu_tmpl\n");
    expect(r.stdout).toMatch(/crit\s+lambda\s+"usage_idle" < 10\.0/);

    const w = await fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: "cpu,host=serverA usage_idle=5 1700000000\nmem,host=serverA usage_idle=5 1700000000",
    });
    expect(w.status).toBe(204);
    const [req] = await rx.waitFor(1);
    expect(JSON.parse(req!.body)).toMatchObject({ id: "cpu/serverA", level: "CRITICAL" });
  }, 300_000);

  it("updating the template reloads its tasks; an update that breaks one is refused as a whole; kept across restart", async () => {
    const rx = await receiver();
    const t = await tickd();
    const base = `var crit lambda
var url string
stream
  |from().measurement('cpu')
  |alert().id('a/{{ index .Tags "host" }}').crit(crit).post(url)
`;
    const v1 = (
      await fetch(`${t.url}/kapacitor/v1/templates`, {
        method: "POST",
        body: JSON.stringify({ id: "tmpl", script: base }),
      })
    ).status;
    expect(v1).toBe(200);
    const task = await fetch(`${t.url}/kapacitor/v1/tasks`, {
      method: "POST",
      body: JSON.stringify({
        id: "from-tmpl",
        "template-id": "tmpl",
        dbrps: [{ db: "telegraf", rp: "autogen" }],
        status: "enabled",
        vars: {
          crit: { type: "lambda", value: '"usage_idle" < 10.0' },
          url: { type: "string", value: `${rx.url}/hook` },
        },
      }),
    });
    expect(task.status).toBe(200);
    expect(((await task.json()) as Record<string, unknown>)["template-id"]).toBe("tmpl");

    // A new var without a value in the task: refused, template and task unchanged.
    const broken = await fetch(`${t.url}/kapacitor/v1/templates/tmpl`, {
      method: "PATCH",
      body: JSON.stringify({ script: base.replace("var url string", "var url string\nvar extra int") }),
    });
    expect(broken.status).toBe(500);
    expect(((await broken.json()) as { error: string }).error).toMatch(
      /^error reloading associated task from-tmpl: .*missing value for var "extra"/,
    );
    const still = (await (await fetch(`${t.url}/kapacitor/v1/templates/tmpl`)).json()) as { script: string };
    expect(still.script).toBe(base);

    // A compatible update reaches the running task: its alert id now starts with "b/".
    const ok = await fetch(`${t.url}/kapacitor/v1/templates/tmpl`, {
      method: "PATCH",
      body: JSON.stringify({ script: base.replace("id('a/", "id('b/") }),
    });
    expect(ok.status).toBe(200);
    const shown = (await (await fetch(`${t.url}/kapacitor/v1/tasks/from-tmpl`)).json()) as Record<
      string,
      unknown
    >;
    expect(shown.script).toContain("id('b/");
    expect(shown.executing).toBe(true);
    await fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: "cpu,host=h1 usage_idle=5 1700000000",
    });
    const [req] = await rx.waitFor(1);
    expect(JSON.parse(req!.body)).toMatchObject({ id: "b/h1" });

    // Kept in SQLite: the same data dir after a restart.
    await t.stop("SIGTERM");
    const again = await tickd({ dir: t.dir });
    const list = (await (await fetch(`${again.url}/kapacitor/v1/templates?fields=vars`)).json()) as {
      templates: Record<string, unknown>[];
    };
    expect(list.templates).toEqual([
      {
        id: "tmpl",
        link: { rel: "self", href: "/kapacitor/v1/templates/tmpl" },
        vars: {
          crit: { type: "lambda", value: null, description: "" },
          url: { type: "string", value: null, description: "" },
        },
      },
    ]);
    const r = await runBuiltAsync("tickctl", ["delete", "templates", "tmpl", "-url", again.url]);
    expect(r.status).toBe(0);
    expect((await fetch(`${again.url}/kapacitor/v1/templates/tmpl`)).status).toBe(404);
  });
});
