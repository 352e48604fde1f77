/**
 * CloudWatch through SNS against a spawned daemon with `verify-sns = true`: the subscription
 * handshake (a GET to SubscribeURL only for an allowed host; otherwise logged and counted)
 * and SNS message signatures checked against the certificate at SigningCertURL, served by a
 * local server with a test-only key (test/fixtures/integrations/sns-test-signing.*).
 */
import { createSign } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snsStringToSign } from "../../src/integrations/sources/cloudwatch.js";
import { REPO } from "../support/cli.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

const FIXTURES = join(REPO, "test/fixtures/integrations");
const KEY = readFileSync(join(FIXTURES, "sns-test-signing.key"), "utf8");
const CERT = readFileSync(join(FIXTURES, "sns-test-signing.pem"), "utf8");
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as Record<string, unknown>;

let daemon: TickdProcess;
let aws: Receiver;

beforeAll(async () => {
  // Stands in for sns.<region>.amazonaws.com: serves the signing certificate and takes the
  // subscription confirmation GET.
  aws = await startReceiver({ fallback: { status: 200, body: CERT } });
  daemon = await startTickd({
    extraConfig: ["[integrations.cloudwatch]", "  verify-sns = true", '  allowed-hosts = ["127.0.0.1"]'].join(
      "\n",
    ),
  });
});

afterAll(async () => {
  await daemon?.stop("SIGKILL");
  if (daemon !== undefined) rmSync(daemon.dir, { recursive: true, force: true });
  await aws?.close();
});

/** The message as SNS would send it: pointed at the local "AWS" and signed with the test key. */
function signed(msg: Record<string, unknown>, version: "1" | "2" = "1"): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...msg,
    SignatureVersion: version,
    SigningCertURL: `${aws.url}/SimpleNotificationService-test.pem`,
  };
  const signer = createSign(version === "1" ? "RSA-SHA1" : "RSA-SHA256");
  signer.update(snsStringToSign(out)!, "utf8");
  out["Signature"] = signer.sign(KEY, "base64");
  return out;
}

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${daemon.url}/tickd/v1/integrations/cloudwatch?topic=aws`, {
    method: "POST",
    // SNS posts JSON as text/plain.
    headers: { "Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": "Notification" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function level(id: string): Promise<string | undefined> {
  const res = await fetch(`${daemon.url}/kapacitor/v1/alerts/topics/aws/events`);
  if (res.status !== 200) return undefined;
  const events = ((await res.json()) as { events: { id: string; state: { level: string } }[] }).events;
  return events.find((e) => e.id === id)?.state.level;
}

const ALARM = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx-rate";

describe("cloudwatch via SNS with verify-sns = true", () => {
  it("confirms a signed subscription by GETting its SubscribeURL on an allowed host", async () => {
    const sub = fixture("cloudwatch.subscribe");
    sub["SubscribeURL"] =
      `${aws.url}/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:eu-west-1:123456789012:tickd&Token=abc`;
    expect(await post(signed(sub))).toEqual({ status: 200, json: { accepted: 0 } });
    const confirm = aws.requests.find((r) => r.path.startsWith("/?Action=ConfirmSubscription"));
    expect(confirm?.method).toBe("GET");
    expect(await (await fetch(`${daemon.url}/metrics`)).text()).toMatch(
      /tickd_integration_requests_total\{source="cloudwatch",outcome="subscribe_confirmed"\} 1/,
    );
  });

  it("does not confirm a subscription whose SubscribeURL host is not allowed: logged and counted", async () => {
    const before = aws.requests.length;
    const sub = fixture("cloudwatch.subscribe");
    // "localhost" is not in allowed-hosts (only 127.0.0.1 is).
    sub["SubscribeURL"] = `http://localhost:${aws.port}/?Action=ConfirmSubscription&Token=evil`;
    expect(await post(signed(sub))).toEqual({ status: 200, json: { accepted: 0 } });
    expect(aws.requests.slice(before).filter((r) => r.path.includes("ConfirmSubscription"))).toEqual([]);
    expect(await (await fetch(`${daemon.url}/metrics`)).text()).toMatch(
      /tickd_integration_requests_total\{source="cloudwatch",outcome="subscribe_refused"\} 1/,
    );
    await daemon.waitForLog(
      (l) => l["outcome"] === "subscribe_refused" && String(l["reason"]).includes("allowed-hosts"),
    );
  });

  it("collects signed notifications (SignatureVersion 1 and 2): ALARM then OK", async () => {
    expect(await post(signed(fixture("cloudwatch.firing"), "1"))).toEqual({
      status: 200,
      json: { accepted: 1 },
    });
    expect(await level(ALARM)).toBe("CRITICAL");
    expect(await post(signed(fixture("cloudwatch.resolved"), "2"))).toEqual({
      status: 200,
      json: { accepted: 1 },
    });
    expect(await level(ALARM)).toBe("OK");
  });

  it("answers 401 to a tampered, unsigned or foreign-certificate message and collects nothing", async () => {
    const good = signed(fixture("cloudwatch.firing"));
    const tampered = { ...good, Message: String(good["Message"]).replace("api-5xx-rate", "api-5xx-ratf") };
    const r1 = await post(tampered);
    expect(r1.status).toBe(401);
    expect(r1.json["error"]).toBe("invalid SNS signature");
    const unsigned = fixture("cloudwatch.firing");
    delete unsigned["Signature"];
    expect((await post(unsigned)).status).toBe(401);
    const foreign = { ...good, SigningCertURL: "https://certs.example.com/sns.pem" };
    const r3 = await post(foreign);
    expect(r3.status).toBe(401);
    expect(String(r3.json["error"])).toContain("allowed-hosts");
    expect(await level("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx-ratf")).toBeUndefined();
    expect(await (await fetch(`${daemon.url}/metrics`)).text()).toMatch(
      /tickd_integration_requests_total\{source="cloudwatch",outcome="bad_signature"\} 3/,
    );
    // Still alerting.
    expect(await post(signed(fixture("cloudwatch.firing")))).toEqual({ status: 200, json: { accepted: 1 } });
    expect(await level(ALARM)).toBe("CRITICAL");
  });
});
