/** On-call operations (DESIGN §12): silences, acknowledgements, snoozes, the notification gate. */
export { alertLabels, fingerprint, identityLabels, type LabelSet } from "./labels.js";
export {
  compileMatcher,
  matchAll,
  matcherText,
  MatcherError,
  parseMatchers,
  type Matcher,
} from "./matchers.js";
export {
  EXPIRED_RETENTION_MS,
  SilenceError,
  SilenceService,
  silenceState,
  type PostableSilence,
  type Silence,
  type SilenceState,
} from "./silences.js";
export {
  OnCallError,
  OnCallService,
  type Ack,
  type AlertView,
  type NotifyFn,
  type OnCallDeps,
  type OnCallPersistence,
} from "./service.js";
export { onCallPersistence } from "./store.js";
export * from "./api.js";
