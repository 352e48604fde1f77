/**
 * The stored secrets other than connectors' (issue 17): the secret options of topic handlers
 * defined through the API (`topic_handlers.options`) and secret config overrides
 * (`/kapacitor/v1/config`, kv `config:overrides`). Sealed on the way into SQLite, opened on the
 * way out; `POST /tickd/v1/secrets/rotate` (`tickctl secrets rotate`) seals every one of them
 * and every connector's again under the current key.
 */
import type { TopicHandlerRecord } from "../store/topic-handlers.js";
import type { Store } from "../store/index.js";
import { coerceError } from "../core/errors.js";
import type { ExtraRoute } from "../server/http/types.js";
import { isSealed, type SecretBox } from "./secret-box.js";
import { hasStale, openSealed, resealAll, sealKeys, sealWhereRedacted } from "./seal.js";

type Obj = Record<string, unknown>;
type Log = (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Obj) => void;
type Redact = (kind: string, options: Obj) => Obj;

/** Handler options as stored: every secret leaf (as the kind's redaction shows them) sealed. */
export function sealHandler(h: TopicHandlerRecord, redact: Redact, box: SecretBox): TopicHandlerRecord {
  return { ...h, options: sealWhereRedacted(h.options, redact(h.kind, h.options), box) as Obj };
}

/**
 * Handler options as loaded: sealed leaves opened. A leaf no configured key opens stays
 * sealed; the handler factory then refuses the handler's events (handlerHasSealed) and it is
 * logged here once.
 */
export function openHandler(h: TopicHandlerRecord, box: SecretBox, log: Log): TopicHandlerRecord {
  const o = openSealed(h.options, box);
  if (o.unreadable.length > 0) {
    log("error", "topic handler is missing secrets: they cannot be read with the configured [secrets] keys", {
      topic: h.topic,
      handler: h.id,
      options: o.unreadable,
      reason: o.reason,
    });
  }
  return { ...h, options: o.value as Obj };
}

/** True when options still hold a sealed leaf (one no configured key could open). */
export function hasSealed(v: unknown): boolean {
  if (isSealed(v)) return true;
  if (Array.isArray(v)) return v.some(hasSealed);
  if (v !== null && typeof v === "object") return Object.values(v).some(hasSealed);
  return false;
}

/** Config overrides as stored: values of secret keys sealed. */
export function sealOverrides(overrides: unknown, secretKeys: readonly string[], box: SecretBox): string {
  return JSON.stringify(sealKeys(overrides, new Set(secretKeys), box));
}

/** Config overrides as loaded; a secret no key opens is dropped (the file's value applies) and logged. */
export function openOverrides(text: string, box: SecretBox, log: Log): unknown {
  const o = openSealed(JSON.parse(text) as unknown, box);
  if (o.unreadable.length === 0) return o.value;
  log(
    "error",
    "config overrides hold secrets the configured [secrets] keys cannot read; the config file's values apply",
    {
      keys: o.unreadable,
      reason: o.reason,
    },
  );
  const drop = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(drop);
    if (v === null || typeof v !== "object") return v;
    return Object.fromEntries(
      Object.entries(v as Obj)
        .filter(([, x]) => !isSealed(x))
        .map(([k, x]) => [k, drop(x)]),
    );
  };
  return drop(o.value);
}

export interface RotateReport {
  key_id: string;
  resealed: { connectors: number; handlers: number; overrides: number };
  /** What no configured key opens (left as it is): `connector <id>`, `handler <topic>/<id>`, `config overrides`. */
  unreadable: string[];
}

export interface RotateDeps {
  box: SecretBox;
  store: Store;
  overridesKey: string;
  /** Seals the connectors again (ConnectorService.reseal). */
  connectors: () => { resealed: number; unreadable: string[] };
  /**
   * Seals, under the current key, secret leaves written in clear by an older tickd too
   * (redaction says which leaves are secrets).
   */
  redact: Redact;
}

/** Seals every stored secret again under the current key (one transaction). */
export function rotateSecrets(deps: RotateDeps): RotateReport {
  const { box, store } = deps;
  return store.transaction((): RotateReport => {
    const report: RotateReport = {
      key_id: box.keyId,
      resealed: { connectors: 0, handlers: 0, overrides: 0 },
      unreadable: [],
    };
    const c = deps.connectors();
    report.resealed.connectors = c.resealed;
    report.unreadable.push(...c.unreadable.map((id) => `connector ${id}`));
    for (const h of store.topicHandlers.listAll()) {
      const clear = sealHandler(h, deps.redact, box);
      const changedClear = JSON.stringify(clear.options) !== JSON.stringify(h.options);
      if (!hasStale(clear.options, box) && !changedClear) continue;
      try {
        store.topicHandlers.put({ ...clear, options: resealAll(clear.options, box) as Obj });
        report.resealed.handlers++;
      } catch {
        report.unreadable.push(`handler ${h.topic}/${h.id}`);
      }
    }
    const text = store.kv.get(deps.overridesKey);
    if (text !== undefined && text !== "") {
      const v = JSON.parse(text) as unknown;
      if (hasStale(v, box)) {
        try {
          store.kv.put(deps.overridesKey, JSON.stringify(resealAll(v, box)));
          report.resealed.overrides = 1;
        } catch {
          report.unreadable.push("config overrides");
        }
      }
    }
    return report;
  });
}

/**
 * At start under a configured key: seals what an older tickd stored in clear (handler options,
 * config overrides). Values already sealed are left as they are (rotation is `rotateSecrets`).
 * Returns how many records changed.
 */
export function sealClearSecrets(
  deps: Pick<RotateDeps, "box" | "store" | "overridesKey" | "redact">,
  secretKeys: readonly string[],
): number {
  const { box, store } = deps;
  return store.transaction((): number => {
    let n = 0;
    for (const h of store.topicHandlers.listAll()) {
      const sealed = sealHandler(h, deps.redact, box);
      if (JSON.stringify(sealed.options) === JSON.stringify(h.options)) continue;
      store.topicHandlers.put(sealed);
      n++;
    }
    const text = store.kv.get(deps.overridesKey);
    if (text !== undefined && text !== "") {
      const sealed = sealOverrides(JSON.parse(text) as unknown, secretKeys, box);
      if (sealed !== text) {
        store.kv.put(deps.overridesKey, sealed);
        n++;
      }
    }
    return n;
  });
}

/** `POST /tickd/v1/secrets/rotate` → the RotateReport; 409 when no key is configured. */
export function createSecretsRoutes(deps: RotateDeps & { log: Log }): ExtraRoute[] {
  return [
    {
      method: "POST",
      path: "/tickd/v1/secrets/rotate",
      handle(ctx) {
        if (deps.box.ephemeral) {
          ctx.error(
            409,
            "no [secrets] key is configured: set [secrets] key (or TICKD_SECRETS_KEY) and restart first",
          );
          return;
        }
        let report: RotateReport;
        try {
          report = rotateSecrets(deps);
        } catch (e) {
          deps.log("error", "secrets rotation failed; nothing was changed", {
            error: coerceError(e).message,
          });
          throw e;
        }
        deps.log(
          report.unreadable.length > 0 ? "warn" : "info",
          "secrets sealed again under the current key",
          {
            keyId: report.key_id,
            ...report.resealed,
            unreadable: report.unreadable,
          },
        );
        ctx.json(200, report);
      },
    },
  ];
}
