/**
 * The one gate every procedure call passes, whichever path it came by (/trpc, a dashboard page's
 * in-process caller, a REST route): it spends the request's price from its principal's rate budget
 * and admits expensive calls through the concurrency gate. One CallGates per HTTP request; the path
 * says only what the request costs and whose budget it spends (middleware.ts, dashboard/limits.ts).
 */
import { ServiceError, serverBusy } from "../../services/errors.js";
import type { RequestLimits } from "./request-limits.js";

const BUSY_RETRY_AFTER_SECONDS = 1;

export function busy(scope: "principal" | "server"): ServiceError {
  return scope === "principal"
    ? new ServiceError(
        "TOO_MANY_REQUESTS",
        "CONCURRENCY_LIMITED",
        "too many expensive calls of this token at once; retry after the others finish",
        undefined,
        { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS },
      )
    : serverBusy("expensive calls", BUSY_RETRY_AFTER_SECONDS);
}

export function rateLimited(retryAfterSeconds: number, what: string): ServiceError {
  return new ServiceError(
    "TOO_MANY_REQUESTS",
    "RATE_LIMITED",
    `${what} rate limit reached; retry after ${retryAfterSeconds} s`,
    undefined,
    { retryAfterSeconds },
  );
}

export interface RequestPrice {
  /** rate tokens the whole request costs, spent once, before its first call runs */
  calls: number;
  /**
   * true: the request's expensive calls share one concurrency slot (a dashboard page, which runs a
   * bounded few of them at once); false: each takes its own (a tRPC batch's calls are the client's).
   */
  shareSlot: boolean;
}

const NOTHING = () => {};

export class CallGates {
  private settled: Promise<ServiceError | undefined> | undefined;
  private shared: { leave: () => void; users: number } | undefined;
  private keyed: Promise<string> | undefined;

  constructor(
    private readonly limits: RequestLimits | undefined,
    /** whose budget: a token's hash, or the client's address (limits/middleware.ts principalKey) */
    private readonly principalKey: () => Promise<string>,
    private readonly price: RequestPrice,
  ) {}

  private key(): Promise<string> {
    this.keyed ??= this.principalKey();
    return this.keyed;
  }

  /** No limits configured (tests, tools): every call passes. */
  static open(): CallGates {
    return new CallGates(undefined, async () => "", { calls: 0, shareSlot: false });
  }

  /** Spends the request's price once; the same answer (paid or refused) for every later call. */
  settle(): Promise<ServiceError | undefined> {
    this.settled ??= (async () => {
      if (!this.limits || this.price.calls === 0) return undefined;
      const admission = this.limits.reads.take(await this.key(), this.price.calls);
      return admission.ok ? undefined : rateLimited(admission.retryAfterSeconds, "query");
    })();
    return this.settled;
  }

  /** Before a call runs: throws the request's rate refusal, if it has one. */
  async spend(): Promise<void> {
    const refusal = await this.settle();
    if (refusal) throw refusal;
  }

  /** An expensive call takes a slot now or is refused at once (never queued); returns its release. */
  async enterExpensive(): Promise<() => void> {
    if (!this.limits) return NOTHING;
    if (this.shared) {
      this.shared.users++;
      return this.leaveShared();
    }
    const key = await this.key();
    // The slot may have been taken by a sibling call while the key was computed.
    if (this.shared) return this.enterExpensive();
    const entry = this.limits.expensive.enter(key);
    if (!entry.ok) throw busy(entry.scope);
    if (!this.price.shareSlot) return entry.leave;
    this.shared = { leave: entry.leave, users: 1 };
    return this.leaveShared();
  }

  /** The shared slot is given back when the last call using it finishes: nothing can keep it. */
  private leaveShared(): () => void {
    let left = false;
    return () => {
      const shared = this.shared;
      if (left || !shared) return;
      left = true;
      shared.users--;
      if (shared.users === 0) {
        this.shared = undefined;
        shared.leave();
      }
    };
  }
}
