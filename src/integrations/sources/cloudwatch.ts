/**
 * `cloudwatch`: CloudWatch alarms through an SNS HTTP(S) subscription. The body is SNS's
 * envelope (`Type`, `MessageId`, `TopicArn`, `Message`, `Signature`, `SigningCertURL`…):
 * - `SubscriptionConfirmation`: tickd confirms by GETting `SubscribeURL`, but only when
 *   `[integrations.cloudwatch] confirm-subscriptions` is on and the URL's host is allowed by
 *   both `[integrations.cloudwatch] allowed-hosts` and `[webhook] allowed-hosts`; otherwise
 *   the request is logged and counted (`outcome="subscribe_refused"`) and answered 200, so an
 *   operator can confirm by hand with the logged TopicArn.
 * - `UnsubscribeConfirmation`: logged, nothing collected.
 * - `Notification`: `Message` is the alarm JSON. Event id = `AlarmArn`, else
 *   `AWSAccountId/Region/AlarmName`; `NewStateValue` ALARM → CRITICAL, INSUFFICIENT_DATA →
 *   WARNING, OK → resolved; message = `AlarmName` + `NewStateReason`.
 * With `verify-sns = true` every message's signature is checked (SignatureVersion 1:
 * SHA1withRSA, 2: SHA256withRSA) against the certificate at `SigningCertURL`, which must be
 * https (http only for a loopback host, for tests) on an allowed host; certificates are
 * cached per URL. A bad or missing signature is a 401.
 */
import { X509Certificate, createVerify } from "node:crypto";
import { Level } from "../../core/types.js";
import { coerceError } from "../../core/errors.js";
import type { IncomingStatus } from "../mapping.js";
import { isAllowedUrl } from "../../handlers/http.js";
import { alert, firstText, IntegrationError, isObj, requireObject, text, unknownValue } from "./common.js";
import type { InboundSource, SourceContext, SourceResult } from "./types.js";
import type { Obj } from "../mapping.js";

const STATES: ReadonlyMap<string, { status: IncomingStatus; level?: Level }> = new Map([
  ["ALARM", { status: "trigger", level: Level.CRITICAL }],
  ["INSUFFICIENT_DATA", { status: "trigger", level: Level.WARNING }],
  ["OK", { status: "ok" }],
]);

/** The fields SNS signs, in order, per message type (AWS "Verifying the signatures of Amazon SNS messages"). */
const SIGNED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: [
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
  ],
  UnsubscribeConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
};

/** SNS's string to sign: `name\nvalue\n` for each signed field present. */
export function snsStringToSign(msg: Obj): string | undefined {
  const fields = SIGNED_FIELDS[String(msg.Type)];
  if (fields === undefined) return undefined;
  let out = "";
  for (const f of fields) {
    const v = text(msg[f]);
    if (v === undefined) continue;
    out += `${f}\n${v}\n`;
  }
  return out;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

function hostAllowed(url: URL, ctx: SourceContext): boolean {
  return isAllowedUrl(url, ctx.config.cloudwatch.allowedHosts) && ctx.io.allowedByWebhookRules(url);
}

/** Signing certificates by URL (AWS rotates them rarely; a process restart refetches). */
const certCache = new Map<string, X509Certificate>();
const CERT_CACHE_MAX = 16;

async function signingCert(urlText: string, ctx: SourceContext): Promise<X509Certificate> {
  const cached = certCache.get(urlText);
  if (cached !== undefined) return cached;
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new IntegrationError(401, "invalid SNS signature: SigningCertURL is not a URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    throw new IntegrationError(401, "invalid SNS signature: SigningCertURL must be https");
  }
  if (!hostAllowed(url, ctx)) {
    throw new IntegrationError(
      401,
      `invalid SNS signature: SigningCertURL host ${JSON.stringify(url.hostname)} is not in [integrations.cloudwatch] allowed-hosts`,
    );
  }
  let pem: string;
  try {
    const res = await ctx.io.get(url.href);
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    pem = res.body;
  } catch (e) {
    // The vendor's side failed, not the sender's: a 5xx makes SNS retry the message.
    throw new IntegrationError(502, `could not fetch the SNS signing certificate: ${coerceError(e).message}`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new IntegrationError(401, "invalid SNS signature: SigningCertURL did not return a PEM certificate");
  }
  if (certCache.size >= CERT_CACHE_MAX) certCache.delete(certCache.keys().next().value as string);
  certCache.set(urlText, cert);
  return cert;
}

async function verifySignature(msg: Obj, ctx: SourceContext): Promise<void> {
  const signature = text(msg.Signature);
  const certUrl = text(msg.SigningCertURL) ?? text(msg.SigningCertUrl);
  const version = text(msg.SignatureVersion) ?? "1";
  if (signature === undefined || certUrl === undefined) {
    throw new IntegrationError(
      401,
      "invalid SNS signature: Signature and SigningCertURL are required (verify-sns = true)",
    );
  }
  const algorithm = version === "1" ? "RSA-SHA1" : version === "2" ? "RSA-SHA256" : undefined;
  if (algorithm === undefined)
    throw new IntegrationError(401, `invalid SNS signature: unknown SignatureVersion ${version}`);
  const toSign = snsStringToSign(msg);
  if (toSign === undefined)
    throw unknownValue("Type", msg.Type, "Notification, SubscriptionConfirmation or UnsubscribeConfirmation");
  const cert = await signingCert(certUrl, ctx);
  const now = Date.now();
  if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) {
    throw new IntegrationError(401, "invalid SNS signature: the signing certificate is not valid now");
  }
  const ok = createVerify(algorithm).update(toSign, "utf8").verify(cert.publicKey, signature, "base64");
  if (!ok) throw new IntegrationError(401, "invalid SNS signature");
}

async function confirm(msg: Obj, ctx: SourceContext): Promise<SourceResult> {
  const topic = text(msg.TopicArn) ?? "";
  const raw = text(msg.SubscribeURL);
  if (raw === undefined) throw new IntegrationError(400, "SubscriptionConfirmation without SubscribeURL");
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!ctx.config.cloudwatch.confirmSubscriptions || url === undefined || !hostAllowed(url, ctx)) {
    const why = !ctx.config.cloudwatch.confirmSubscriptions
      ? "[integrations.cloudwatch] confirm-subscriptions = false"
      : `its host is not in [integrations.cloudwatch] allowed-hosts / [webhook] allowed-hosts`;
    return {
      alerts: [],
      outcome: "subscribe_refused",
      note: `SNS subscription to ${topic} not confirmed: ${why}; confirm it in the AWS console`,
    };
  }
  let status: number;
  try {
    status = (await ctx.io.get(url.href)).status;
  } catch (e) {
    throw new IntegrationError(502, `SNS subscription confirmation failed: ${coerceError(e).message}`);
  }
  if (status < 200 || status > 299) {
    throw new IntegrationError(502, `SNS subscription confirmation failed: SubscribeURL answered ${status}`);
  }
  return { alerts: [], outcome: "subscribe_confirmed", note: `SNS subscription to ${topic} confirmed` };
}

export const cloudwatch: InboundSource = {
  name: "cloudwatch",
  async map(body, ctx): Promise<SourceResult> {
    const msg = requireObject("SNS", body);
    const type = text(msg.Type);
    if (type === undefined || SIGNED_FIELDS[type] === undefined) {
      throw unknownValue(
        "Type",
        msg.Type,
        "Notification, SubscriptionConfirmation or UnsubscribeConfirmation (an SNS envelope)",
      );
    }
    if (ctx.config.cloudwatch.verifySns) await verifySignature(msg, ctx);
    if (type === "SubscriptionConfirmation") return confirm(msg, ctx);
    if (type === "UnsubscribeConfirmation") {
      return { alerts: [], note: `SNS unsubscribed from ${text(msg.TopicArn) ?? "?"}` };
    }
    const inner = text(msg.Message);
    if (inner === undefined) throw new IntegrationError(400, 'SNS Notification without "Message"');
    let alarm: unknown;
    try {
      alarm = JSON.parse(inner);
    } catch (e) {
      throw new IntegrationError(
        400,
        `SNS Message is not a CloudWatch alarm (JSON): ${coerceError(e).message}`,
      );
    }
    if (!isObj(alarm)) throw new IntegrationError(400, "SNS Message is not a CloudWatch alarm object");
    const stateWord = text(alarm.NewStateValue);
    const state = stateWord === undefined ? undefined : STATES.get(stateWord);
    if (state === undefined)
      throw unknownValue("NewStateValue", alarm.NewStateValue, "ALARM, OK or INSUFFICIENT_DATA");
    const name = firstText(alarm, "AlarmName");
    const account = firstText(alarm, "AWSAccountId");
    const region = firstText(alarm, "Region");
    let id = firstText(alarm, "AlarmArn");
    if (id === undefined && name !== undefined && account !== undefined && region !== undefined) {
      id = `${account}/${region}/${name}`;
    }
    if (id === undefined) {
      throw new IntegrationError(
        400,
        'missing event id: a CloudWatch alarm needs "AlarmArn" (or AWSAccountId, Region and AlarmName)',
      );
    }
    const tags: Record<string, string> = {};
    if (account !== undefined) tags.account = account;
    if (region !== undefined) tags.region = region;
    const metric = firstText(alarm, "Trigger.MetricName");
    if (metric !== undefined) tags.metric = metric;
    const reason = firstText(alarm, "NewStateReason");
    return {
      alerts: [
        alert("cloudwatch", ctx.nowNs, {
          id,
          status: state.status,
          level: state.level,
          message: name !== undefined && reason !== undefined ? `${name}: ${reason}` : (name ?? reason),
          details: firstText(alarm, "AlarmDescription") ?? "",
          tags,
          name,
        }),
      ],
    };
  },
};
