/**
 * `/kapacitor/v1/service-tests` (Kapacitor's service tests). Kinds register in
 * src/handlers/ through `HandlerKind.serviceTest`; see runner.ts.
 */
export {
  createServiceTests,
  type ServiceTestDeps,
  type ServiceTestInfo,
  type ServiceTestResult,
  type ServiceTests,
} from "./runner.js";
export { createServiceTestRoutes, SERVICE_TESTS_PATH } from "./routes.js";
