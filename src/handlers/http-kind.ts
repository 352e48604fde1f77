/**
 * The plumbing every request/response notification kind shares (slack, pagerduty2, opsgenie2,
 * teams, telegram, discord, …), so each kind module only says what Kapacitor's service says:
 * its options, which config section it sends with, and the request it builds for an event.
 *
 * Per event: the section is read live (a config reload applies at once); a disabled section
 * is refused with Kapacitor's "service is not enabled" (journaled as failed, counted); the
 * request's URL must be inside `[webhook] allowed-hosts`; the request goes to the sender with
 * delivery metadata, so the delivery journal keeps it, retries it and keeps each alert id's
 * order. Secrets named by the kind (tokens in URL paths, webhook URLs) are replaced in the
 * URL the journal, the API and the logs show. A non-2xx answer is logged with the kind's own
 * error text (Kapacitor's wording). At define/load time `preflight` refuses a disabled
 * section, an unknown workspace and a URL outside the allow-list.
 */
import type { AlertEvent } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import type { Level } from "../core/types.js";
import { allProperties, lastProperty, type ArgValue, type HandlerSpec } from "../pipeline/task-graph.js";
import { checkUrl, deliveryMeta, isSuccess, redactUrl, requestTimeoutMs } from "./http.js";
import { schema, type OptionReader } from "./options.js";
import { SerialHandler, logFailure } from "./runner.js";
import {
  HandlerCodes,
  type HandlerConfig,
  type HandlerContext,
  type HandlerKind,
  type ServiceTestSpec,
  type TlsOptions,
} from "./types.js";
import { notEnabled, requireEnabled } from "./disabled.js";

/** What a kind's section must have: an on/off switch (TLS keys where Kapacitor has them). */
export interface SectionBase {
  readonly enabled: boolean;
  readonly sslCa?: string;
  readonly insecureSkipVerify?: boolean;
}

/** One request a kind builds for an event. */
export interface KindRequest {
  url: string;
  /** Default POST. */
  method?: string;
  headers: Record<string, string>;
  body: string;
}

export interface HttpKindDef<O, C extends SectionBase> {
  /** Handler-file kind, lower case: `slack`, `pagerduty2`. */
  kind: string;
  /** The config section as written in the file: `[[slack]]`, `[pagerduty2]`. */
  section: string;
  /** Option keys of handler files (Kapacitor's mapstructure names). */
  keys: readonly string[];
  parse(r: OptionReader): O;
  /** TICKscript handler properties → file-shaped options. */
  fromTickscript(spec: HandlerSpec): Record<string, unknown>;
  /** Option paths holding secrets (shown as "<redacted>"). */
  secrets?: readonly string[];
  /** The section this handler sends with (a workspace's); throws E_HANDLER_OPTIONS when there is none. */
  config(all: HandlerConfig, o: O): C;
  /** The request for one event, or undefined when Kapacitor sends nothing for it. Throws to refuse it. */
  build(event: AlertEvent, o: O, c: C, ctx: HandlerContext, previousLevel: Level): KindRequest | undefined;
  /** Strings to hide wherever the request's URL is shown (tokens in the path, the webhook URL's path). */
  urlSecrets?(o: O, c: C): string[];
  /** The URL a handler will send to, when known before any event (checked at define time). */
  staticUrl?(o: O, c: C): string | undefined;
  /** Kapacitor's error text for a non-2xx answer. */
  responseError(status: number, body: string): string;
  serviceTest?: ServiceTestSpec;
}

export { notEnabled } from "./disabled.js";

/** The `{"<field>": "…"}` message of a JSON error body, else Kapacitor's "failed to understand" text. */
export function jsonErrorMessage(label: string, field: string, status: number, body: string): string {
  let message = `failed to understand ${label} response. code: ${status} content: ${body}`;
  try {
    const parsed = JSON.parse(body) as unknown;
    const v =
      parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>)[field] : undefined;
    if (typeof v === "string") message = v;
  } catch {
    // not JSON: the generic text
  }
  return message;
}

/**
 * The section of a multi-workspace service (`[[slack]]`, `[[discord]]`): the named workspace,
 * else the default one (the only one, or the one marked `default = true`). Kapacitor's errors.
 */
export function workspaceConfig<C extends { workspace: string; default: boolean }>(
  kind: string,
  list: readonly C[],
  workspace: string,
): C {
  if (list.length === 0)
    throw new TickdError(HandlerCodes.DISABLED, `no ${kind} configuration found: add a [[${kind}]] section`);
  const found =
    workspace === ""
      ? list.length === 1
        ? list[0]
        : (list.find((c) => c.default) ?? list.find((c) => c.workspace === ""))
      : list.find((c) => c.workspace === workspace);
  if (found === undefined)
    throw new TickdError(
      HandlerCodes.OPTIONS,
      `${kind} handler: workspace id not found: ${JSON.stringify(workspace)}`,
    );
  return found;
}

function tlsOf(c: SectionBase): TlsOptions | undefined {
  const tls: TlsOptions = {};
  if (c.insecureSkipVerify === true) tls.verificationMode = "none";
  if (c.sslCa !== undefined && c.sslCa !== "") tls.caFile = c.sslCa;
  return Object.keys(tls).length > 0 ? tls : undefined;
}

/** Builds the registry entry of one HTTP notification kind. */
export function httpKind<O, C extends SectionBase>(def: HttpKindDef<O, C>): HandlerKind<O> {
  const create = (o: O, ctx: HandlerContext): SerialHandler => {
    const deliver = async (event: AlertEvent, previousLevel: Level): Promise<void> => {
      const c = def.config(ctx.config, o);
      if (!c.enabled) throw notEnabled();
      const req = def.build(event, o, c, ctx, previousLevel);
      if (req === undefined) return;
      checkUrl(req.url, ctx.config.webhook);
      const secrets = def.urlSecrets?.(o, c).filter((s) => s !== "") ?? [];
      const tls = tlsOf(c);
      // Handed over before the first await (SerialHandler's sendsOnly): the journal keeps order.
      const res = await ctx.send.send({
        method: req.method ?? "POST",
        url: req.url,
        headers: req.headers,
        body: req.body,
        timeoutMs: requestTimeoutMs(ctx.config.webhook),
        ...(tls !== undefined ? { tls } : {}),
        delivery: deliveryMeta(ctx, event, def.kind, secrets),
      });
      if (!isSuccess(res.status)) {
        logFailure(
          ctx,
          def.kind,
          event,
          new TickdError(HandlerCodes.STATUS, def.responseError(res.status, res.body)),
          "error",
          { status: res.status, url: redactUrl(req.url, secrets) },
        );
      }
    };
    // sendsOnly: whatever deliver throws (disabled, not allowed, bad template) was never sent
    // and is journaled as failed by the runner (reportUnsent).
    return new SerialHandler(ctx, def.kind, deliver, { sendsOnly: true });
  };

  const preflight = (o: O, config: HandlerConfig): void => {
    const c = def.config(config, o);
    requireEnabled(c.enabled, def.kind, `set enabled = true in the ${def.section} section of the config`);
    const url = def.staticUrl?.(o, c);
    if (url !== undefined) {
      try {
        checkUrl(url, config.webhook);
      } catch (e) {
        if (e instanceof TickdError) {
          const secrets = def.urlSecrets?.(o, c).filter((s) => s !== "") ?? [];
          throw new TickdError(e.code, `${def.kind} handler: ${redactUrlText(e.message, secrets)}`);
        }
        throw e;
      }
    }
  };

  return {
    kind: def.kind,
    optionsSchema: schema(def.kind, def.keys, def.parse),
    create,
    fromTickscript: def.fromTickscript,
    secrets: def.secrets ?? [],
    preflight,
    ...(def.serviceTest !== undefined ? { serviceTest: def.serviceTest } : {}),
  };
}

function redactUrlText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("<redacted>");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Small helpers the kind modules share.

/** `Content-Type: application/json`, as Go's http.Post(url, "application/json", body) sends. */
export const JSON_HEADERS: Readonly<Record<string, string>> = { "Content-Type": "application/json" };

/** The URL's path (and query): the credential part of a webhook URL such as Slack's. */
export function urlPathSecret(url: string): string {
  try {
    const u = new URL(url);
    const p = u.pathname + u.search;
    return p === "/" ? "" : p;
  } catch {
    return url;
  }
}

/** How a TICKscript handler property maps onto a file option. */
export type TickProp =
  | [option: string, type: "string" | "bool" | "duration"]
  /** A variadic string property (`.teams('a', 'b')`); repeats append. */
  | [option: string, type: "strings"];

/** File-shaped options from a TICKscript handler's properties, by a property → option table. */
export function tickOptions(
  spec: HandlerSpec,
  props: Readonly<Record<string, TickProp>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, [option, type]] of Object.entries(props)) {
    if (type === "strings") {
      const all = allProperties(spec, name).flatMap((p) => p.args.flatMap(stringsOf));
      if (all.length > 0) out[option] = [...((out[option] as string[] | undefined) ?? []), ...all];
      continue;
    }
    const p = lastProperty(spec, name);
    if (p === undefined) continue;
    const a = p.args[0];
    if (type === "bool") out[option] = a?.type === "bool" ? a.value : true;
    else if (type === "duration" && a?.type === "duration") out[option] = a.ns;
    else if (type === "string" && a?.type === "string") out[option] = a.value;
  }
  return out;
}

function stringsOf(a: ArgValue): string[] {
  if (a.type === "string") return [a.value];
  if (a.type === "list") return a.items.flatMap(stringsOf);
  return [];
}
