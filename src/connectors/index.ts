/** Connectors: Kibana-style reusable destinations (DESIGN §13), their store, API and handler kind. */
export {
  CONNECTOR_TYPES,
  ConnectorCodes,
  enabledInConfig,
  findConnectorType,
  type ConnectorType,
} from "./connector-types.js";
export { CONNECTOR_KIND, withConnectors, type ConnectorFactoryDeps } from "./handler-factory.js";
export { ACTIONS_PATH, CONNECTORS_PATH, createConnectorRoutes } from "./routes.js";
export {
  ConnectorService,
  type ConnectorBody,
  type ConnectorServiceDeps,
  type ConnectorTypeView,
  type ConnectorView,
  type ConnectorWrites,
  type ExecuteResult,
  type ResolvedConnector,
} from "./service.js";
export { SqliteConnectorStore, type ConnectorStore, type StoredConnector } from "./store.js";
export {
  connectorIdsOf,
  connectorReferences,
  type ConnectorReferences,
  type ReferenceSources,
} from "./references.js";
