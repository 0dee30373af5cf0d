/**
 * How much work one principal may start: token buckets (rate) and a concurrency gate (expensive
 * calls). Pure and synchronous, the clock injected, so it is table-tested without waiting; the Hono
 * and tRPC wiring is in middleware.ts. State is in memory: per process on Node, per isolate on Workers.
 */

export interface RateRule {
  /** sustained calls per second */
  perSecond: number;
  /** calls allowed at once after a quiet spell */
  burst: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** One bucket per key; keys whose bucket has refilled are forgotten, so memory stays bounded. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rule: RateRule,
    private readonly nowMs: () => number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes `cost` tokens from key's bucket, or says when enough will have refilled. */
  take(key: string, cost = 1): Admission {
    const now = this.nowMs();
    const need = Math.min(cost, this.rule.burst);
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= need) {
      bucket.tokens -= need;
      this.buckets.set(key, bucket);
      this.bound(now);
      return { ok: true };
    }
    const waitMs = ((need - bucket.tokens) / this.rule.perSecond) * 1000;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.rule.burst, at: now };
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    return { tokens: Math.min(this.rule.burst, bucket.tokens + elapsed * this.rule.perSecond), at: now };
  }

  /** Drops full buckets (indistinguishable from absent ones), then the oldest, above maxKeys. */
  private bound(now: number): void {
    if (this.buckets.size <= this.maxKeys) return;
    for (const [key, bucket] of this.buckets) {
      const full = bucket.tokens + ((now - bucket.at) / 1000) * this.rule.perSecond >= this.rule.burst;
      if (full) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

export interface ConcurrencyRule {
  /** expensive calls running at once in this process */
  total: number;
  /** of which one principal may run */
  perPrincipal: number;
}

export type Entry = { ok: true; leave: () => void } | { ok: false; scope: "principal" | "server" };

/** Admits or refuses at once: excess calls never queue, so they hold no memory and no connection. */
export class ConcurrencyGate {
  private running = 0;
  private readonly byKey = new Map<string, number>();

  constructor(private readonly rule: ConcurrencyRule) {}

  enter(key: string): Entry {
    const mine = this.byKey.get(key) ?? 0;
    if (mine >= this.rule.perPrincipal) return { ok: false, scope: "principal" };
    if (this.running >= this.rule.total) return { ok: false, scope: "server" };
    this.running++;
    this.byKey.set(key, mine + 1);
    let left = false;
    return {
      ok: true,
      leave: () => {
        if (left) return;
        left = true;
        this.running--;
        const now = (this.byKey.get(key) ?? 1) - 1;
        if (now === 0) this.byKey.delete(key);
        else this.byKey.set(key, now);
      },
    };
  }

  get inFlight(): number {
    return this.running;
  }
}

/** Procedures whose cost grows with the fleet: they pass the concurrency gate. */
export const EXPENSIVE_PROCEDURES: ReadonlySet<string> = new Set([
  "capacity.headroom",
  "capacity.checkFit",
  "capacity.checkManifest",
  "capacity.freeRanges",
  "capacity.planIngressController",
  "capacity.reserveIngressController",
  "conflicts.list",
  "trends.allocations",
  "trends.headroom",
  "trends.headroomSeries",
  "reports.portMap",
  "reports.trends",
]);

/** Calls in a tRPC request: `/trpc/a,b,c?batch=1` is three, anything else one (as tRPC splits them). */
export function countTrpcCalls(pathAfterEndpoint: string, batch: boolean): number {
  return batch ? pathAfterEndpoint.split(",").length : 1;
}
