/** Incoming integrations: external alerts (generic webhooks, Alertmanager) → topic events. */
export { ALERTMANAGER_PATH, WEBHOOK_PATH, createIntegrationRoutes, type IntegrationDeps } from "./routes.js";
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
