/** Secrets at rest: AES-256-GCM sealing of stored credentials (DESIGN §13). */
export {
  checkKeyLength,
  isSealed,
  MIN_KEY_LENGTH,
  SEALED_PREFIX,
  SecretBox,
  SecretCodes,
  type SecretKeys,
} from "./secret-box.js";
export { hasStale, openSealed, resealAll, sealKeys, sealWhereRedacted, type Opened } from "./seal.js";
export { readSecretKeys } from "./keys.js";
export {
  createSecretsRoutes,
  hasSealed,
  openHandler,
  openOverrides,
  rotateSecrets,
  sealClearSecrets,
  sealHandler,
  sealOverrides,
  type RotateDeps,
  type RotateReport,
} from "./stored.js";
