/**
 * The web console in a real browser (Debian's chromium through playwright-core) against a
 * spawned tickd and a local webhook receiver: fire alerts and see them grouped by topic;
 * filter by label (kept in the URL); silence one from the console and see its next
 * notification held back while the other alert's goes out; expire the silence from the
 * console and see notifications resume; the history of deliveries; keyboard use; a phone-size
 * viewport; read-only users with auth on. Screenshots go to test-artifacts/console/.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { ARTIFACTS, expectPhoneFit, launchBrowser, type Browser } from "../support/browser.js";
import { type TickdProcess, useDaemons } from "../support/daemon.js";
import type { Receiver } from "../support/receiver.js";

const { tickd, receiver } = useDaemons();
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

const TOPIC = "main:cpu:alert2";

/** CRITICAL below 10% idle, every event posted (no stateChangesOnly: repeats are sent too). */
function script(hook: string): string {
  return `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .id('{{ .Name }}/{{ index .Tags "host" }}')
        .message('{{ .ID }} is {{ .Level }}: usage_idle {{ index .Fields "usage_idle" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .post('${hook}/alert')
`;
}

let ts = Math.floor(Date.now() / 1000);

async function fire(t: TickdProcess, hosts: string[], headers: Record<string, string> = {}): Promise<void> {
  const body = hosts.map((h) => `cpu,host=${h},dc=eu-1 usage_idle=${h === "a" ? 3 : 6} ${ts++}`).join("\n");
  const res = await fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=s`, {
    method: "POST",
    body,
    headers,
  });
  expect(res.status).toBe(204);
}

const alertIds = (r: Receiver, from = 0): string[] =>
  r.requests.slice(from).map((q) => (JSON.parse(q.body) as { id: string }).id);

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The number of Tab presses (bounded) until the focused element satisfies `pred`. */
async function tabUntil(page: Page, pred: string, max = 60): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press("Tab");
    const hit = await page.evaluate(`(() => { const el = document.activeElement; return ${pred}; })()`);
    if (hit === true) return i;
  }
  throw new Error(`focus never reached ${pred} in ${max} Tab presses`);
}

describe("web console in chromium", () => {
  it("shows alerts by topic, silences one, holds its notification back, expires it, resumes", async () => {
    const hook = await receiver();
    const t = await tickd({ tasks: { "cpu.tick": script(hook.url) } });
    await fire(t, ["a", "b"]);
    await hook.waitFor(2, 10_000);
    expect(alertIds(hook).sort()).toEqual(["cpu/a", "cpu/b"]);

    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));

    await page.goto(`${t.url}/`);
    expect(page.url()).toBe(`${t.url}/ui/`);
    const group = page.locator("section.topic", {
      has: page.getByRole("heading", { name: new RegExp(TOPIC) }),
    });
    await expect.poll(() => group.locator("tr[data-alert]").count()).toBe(2);
    expect(await group.locator("h2 .counts").innerText()).toBe("2 critical");
    expect(await group.locator('tr[data-alert="cpu/a"] .labels').innerText()).toContain("host=a");
    await shot(page, "alerts");

    // The label filter narrows the list and lives in the URL (a reload keeps it).
    await page.getByLabel("Label filter").fill('host="b"');
    await page.getByLabel("Label filter").press("Enter");
    await page.waitForURL(/\?filter=host%3D%22b%22$/);
    await expect.poll(() => page.locator("tr[data-alert]").count()).toBe(1);
    await page.reload();
    await expect
      .poll(() => page.locator("tr[data-alert]").allInnerTexts())
      .toEqual([expect.stringContaining("cpu/b")]);
    await page.getByRole("button", { name: "Clear" }).click();
    await expect.poll(() => page.locator("tr[data-alert]").count()).toBe(2);

    // Silence cpu/a from its row: the form opens focused, previews what it matches.
    await page.getByRole("button", { name: "Silence cpu/a" }).click();
    expect(await page.evaluate("document.activeElement?.id")).toBe("silence-matchers");
    expect(await page.getByLabel("Matchers").inputValue()).toBe(`alertname="cpu/a", topic="${TOPIC}"`);
    const preview = page.locator(".preview");
    await expect.poll(() => preview.innerText()).toContain("Matches 1 firing alert now");
    expect(await preview.innerText()).toContain("cpu/a");
    // Widening the matchers widens the preview before anything is created.
    await page.getByLabel("Matchers").fill('dc="eu-1"');
    await expect.poll(() => preview.innerText()).toContain("Matches 2 firing alerts now");
    await page.getByLabel("Matchers").fill(`alertname="cpu/a", topic="${TOPIC}"`);
    await page.getByLabel("Comment").fill("disk swap on host a");
    await shot(page, "silence-form");
    await page.getByRole("button", { name: "Create silence" }).click();
    await expect.poll(() => page.locator(".notice").innerText()).toMatch(/^Silence \S+ created for 2h$/);
    await expect.poll(() => page.locator('tr[data-alert="cpu/a"] .states').innerText()).toBe("silenced");

    // The next notification of cpu/a is held back; cpu/b's (written after it) still goes out.
    const before = hook.requests.length;
    await fire(t, ["a", "b"]);
    await hook.waitFor(before + 1, 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(alertIds(hook, before)).toEqual(["cpu/b"]);

    // Expire it from the Silences page: cpu/a's current level is sent once, then it resumes.
    await page.getByRole("link", { name: "Silences" }).click();
    await page.waitForURL(/\/ui\/silences$/);
    const active = page.locator("section", { has: page.getByRole("heading", { name: /^Active/ }) });
    await expect.poll(() => active.locator("tr[data-silence]").count()).toBe(1);
    expect(await active.locator("tr[data-silence] code").innerText()).toBe(
      `alertname="cpu/a", topic="${TOPIC}"`,
    );
    await shot(page, "silences");
    // Extending keeps the same silence (Alertmanager updates it in place), one hour later.
    const id = (await active.locator("tr[data-silence]").getAttribute("data-silence"))!;
    const endsBefore = (await active.locator("tr[data-silence] time").nth(1).getAttribute("datetime"))!;
    await active.getByRole("button", { name: `Extend silence ${id} by 1h` }).click();
    await expect.poll(() => page.locator(".notice").innerText()).toMatch(`Silence ${id} extended to `);
    await expect
      .poll(async () =>
        Date.parse((await active.locator(`tr[data-silence="${id}"] time`).nth(1).getAttribute("datetime"))!),
      )
      .toBeGreaterThanOrEqual(Date.parse(endsBefore) + 3_600_000);
    expect(await active.locator("tr[data-silence]").count()).toBe(1);
    await active.getByRole("button", { name: /^Expire silence / }).click();
    await expect.poll(() => page.locator(".notice").innerText()).toMatch(/^Silence \S+ expired$/);
    const expired = page.locator("section", { has: page.getByRole("heading", { name: /^Expired/ }) });
    await expect.poll(() => expired.locator("tr[data-silence]").count()).toBe(1);
    await hook.waitFor(before + 2, 10_000);
    expect(alertIds(hook, before)).toEqual(["cpu/b", "cpu/a"]);
    await fire(t, ["a"]);
    await hook.waitFor(before + 3, 10_000);
    expect(alertIds(hook, before + 2)).toEqual(["cpu/a"]);

    // History: cpu/a's state change and its deliveries.
    await page.getByRole("link", { name: "History" }).first().click();
    await page.getByLabel("Alert id").fill("cpu/a");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/\/ui\/history\?id=cpu%2Fa$/);
    await expect.poll(() => page.locator("tbody tr.h-delivery").count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator("tbody tr.h-state").first().innerText()).toContain("OK → CRITICAL");
    await shot(page, "history");

    await page.getByRole("link", { name: "Health" }).click();
    await expect.poll(() => page.locator("main").innerText()).toContain("task_points_received_total");
    await page.getByRole("link", { name: "Failed deliveries" }).click();
    await expect.poll(() => page.locator("main").innerText()).toContain("No failed deliveries.");

    // Everything the console loaded came from tickd itself.
    expect(requested.filter((u) => !u.startsWith(t.url) && !u.startsWith("data:"))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it("works from the keyboard and on a phone-size screen", async () => {
    const hook = await receiver();
    const t = await tickd({ tasks: { "cpu.tick": script(hook.url) } });
    await fire(t, ["a", "b"]);
    await hook.waitFor(2, 10_000);
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    await page.goto(`${t.url}/ui/`);
    await expect.poll(() => page.locator("tr[data-alert]").count()).toBe(2);

    // First Tab: the skip link; then the navigation, in order; Enter follows a link.
    expect(await tabUntil(page, "el.textContent === 'Skip to content'")).toBe(1);
    expect(await tabUntil(page, "el.textContent === 'Alerts'")).toBe(1);
    expect(await tabUntil(page, "el.textContent === 'Silences'")).toBe(1);
    const outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle");
    expect(outline).toBe("solid");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/ui\/silences$/);
    await page.getByRole("heading", { name: "Silences", level: 1 }).waitFor();

    // Back on the alerts, an alert's Silence button is reachable and opens a focused form.
    await page.goBack();
    await expect.poll(() => page.locator("tr[data-alert]").count()).toBe(2);
    await page.locator("body").focus();
    await tabUntil(page, "el.getAttribute('aria-label') === 'Silence cpu/b'");
    await page.keyboard.press("Enter");
    expect(await page.evaluate("document.activeElement?.id")).toBe("silence-matchers");
    await tabUntil(page, "el.textContent === 'Cancel'");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("form.panel").count()).toBe(0);

    // A phone: nothing wider than the screen, the actions still on screen and big enough.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expect.poll(() => page.locator("tr[data-alert]").count()).toBe(2);
    await expectPhoneFit(page, "Silence cpu/b");
    await shot(page, "phone");
  });

  it("with auth on, asks for credentials and shows a read-only user no actions", async () => {
    const hook = await receiver();
    const t = await tickd({
      tasks: { "cpu.tick": script(hook.url) },
      env: { TICKD_HTTP_AUTH_ENABLED: "true" },
      extraConfig: [
        "[[http.users]]",
        '  username = "oncall"',
        '  password = "pager"',
        "[[http.users]]",
        '  username = "viewer"',
        '  password = "eyes"',
        "  read-only = true",
      ].join("\n"),
    });
    const admin = { Authorization: "Basic " + Buffer.from("oncall:pager").toString("base64") };
    await fire(t, ["a"], admin);
    await hook.waitFor(1, 10_000);
    browser = await launchBrowser();
    const page = await browser.context.newPage();

    const signIn = async (user: string, password: string): Promise<void> => {
      await page.getByRole("heading", { name: "Sign in to tickd" }).waitFor();
      await page.getByLabel("User").fill(user);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
    };
    await page.goto(`${t.url}/ui/`);
    await signIn("viewer", "eyes");
    await expect.poll(() => page.locator("tr[data-alert]").count()).toBe(1);
    expect(await page.locator("header .who").innerText()).toContain("read-only");
    expect(await page.getByRole("button", { name: /^Silence / }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Acknowledge / }).count()).toBe(0);
    await shot(page, "read-only");

    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn("oncall", "pager");
    await expect.poll(() => page.getByRole("button", { name: "Silence cpu/a" }).count()).toBe(1);
    expect(await page.locator("header .who").innerText()).not.toContain("read-only");
  });
});
