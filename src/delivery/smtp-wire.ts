/**
 * The SMTP wire: sends the journaled email notifications (method `SMTP`, URL
 * `smtp://host:port`, body {@link SmtpMessage}) with nodemailer, reading `[smtp]` live so a
 * config reload applies to the next email.
 *
 * States: closed → open (a pooled connection made at the first email) → closed again after
 * `[smtp] idle-timeout` without an email (Kapacitor's mailer closes an idle connection too), or
 * when the `[smtp]` settings changed (the next email opens one with the new settings).
 *
 * Answers are mapped onto the statuses the delivery service understands: sent → 200 with the
 * server's reply; an SMTP 4xx reply (try again later) → 503, retried; a 5xx reply (bad address,
 * authentication failed) → 400, failed at once; no connection → E_HANDLER_SEND, retried.
 */
import nodemailer from "nodemailer";

import type { SmtpConfig } from "../config/types.js";
import { coerceError, TickdError } from "../core/errors.js";
import type { SmtpMessage } from "../handlers/email.js";
import { HandlerCodes, type HttpRequest } from "../handlers/types.js";
import type { Transport, TransportResponse } from "./transport.js";
import { EVENT_ID_HEADER } from "./types.js";

type Mailer = ReturnType<typeof nodemailer.createTransport>;

/** The settings a connection is made with; a change makes a new one. */
function connectionKey(c: SmtpConfig): string {
  return JSON.stringify([c.host, c.port, c.username, c.password, c.noVerify]);
}

export function createSmtpWire(config: () => SmtpConfig | undefined): Transport {
  let mailer: Mailer | undefined;
  let key = "";
  let idleTimer: NodeJS.Timeout | undefined;
  let inFlight = 0;

  const closeMailer = (): void => {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = undefined;
    mailer?.close();
    mailer = undefined;
  };

  const mailerFor = (c: SmtpConfig, timeoutMs: number): Mailer => {
    const k = connectionKey(c);
    if (mailer !== undefined && k === key) return mailer;
    closeMailer();
    key = k;
    mailer = nodemailer.createTransport({
      pool: true,
      maxConnections: 1,
      host: c.host,
      port: c.port,
      // Port 465 speaks TLS from the start; elsewhere STARTTLS is used when the server offers it.
      secure: c.port === 465,
      ...(c.username !== "" ? { auth: { user: c.username, pass: c.password }, authMethod: "PLAIN" } : {}),
      tls: { rejectUnauthorized: !c.noVerify },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    return mailer;
  };

  const armIdle = (c: SmtpConfig): void => {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = undefined;
    if (inFlight > 0) return;
    const ms = Math.max(1, Math.ceil(c.idleTimeout / 1e6));
    idleTimer = setTimeout(closeMailer, ms);
    idleTimer.unref();
  };

  return {
    async send(req: HttpRequest): Promise<TransportResponse> {
      const c = config();
      if (c === undefined || !c.enabled)
        throw new TickdError(HandlerCodes.DISABLED, "service is not enabled");
      let msg: SmtpMessage;
      try {
        msg = JSON.parse(req.body) as SmtpMessage;
      } catch (e) {
        return { status: 400, body: `unreadable email notification: ${coerceError(e).message}`, headers: {} };
      }
      const m = mailerFor(c, Math.max(1, req.timeoutMs));
      inFlight++;
      if (idleTimer !== undefined) clearTimeout(idleTimer);
      try {
        const eventId = req.headers[EVENT_ID_HEADER];
        const info = (await m.sendMail({
          from: msg.from,
          to: msg.to,
          subject: msg.subject,
          // Kapacitor's mailer (gomail) sends the body as "text/html; charset=UTF-8", always
          // quoted-printable; nodemailer's `html` would say "charset=utf-8" and pick 7bit for
          // ASCII. A single alternative is the message's only part, with these headers as given.
          alternatives: [
            {
              contentType: "text/html; charset=UTF-8",
              content: msg.html,
              contentTransferEncoding: "quoted-printable",
            },
          ],
          ...(eventId !== undefined ? { headers: { [EVENT_ID_HEADER]: eventId } } : {}),
        })) as { response?: string };
        return { status: 200, body: info.response ?? "", headers: {} };
      } catch (e) {
        const err = coerceError(e) as Error & { responseCode?: number; response?: string };
        if (typeof err.responseCode === "number") {
          const body = `SMTP ${err.responseCode}: ${err.response ?? err.message}`;
          return { status: err.responseCode >= 500 ? 400 : 503, body, headers: {} };
        }
        // No reply (refused, reset, timeout): the connection is made again next time.
        closeMailer();
        throw new TickdError(HandlerCodes.SEND, `smtp ${c.host}:${c.port}: ${err.message}`, { cause: err });
      } finally {
        inFlight--;
        if (mailer !== undefined) armIdle(c);
      }
    },
    close: () => {
      closeMailer();
      return Promise.resolve();
    },
    destroy: () => {
      closeMailer();
      return Promise.resolve();
    },
  };
}
