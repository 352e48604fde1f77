/**
 * The console's Integrations page in a real browser (Debian's chromium through
 * playwright-core) against a spawned tickd: connectors and inbound integration sources, each
 * with its last event and its last error (time and a short message, never a secret), kept
 * across a restart; a writer tests a connector from the page; a read-only user sees the same
 * list and no actions; a 390 px phone needs no sideways scrolling.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { ARTIFACTS, expectPhoneFit, launchBrowser, type Browser } from "../support/browser.js";
import { REPO } from "../support/cli.js";
import { useDaemons, type TickdProcess } from "../support/daemon.js";

const { tickd, receiver, running } = useDaemons();
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

const KEY = "console-test-key-0123456789abcdef0123";
const PASSWORD = "Hunter2-console-secret";
const SECRETS = ["[secrets]", `  key = ${JSON.stringify(KEY)}`].join("\n");

async function post(
  t: TickdProcess,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(t.url + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "kbn-xsrf": "true", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

function webhook(url: string): unknown {
  return {
    name: "ops",
    connector_type_id: ".webhook",
    config: { url, method: "post", hasAuth: true, authType: "webhook-authentication-basic" },
    secrets: { user: "ops", password: PASSWORD },
  };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const fixture = (name: string): string =>
  readFileSync(join(REPO, "test", "fixtures", "integrations", name), "utf8");

describe("console: connectors and integrations in chromium", () => {
  it("lists them with last event and last error (no secret shown), kept across a restart; a writer tests a connector", async () => {
    const ok = await receiver();
    // An endpoint that refuses and echoes the credentials it got back: the console must not show them.
    const bad = await receiver({ fallback: { status: 503, body: `no route for ops:${PASSWORD}` } });
    const t1 = await tickd({ extraConfig: SECRETS });
    expect((await post(t1, "/api/actions/connector/ops-ok", webhook(`${ok.url}/hook`))).status).toBe(200);
    expect((await post(t1, "/api/actions/connector/ops-bad", webhook(`${bad.url}/hook`))).status).toBe(200);
    const run = await post(t1, "/api/actions/connector/ops-ok/_execute", { params: { body: "{}" } });
    expect(JSON.parse(run.text)).toMatchObject({ status: "ok" });
    const failed = await post(t1, "/api/actions/connector/ops-bad/_execute", { params: { body: "{}" } });
    expect(JSON.parse(failed.text)).toMatchObject({ status: "error" });
    expect(
      (await post(t1, "/tickd/v1/integrations/grafana?topic=ops", fixture("grafana.firing.json"))).status,
    ).toBe(200);
    expect((await post(t1, "/tickd/v1/integrations/datadog?topic=ops", "{not json")).status).toBe(400);

    // Kept across a restart (SQLite): stop, start again on the same directory.
    expect(await t1.stop()).toBe(0);
    running.splice(running.indexOf(t1), 1);
    const t = await tickd({ dir: t1.dir, extraConfig: SECRETS });

    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    await page.goto(`${t.url}/ui/`);
    await page.getByRole("link", { name: "Integrations" }).click();
    await page.waitForURL(/\/ui\/integrations$/);
    const okRow = page.locator('tr[data-connector="ops-ok"]');
    const badRow = page.locator('tr[data-connector="ops-bad"]');
    await okRow.waitFor();
    expect(await okRow.locator(".last-event time").count()).toBe(1);
    expect(await okRow.locator(".last-error").innerText()).toContain("none");
    expect(await badRow.locator(".last-event").innerText()).toContain("never");
    const badError = await badRow.locator(".last-error").innerText();
    expect(badError).toContain("error calling webhook, retry later");
    expect(badError).toContain("503");
    expect(await badRow.locator(".last-error time").count()).toBe(1);
    // Connectors and integrations are two polls: the second table may render after the first.
    const grafana = page.locator('tr[data-integration="grafana"]');
    await grafana.waitFor();
    expect(await grafana.locator(".last-event time").count()).toBe(1);
    expect(await grafana.locator(".last-error").innerText()).toContain("none");
    const datadog = page.locator('tr[data-integration="datadog"]');
    expect(await datadog.locator(".last-event").innerText()).toContain("never");
    expect(await datadog.locator(".last-error").innerText()).toMatch(/not JSON|JSON/i);
    await shot(page, "integrations");

    // Testing from the page: the bad one's error is shown and its time moves on.
    const before = await badRow.locator(".last-error time").getAttribute("datetime");
    await page.getByRole("button", { name: "Test connector ops-bad" }).click();
    await expect.poll(() => page.locator("p.error").innerText()).toContain("Connector ops-bad");
    await expect.poll(() => badRow.locator(".last-error time").getAttribute("datetime")).not.toBe(before);
    await page.getByRole("button", { name: "Test connector ops-ok" }).click();
    await expect.poll(() => page.locator(".notice").innerText()).toBe("Connector ops-ok answered ok");
    expect(ok.requests.length).toBe(2);

    // No secret anywhere in the page (nor in the API it read).
    expect(await page.content()).not.toContain(PASSWORD);
    const listed = await (await fetch(`${t.url}/tickd/v1/connectors`)).text();
    expect(listed).not.toContain(PASSWORD);
    const rows = (JSON.parse(listed) as { connectors: { id: string; last_error: string | null }[] })
      .connectors;
    expect(rows.find((c) => c.id === "ops-bad")!.last_error).toContain("ops:<redacted>");

    // A phone: nothing wider than the screen, the Test button on screen and big enough.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await badRow.waitFor();
    await expectPhoneFit(page, "Test connector ops-bad");
    expect(await badRow.locator(".cell-label").first().isVisible()).toBe(true);
    await shot(page, "integrations-phone");
    expect(consoleErrors).toEqual([]);
  });

  it("shows a read-only user the list and no actions; the API refuses its test", async () => {
    const ok = await receiver();
    const t = await tickd({
      env: { TICKD_HTTP_AUTH_ENABLED: "true" },
      extraConfig: [
        SECRETS,
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
    const viewer = { Authorization: "Basic " + Buffer.from("viewer:eyes").toString("base64") };
    expect((await post(t, "/api/actions/connector/ops-ok", webhook(`${ok.url}/hook`), admin)).status).toBe(
      200,
    );
    expect((await post(t, "/api/actions/connector/ops-ok/_execute", { params: {} }, viewer)).status).toBe(
      403,
    );
    expect((await post(t, "/api/actions/connector/ops-ok/_execute", { params: {} }, admin)).status).toBe(200);

    browser = await launchBrowser();
    const page = await browser.context.newPage();
    await page.goto(`${t.url}/ui/integrations`);
    await page.getByRole("heading", { name: "Sign in to tickd" }).waitFor();
    await page.getByLabel("User").fill("viewer");
    await page.getByLabel("Password").fill("eyes");
    await page.getByRole("button", { name: "Sign in" }).click();
    const row = page.locator('tr[data-connector="ops-ok"]');
    await row.waitFor();
    expect(await row.locator(".last-event time").count()).toBe(1);
    await page.locator('tr[data-integration="uptime-kuma"]').waitFor();
    expect(await page.locator("header .who").innerText()).toContain("read-only");
    expect(await page.getByRole("button", { name: /^Test connector/ }).count()).toBe(0);
    await shot(page, "integrations-read-only");
  });
});
