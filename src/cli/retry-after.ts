/**
 * The CLI's fetch: when the server answers 429 (or 503) with Retry-After, wait as told and send the
 * same request again, a bounded number of times; then the refusal goes to the caller as it came.
 */
import { retryAfterMs } from "../contract/retry-after.js";

export interface RetryAfterPolicy {
  maxRetries: number;
  /** a longer Retry-After is not waited for: the command fails at once and says when to retry */
  maxDelaySeconds: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY_AFTER_POLICY: RetryAfterPolicy = { maxRetries: 3, maxDelaySeconds: 60 };

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whole seconds from a Retry-After header (rounded up); undefined if absent or unreadable. */
export function retryAfterSeconds(header: string | null, nowMs = Date.now()): number | undefined {
  const ms = retryAfterMs(header, nowMs);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

export function honouringRetryAfter(
  send: typeof fetch,
  policy: RetryAfterPolicy = DEFAULT_RETRY_AFTER_POLICY,
): typeof fetch {
  const sleep = policy.sleep ?? sleepFor;
  return async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      const res = await send(input, init);
      if (res.status !== 429 && res.status !== 503) return res;
      const delay = retryAfterSeconds(res.headers.get("retry-after"));
      if (delay === undefined || delay > policy.maxDelaySeconds || attempt >= policy.maxRetries) return res;
      await res.body?.cancel();
      await sleep(delay * 1000);
    }
  };
}
