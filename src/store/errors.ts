/**
 * Error codes of the store. They live here rather than in src/core/errors.ts because only
 * the store raises them; callers branch on `err.code` (a TickdError), never on the text.
 */
export const StoreErrorCodes = {
  /** The database could not be opened or a statement failed for a reason outside our rules. */
  STORE: "E_STORE",
  /** The file's schema is newer than this build knows: refusing to open (a downgrade). */
  SCHEMA: "E_STORE_SCHEMA",
  /** A filepath.Match-style glob is malformed (Go's ErrBadPattern). */
  PATTERN: "E_STORE_PATTERN",
  /** A value the store cannot keep exactly (NaN time, a Map in JSON, …). */
  VALUE: "E_STORE_VALUE",
  /** A write would overwrite another record (renaming a task onto an existing id). */
  CONFLICT: "E_STORE_CONFLICT",
  /** A stored row does not decode (hand-edited or corrupted database). */
  CORRUPT: "E_STORE_CORRUPT",
} as const;
