/** Incoming integrations: external alerts (every source of DESIGN §13) → topic events. */
export {
  ALERTMANAGER_PATH,
  INTEGRATIONS_PATH,
  WEBHOOK_PATH,
  createIntegrationRoutes,
  createIntegrations,
  type IntegrationDeps,
  type Integrations,
} from "./routes.js";
export { SOURCES, findSource, type InboundSource } from "./sources/index.js";
export { AutoResolver, sqliteAutoResolve, type AutoResolvePersistence } from "./auto-resolve.js";
export {
  IntegrationError,
  isAcknowledged,
  labelsId,
  levelFromWord,
  mapAlertmanager,
  mapGenericWebhook,
  parseIncomingLevel,
  parseIncomingStatus,
  type IncomingAlertEvent,
  type IncomingStatus,
  type MappingContext,
} from "./mapping.js";
