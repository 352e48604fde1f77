export { ConfigError, loadConfig, redactConfig, REDACTED } from "./load.js";
export type { LoadConfigOptions, LoadedConfig } from "./load.js";
export { ENV_PREFIX } from "./env.js";
export { SECTIONS, SECRET_KEYS, TOP_LEVEL, DEFAULT_VICTOROPS_URL } from "./schema.js";
export type * from "./types.js";
export { LIVE_SECTIONS, planReload } from "./reload.js";
export type { ReloadPlan } from "./reload.js";
export {
  elementNames,
  OverrideError,
  overridableSections,
  renderSection,
  sectionSpec,
  updateOverrides,
} from "./overrides.js";
export type { ConfigOverrides, ConfigSection } from "./overrides.js";
