/**
 * The daemon's side of `|httpPost()` (the engine's HttpPostAccess): renders the request as
 * Kapacitor's http_post.go and httppost service do, and sends it over the handlers' wire.
 *
 * - URL: the node's URL or the `[[httppost]]` endpoint's, a Go template over the row as
 *   Kapacitor's mappedRow (`.Name`, `.Tags`, `.Values`: one map per row, `time` included);
 *   after templating it must pass `[webhook] allowed-hosts`.
 * - Body: the endpoint's `row-template` (or `row-template-file`) over the same data, without
 *   a Content-Type; else `{"series":[row]}` JSON plus "\n" with `Content-Type:
 *   application/json`.
 * - Headers: the endpoint's, its basic auth, the content type, then the node's `.header()`s.
 * - Timeout: the node's `.timeout()`, else `[webhook] timeout` (30s by default). No retry, as
 *   Kapacitor: a refused URL, a failed request or a non-2xx answer is logged (with the body
 *   under `.captureResponse()`), and the status (0 without an answer) goes to `.codeField()`.
 */
import { readFileSync } from "node:fs";
import { seriesJson } from "../alert/alert-json.js";
import type { Series } from "../core/alert-event.js";
import { coerceError } from "../core/errors.js";
import { goJson } from "../core/go-json.js";
import { GoTime, goMap, stringMap } from "../core/go-format.js";
import { compileTemplate, type Template } from "../core/template.js";
import type { EngineLogger, HttpPostAccess, HttpPostRequest } from "../engine/context.js";
import { basicAuthHeader, checkUrl, isSuccess, redactUrl, requestTimeoutMs } from "../handlers/http.js";
import type { HandlerConfig, HttpPostEndpointConfig, HttpSender } from "../handlers/types.js";

/** Kapacitor's mappedRow: what URL and row templates see. */
export function mappedRow(row: Series): Record<string, unknown> {
  return {
    Name: row.name,
    Tags: stringMap(row.tags),
    Values: row.values.map((v) => {
      const m: Record<string, unknown> = {};
      row.columns.forEach((c, i) => {
        m[c] = i === 0 && typeof v[i] === "bigint" ? new GoTime(v[i]) : v[i];
      });
      return goMap(m);
    }),
  };
}

/** The body of a request without a row template: models.Result with the one row. */
export function rowResultJson(row: Series): string {
  return goJson({ series: [seriesJson(row)] }) + "\n";
}

export interface HttpPostSenderDeps {
  /** Read on every request: a SIGHUP that changes `[[httppost]]` or `[webhook]` applies at once. */
  config: Pick<HandlerConfig, "httppost" | "webhook">;
  send: HttpSender;
  logger: EngineLogger;
  /**
   * `tickctl test`: show each rendered request instead of sending it; the node then sees
   * status 0, as if no answer came, and nothing is logged as failed.
   */
  dryRun?: (req: { url: string; headers: Record<string, string>; body: string; node: string }) => void;
}

export function createHttpPostAccess(d: HttpPostSenderDeps): HttpPostAccess {
  const templates = new Map<string, Template>();
  const template = (text: string, name: string): Template => {
    let t = templates.get(`${name}\0${text}`);
    if (t === undefined) {
      t = compileTemplate(text, { name });
      templates.set(`${name}\0${text}`, t);
    }
    return t;
  };
  const endpointOf = (name: string): HttpPostEndpointConfig | undefined =>
    d.config.httppost.find((e) => e.endpoint === name);
  const rowTemplateOf = (ep: HttpPostEndpointConfig): string | undefined => {
    if ((ep.rowTemplate ?? "") !== "") return ep.rowTemplate;
    const file = ep.rowTemplateFile ?? "";
    return file === "" ? undefined : readFileSync(file, "utf8");
  };

  const build = (req: HttpPostRequest) => {
    const ep = req.endpoint !== undefined ? endpointOf(req.endpoint) : undefined;
    if (req.endpoint !== undefined && ep === undefined)
      throw new Error(`endpoint '${req.endpoint}' does not exist`);
    const data = mappedRow(req.row);
    const url = template(req.url ?? ep?.url ?? "", "url").execute(data);
    checkUrl(url, d.config.webhook);
    const headers: Record<string, string> = { ...(ep?.headers ?? {}) };
    const auth = ep?.basicAuth;
    if (auth && auth.username !== "" && auth.password !== "")
      headers.Authorization = basicAuthHeader(auth.username, auth.password);
    const rowTemplate = ep === undefined ? undefined : rowTemplateOf(ep);
    let body: string;
    if (rowTemplate !== undefined) body = template(rowTemplate, "row").execute(data);
    else {
      body = rowResultJson(req.row);
      headers["Content-Type"] = "application/json";
    }
    Object.assign(headers, req.headers);
    return { url, headers, body, secrets: auth?.password ? [auth.password] : [] };
  };

  return {
    hasEndpoint: (name) => endpointOf(name) !== undefined,
    async post(req) {
      const where = { task: req.task, node: req.node };
      let r: ReturnType<typeof build>;
      try {
        r = build(req);
      } catch (e) {
        d.logger.log("error", `failed to POST data: ${coerceError(e).message}`, where);
        return 0;
      }
      if (d.dryRun !== undefined) {
        d.dryRun({ url: redactUrl(r.url, r.secrets), headers: r.headers, body: r.body, node: req.node });
        return 0;
      }
      try {
        const res = await d.send.send({
          method: "POST",
          url: r.url,
          headers: r.headers,
          body: r.body,
          timeoutMs: requestTimeoutMs(d.config.webhook, req.timeout),
        });
        if (!isSuccess(res.status)) {
          const detail = req.captureResponse
            ? res.body
            : "unknown error, use .captureResponse() to capture the HTTP response";
          d.logger.log("error", `POST returned non 2xx status code: ${detail}`, {
            ...where,
            code: res.status,
            url: redactUrl(r.url, r.secrets),
          });
        }
        return res.status;
      } catch (e) {
        d.logger.log("error", `failed to POST data: ${coerceError(e).message}`, {
          ...where,
          url: redactUrl(r.url, r.secrets),
        });
        return 0;
      }
    },
  };
}
