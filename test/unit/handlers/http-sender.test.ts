import { describe, expect, it } from "vitest";

import { fetchSender, isAllowedUrl, redactUrl } from "../../../src/handlers/index.js";
import { receivers } from "./helpers.js";

const startReceiver = receivers();

function req(url: string, timeoutMs = 2000) {
  return { method: "POST", url, headers: { "X-A": "1" }, body: "hello", timeoutMs };
}

describe("fetchSender and the shared receiver", () => {
  it("plays a status sequence, then the fallback, and records every request", async () => {
    const rx = await startReceiver({ statuses: [500, 429], fallback: { status: 204 } });
    rx.answerNext({ status: 201, body: "made" });
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await fetchSender.send(req(rx.url + "/p?q=1")));
    expect(got.map((r) => r.status)).toEqual([500, 429, 201, 204]);
    expect(got[2]!.body).toBe("made");
    const reqs = await rx.waitFor(4);
    expect(reqs[0]).toMatchObject({ method: "POST", path: "/p?q=1", body: "hello" });
    expect(reqs[0]!.headers["x-a"]).toBe("1");
    // The body goes as bytes: fetch adds no text/plain content type.
    expect(reqs[0]!.headers["content-type"]).toBeUndefined();
  });

  it("delays, hangs and resets on request", async () => {
    const rx = await startReceiver({ answers: [{ delayMs: 150 }, { hang: true }, { reset: true }] });
    expect((await fetchSender.send(req(rx.url))).status).toBe(200);
    await expect(fetchSender.send(req(rx.url, 100))).rejects.toMatchObject({ code: "E_HANDLER_TIMEOUT" });
    await expect(fetchSender.send(req(rx.url))).rejects.toMatchObject({ code: "E_HANDLER_SEND" });
    await expect(rx.waitFor(9, 50)).rejects.toThrow(/expected 9 requests/);
  });

  it("does not follow redirects (they could leave the allowed hosts)", async () => {
    const rx = await startReceiver({
      answers: [{ status: 302, headers: { Location: "http://example.com/" } }],
    });
    expect((await fetchSender.send(req(rx.url))).status).toBe(302);
    expect(rx.requests).toHaveLength(1);
  });

  it("reports connection errors", async () => {
    const rx = await startReceiver();
    const url = rx.url;
    await rx.close();
    await expect(fetchSender.send(req(url))).rejects.toMatchObject({ code: "E_HANDLER_SEND" });
  });
});

describe("allowed hosts and URL redaction", () => {
  it("matches exact hosts, wildcards for subdomains, and only http(s)", () => {
    const ok = (u: string, hosts: string[]) => isAllowedUrl(new URL(u), hosts);
    expect(ok("https://anything.test/x", ["*"])).toBe(true);
    expect(ok("https://Hooks.Example.com/x", ["hooks.example.com"])).toBe(true);
    expect(ok("https://a.example.com/x", ["*.example.com"])).toBe(true);
    expect(ok("https://example.com/x", ["*.example.com"])).toBe(false);
    expect(ok("https://badexample.com/x", ["*.example.com"])).toBe(false);
    expect(ok("http://[::1]:8080/x", ["::1"])).toBe(true);
    expect(ok("file:///etc/passwd", ["*"])).toBe(false);
    expect(ok("https://example.com/x", [])).toBe(false);
  });

  it("redacts passwords, query values and named secrets", () => {
    expect(redactUrl("https://user:pw@h/sekret?token=abc&x=1", ["sekret"])).toBe(
      "https://user:<redacted>@h/<redacted>?token=<redacted>&x=<redacted>",
    );
    expect(redactUrl("http://h/api/KEY123/rk", ["KEY123"])).toBe("http://h/api/<redacted>/rk");
  });
});
