/** The HTTP API: Kapacitor-compatible routes plus a hook for tickd's own (see types.ts). */
export { createApiServer, parseBindAddress } from "./api-server.js";
export type { AuthConfig } from "./auth.js";
export { HttpError, type RequestContext } from "./request-context.js";
export type { ApiServer, ApiServerDeps, ExtraRoute, HttpLogger, ListeningServer } from "./types.js";
