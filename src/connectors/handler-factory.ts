/**
 * The `connector` handler kind: a topic handler (`kind: connector`, `options: {id: <connector
 * id>, …}`) or a TICKscript `.connector('<id>')` sends through a connector. Other options are
 * laid over the connector's (`alert-template` on a `.webhook` connector, say).
 *
 * States of one such handler: unresolved → built (the inner handler of the connector's kind,
 * for the connector's current version) → rebuilt when the connector changes → refusing while
 * the connector is gone or missing its secrets (each event journaled as failed with the
 * reason, logged); the next event after a fix builds it again.
 */
import type { AlertHandler } from "../alert/handler.js";
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import type { Level } from "../core/types.js";
import { argString } from "../handlers/options.js";
import { HandlerCodes, type HttpSender, type TickdHandlerFactory } from "../handlers/index.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";
import { hasSealed, SecretCodes } from "../secrets/index.js";
import type { ConnectorService } from "./service.js";

export const CONNECTOR_KIND = "connector";

type Obj = Record<string, unknown>;

function optionsError(message: string): TickdError {
  return new TickdError(HandlerCodes.OPTIONS, `connector handler: ${message}`);
}

function connectorId(options: Obj): string {
  for (const k of Object.keys(options)) if (k === "connector-id") return String(options[k]);
  const id = options.id;
  if (typeof id !== "string" || id === "") throw optionsError('option "id": expected the id of a connector');
  return id;
}

function overrides(options: Obj): Obj {
  const { id: _id, "connector-id": _cid, ...rest } = options;
  return rest;
}

export interface ConnectorFactoryDeps {
  inner: TickdHandlerFactory;
  connectors: ConnectorService;
  /** The journaled sender: refusals become failed deliveries (and /metrics counts). */
  sender: HttpSender;
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Obj): void;
}

/** `inner` plus the `connector` kind. */
export function withConnectors(deps: ConnectorFactoryDeps): TickdHandlerFactory {
  const { inner, connectors } = deps;
  const isConnector = (kind: string): boolean => kind.toLowerCase() === CONNECTOR_KIND;

  const checkOptions = (options: Obj, strict: boolean): void => {
    const id = connectorId(options);
    if (!connectors.exists(id))
      throw optionsError(`no connector ${JSON.stringify(id)} (GET /api/actions/connectors lists them)`);
    if (!strict) return;
    const r = connectors.resolve(id);
    inner.validate(r.kind, { ...r.options, ...overrides(options) });
  };

  /** Records an event a handler cannot send: logged, and journaled as a failed delivery. */
  const refuser =
    (spec: { kind: string; topic: string; id: string }, fields: Obj) =>
    (event: AlertEvent, e: unknown): void => {
      const err = coerceError(e);
      deps.log("error", "handler cannot send; the event is recorded as failed", {
        handler: spec.id,
        topic: spec.topic,
        ...fields,
        error: err.message,
      });
      if (event.noExternal === true) return;
      deps.sender.refuse?.(
        { handler: spec.id, topic: spec.topic, alertId: event.state.id, kind: spec.kind },
        err,
      );
    };

  /** A handler whose stored secrets no configured key opens: it refuses every event. */
  const missingSecrets = (spec: { kind: string; options: Obj; topic: string; id: string }): AlertHandler => {
    const refuse = refuser(spec, { missingSecrets: true });
    const err = new TickdError(
      SecretCodes.UNREADABLE,
      "the handler's stored secrets cannot be read with the configured [secrets] keys: " +
        "configure the key they were sealed with, or define the handler again with its secrets",
    );
    return { handle: (event) => refuse(event, err) };
  };

  const build = (spec: { kind: string; options: Obj; topic: string; id: string }): AlertHandler => {
    const id = connectorId(spec.options);
    let current: { version: string; handler: AlertHandler } | undefined;
    const refuse = refuser({ ...spec, kind: CONNECTOR_KIND }, { connector: id });
    // The journal's rows of this handler, refusals included, are the connector's last event or error.
    connectors.bindHandler(spec.topic, spec.id, id);
    const handlerFor = async (): Promise<AlertHandler> => {
      const r = connectors.resolve(id);
      if (current?.version === r.version) return current.handler;
      const old = current;
      current = undefined;
      await old?.handler.close?.();
      const handler = inner.create({
        kind: r.kind,
        options: { ...r.options, ...overrides(spec.options) },
        topic: spec.topic,
        id: spec.id,
      });
      current = { version: r.version, handler };
      return handler;
    };
    return {
      async handle(event: AlertEvent, previousLevel: Level) {
        let h: AlertHandler;
        try {
          h = await handlerFor();
        } catch (e) {
          refuse(event, e);
          return;
        }
        await h.handle(event, previousLevel);
      },
      async close() {
        await current?.handler.close?.();
        current = undefined;
      },
    };
  };

  return {
    kinds: () => [...inner.kinds(), CONNECTOR_KIND].sort(),
    validate(kind, options) {
      if (isConnector(kind)) checkOptions(options, true);
      else inner.validate(kind, options);
    },
    check(kind, options) {
      if (isConnector(kind)) checkOptions(options, true);
      else inner.check(kind, options);
    },
    checkTickscript(spec: HandlerSpec) {
      if (!isConnector(spec.kind)) {
        inner.checkTickscript(spec);
        return;
      }
      const id = argString(spec.args[0]);
      if (typeof id !== "string" || !connectors.exists(id)) {
        throw optionsError(
          `.connector() at line ${spec.span.start.line} char ${spec.span.start.column}: no connector ${JSON.stringify(id)}`,
        );
      }
    },
    create(spec) {
      if (hasSealed(spec.options)) return missingSecrets(spec);
      if (!isConnector(spec.kind)) return inner.create(spec);
      checkOptions(spec.options, false);
      return build(spec);
    },
    createOrRefuse(spec) {
      if (hasSealed(spec.options)) return missingSecrets(spec);
      if (!isConnector(spec.kind)) return inner.createOrRefuse?.(spec) ?? inner.create(spec);
      // Built even when the connector is gone: each event then says so (journaled), and the
      // handler works again as soon as the connector is back.
      connectorId(spec.options);
      return build(spec);
    },
    fromTickscript(spec) {
      if (!isConnector(spec.kind)) return inner.fromTickscript(spec);
      const id = argString(spec.args[0]);
      if (typeof id !== "string" || id === "")
        throw optionsError(
          `.connector() at line ${spec.span.start.line} char ${spec.span.start.column}: expected a connector id`,
        );
      return { kind: CONNECTOR_KIND, options: { id } };
    },
    redact(kind, options) {
      return isConnector(kind) ? { ...options } : inner.redact(kind, options);
    },
  };
}
