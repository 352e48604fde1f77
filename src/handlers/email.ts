/**
 * `smtp` (TICKscript `.email()`): Kapacitor's email handler (services/smtp). The subject is the
 * alert message, the body the alert details as text/html, From `[smtp] from`, To the handler's
 * recipients or else `[smtp] to`.
 *
 * An email is request/response like an HTTP POST, so it goes through the delivery journal the
 * same way: the handler hands the sender a request with method `SMTP`, URL
 * `smtp://<host>:<port>` and the message as JSON ({@link SmtpMessage}); the delivery layer's
 * SMTP wire (src/delivery/smtp-wire.ts) sends it with nodemailer under the live `[smtp]`
 * credentials, and retries it like any other notification. No password is ever in the journal.
 */
import type { AlertEvent } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import { Level } from "../core/types.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";
import { deliveryMeta, isSuccess, requestTimeoutMs } from "./http.js";
import { argString, schema } from "./options.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import { logFailure, SerialHandler } from "./runner.js";
import {
  HandlerCodes,
  type HandlerConfig,
  type HandlerContext,
  type HandlerKind,
  type ServiceTestSpec,
} from "./types.js";
import { notEnabled, requireEnabled } from "./disabled.js";

const KIND = "smtp";

/** The journaled body of an email notification. */
export interface SmtpMessage {
  from: string;
  to: string[];
  subject: string;
  html: string;
}

/** The method of an email notification in the journal (its URL is `smtp://host:port`). */
export const SMTP_METHOD = "SMTP";

export interface EmailOptions {
  /** "" entries never occur; empty = `[smtp] to`. */
  to: string[];
}

export const emailSchema = schema(KIND, ["to"], (r): EmailOptions => {
  const to = r.stringOrList("to") ?? [];
  to.forEach((t, i) => {
    if (!t.includes("@")) throw r.error(`to[${i}]`, `invalid to email address: ${JSON.stringify(t)}`);
  });
  return { to };
});

/** Kapacitor's ErrNoRecipients. */
function noRecipients(): TickdError {
  return new TickdError(HandlerCodes.OPTIONS, "not sending email, no recipients defined");
}

/** The message for `event`, as Kapacitor's prepareMessge builds it. */
export function emailMessage(event: AlertEvent, from: string, to: readonly string[]): SmtpMessage {
  return { from, to: [...to], subject: event.state.message, html: event.state.details };
}

export function createEmail(o: EmailOptions, ctx: HandlerContext): SerialHandler {
  const timeoutMs = requestTimeoutMs(ctx.config.webhook);
  const deliver = async (event: AlertEvent): Promise<void> => {
    const c = ctx.config.smtp;
    if (c === undefined || !c.enabled) throw notEnabled();
    const to = o.to.length > 0 ? o.to : c.to;
    if (to.length === 0) throw noRecipients();
    const res = await ctx.send.send({
      method: SMTP_METHOD,
      url: `smtp://${c.host.includes(":") ? `[${c.host}]` : c.host}:${c.port}`,
      headers: {},
      body: JSON.stringify(emailMessage(event, c.from, to)),
      timeoutMs,
      delivery: deliveryMeta(ctx, event, KIND, []),
    });
    if (!isSuccess(res.status)) {
      logFailure(ctx, KIND, event, new TickdError(HandlerCodes.STATUS, res.body), "error", {
        status: res.status,
      });
    }
  };
  return new SerialHandler(ctx, KIND, deliver, { sendsOnly: true });
}

function emailFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const to: string[] = [];
  for (const a of spec.args) {
    const s = argString(a);
    if (s !== undefined && s !== "") to.push(s);
  }
  for (const p of spec.properties) {
    if (p.name !== "to") continue;
    for (const a of p.args) {
      const s = argString(a);
      if (s !== undefined && s !== "") to.push(s);
    }
  }
  return to.length > 0 ? { to } : {};
}

function emailPreflight(o: EmailOptions, config: HandlerConfig): void {
  const c = config.smtp;
  requireEnabled(c?.enabled === true, "smtp", "set [smtp] enabled = true, host and from in the config");
  if (o.to.length === 0 && (c?.to.length ?? 0) === 0) {
    throw new TickdError(
      HandlerCodes.OPTIONS,
      "smtp handler: not sending email, no recipients defined (name them, or set [smtp] to)",
    );
  }
}

/** Kapacitor's `smtp` service test: one email with the given subject and body. */
const emailServiceTest: ServiceTestSpec = {
  name: "smtp",
  options: (c) => ({ to: [...(c.smtp?.to ?? [])], subject: "test subject", body: "test body" }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("smtp", raw);
    const to = o.strings("to");
    return {
      handlerOptions: to.length > 0 ? { to } : {},
      event: testEvent({
        id: "smtp-service-test",
        message: o.string("subject"),
        details: o.string("body"),
        level: Level.CRITICAL,
        timeMs: nowMs,
      }),
    };
  },
};

export const email: HandlerKind<EmailOptions> = {
  kind: KIND,
  optionsSchema: emailSchema,
  create: createEmail,
  fromTickscript: emailFromTickscript,
  secrets: [],
  preflight: emailPreflight,
  serviceTest: emailServiceTest,
};
