/**
 * The limits' state of one process (one isolate on Workers): built by the entries, carried in AppDeps,
 * spent by the HTTP middleware (middleware.ts) and the dashboard. Apart from the middleware so that
 * AppDeps can name it without importing the handlers that read AppEnv.
 */
import { ConcurrencyGate, type ConcurrencyRule, type RateRule, TokenBuckets } from "./limiter.js";

export interface LimitSettings {
  /** calls one tRPC batch request may carry */
  maxBatchCalls: number;
  /** queries and admin calls, per token (or per client address without one) */
  reads: RateRule;
  /** snapshot pushes, per agent token */
  pushes: RateRule;
  expensive: ConcurrencyRule;
}

export interface RequestLimits {
  settings: LimitSettings;
  reads: TokenBuckets;
  pushes: TokenBuckets;
  expensive: ConcurrencyGate;
}

/** Built once per process (per isolate on Workers): the state must outlive a request. */
export function createRequestLimits(settings: LimitSettings, nowMs = () => Date.now()): RequestLimits {
  return {
    settings,
    reads: new TokenBuckets(settings.reads, nowMs),
    pushes: new TokenBuckets(settings.pushes, nowMs),
    expensive: new ConcurrencyGate(settings.expensive),
  };
}
