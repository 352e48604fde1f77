/**
 * Secrets at rest (DESIGN §4, §13; issue 17): AES-256-GCM from node:crypto, nothing home-made.
 *
 * Keys: `[secrets] key` (or TICKD_SECRETS_KEY, or the file named by `[secrets] key-file`), at
 * least 32 characters, is the current key: everything sealed now is sealed with it.
 * `[secrets] old-keys` only open values sealed earlier, so a key can be rotated: add the new
 * key, move the old one to old-keys, run `tickctl secrets rotate` (every stored secret is sealed
 * again under the new key), then remove the old key.
 *
 * A sealed value is text: `tickd:enc:v1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`. The key id
 * (12 hex digits of an HMAC under the derived key) names which key opens it without revealing
 * anything about the key; a 96-bit random IV per value, a 128-bit tag. The AES key is derived
 * from the configured text with HKDF-SHA256, so any text of ≥ 32 characters gives a full key.
 *
 * Without a key (states): `ephemeral` — tickd seals with a random key that lives only in this
 * process (as Kibana does without `xpack.encryptedSavedObjects.encryptionKey`): secrets work
 * until the next restart, after which they cannot be opened and whoever holds them reports
 * `is_missing_secrets: true`. The daemon warns once at start. Nothing is ever written in clear.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { TickdError } from "../core/errors.js";

export const SecretCodes = {
  /** No configured key opens the value (key removed, changed, or a restart without a key). */
  UNREADABLE: "E_SECRET_UNREADABLE",
  /** A key shorter than 32 characters (refused at start). */
  KEY: "E_SECRET_KEY",
} as const;

export const SEALED_PREFIX = "tickd:enc:v1:";
export const MIN_KEY_LENGTH = 32;

const IV_BYTES = 12;
const TAG_BYTES = 16;

interface DerivedKey {
  readonly id: string;
  readonly key: Buffer;
}

function derive(secret: string | Buffer): DerivedKey {
  const key = Buffer.from(hkdfSync("sha256", secret, "tickd-secrets", "aes-256-gcm", 32));
  const id = createHmac("sha256", key).update("tickd key id").digest("hex").slice(0, 12);
  return { id, key };
}

export interface SecretKeys {
  /** The current key; "" = none (ephemeral mode). */
  readonly key: string;
  /** Keys that still open old values. */
  readonly oldKeys: readonly string[];
}

/** Refuses a key shorter than 32 characters (the daemon's startup check). */
export function checkKeyLength(key: string, what: string): void {
  if (key !== "" && key.length < MIN_KEY_LENGTH) {
    throw new TickdError(
      SecretCodes.KEY,
      `${what} is ${key.length} characters long: use at least ${MIN_KEY_LENGTH} (e.g. \`openssl rand -base64 33\`)`,
    );
  }
}

export class SecretBox {
  private readonly current: DerivedKey;
  private readonly byId: ReadonlyMap<string, DerivedKey>;
  /** True when no key is configured: values sealed now cannot be opened after a restart. */
  readonly ephemeral: boolean;

  constructor(keys: SecretKeys) {
    checkKeyLength(keys.key, "[secrets] key");
    keys.oldKeys.forEach((k, i) => checkKeyLength(k, `[secrets] old-keys[${i}]`));
    this.ephemeral = keys.key === "";
    this.current = derive(this.ephemeral ? randomBytes(32) : keys.key);
    const all = [this.current, ...keys.oldKeys.map(derive)];
    this.byId = new Map(all.map((d) => [d.id, d]));
  }

  /** The id of the current key (shown by `tickctl secrets rotate`; reveals nothing of the key). */
  get keyId(): string {
    return this.current.id;
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, iv);
    const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    const packed = Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64url");
    return `${SEALED_PREFIX}${this.current.id}:${packed}`;
  }

  /** The plain text; throws E_SECRET_UNREADABLE when no configured key opens it. */
  open(sealed: string): string {
    if (!isSealed(sealed)) return sealed;
    const rest = sealed.slice(SEALED_PREFIX.length);
    const colon = rest.indexOf(":");
    const id = rest.slice(0, colon);
    const key = this.byId.get(id);
    if (colon < 0 || key === undefined) {
      throw new TickdError(
        SecretCodes.UNREADABLE,
        this.ephemeral
          ? "sealed with a key this tickd does not have: [secrets] key is not set, so secrets last only until a restart"
          : `sealed with key ${id}, which is neither [secrets] key nor one of [secrets] old-keys`,
      );
    }
    const packed = Buffer.from(rest.slice(colon + 1), "base64url");
    try {
      const decipher = createDecipheriv("aes-256-gcm", key.key, packed.subarray(0, IV_BYTES));
      decipher.setAuthTag(packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(packed.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch (e) {
      throw new TickdError(SecretCodes.UNREADABLE, `sealed value with key ${id} does not authenticate`, {
        cause: e,
      });
    }
  }

  /** True when `sealed` is not under the current key (a rotation seals it again). */
  isStale(sealed: string): boolean {
    return isSealed(sealed) && !sealed.startsWith(`${SEALED_PREFIX}${this.current.id}:`);
  }

  /** Opens and seals again under the current key; unchanged when already current. Throws like open(). */
  reseal(sealed: string): string {
    return this.isStale(sealed) ? this.seal(this.open(sealed)) : sealed;
  }
}

export function isSealed(v: unknown): v is string {
  return typeof v === "string" && v.startsWith(SEALED_PREFIX);
}
