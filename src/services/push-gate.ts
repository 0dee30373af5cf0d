/**
 * Pushes take turns in the process before they open a transaction: one at a time per cluster (a
 * queue of them waits on a promise, not on the cluster row lock with a pool connection each), and
 * a few at a time in all, so pushes never hold every pool connection and the CPU they need leaves
 * room for reads. Past the bounded queues a push is refused at once with Retry-After.
 */
import { ServiceError, serverBusy } from "./errors.js";

/** Seconds a refused push is told to wait: one push of a cluster rarely takes longer. */
export const PUSH_RETRY_AFTER_SECONDS = 1;

export const pushInProgress = (cluster: string) =>
  new ServiceError(
    "TOO_MANY_REQUESTS",
    "PUSH_IN_PROGRESS",
    `another push of cluster "${cluster}" is in progress; retry after ${PUSH_RETRY_AFTER_SECONDS}s`,
    undefined,
    { retryAfterSeconds: PUSH_RETRY_AFTER_SECONDS },
  );

const pushesBusy = () => serverBusy("pushes", PUSH_RETRY_AFTER_SECONDS);

/** At most `capacity` runs at once and `maxWaiting` waiting in line (FIFO); beyond that, refuse. */
export class BoundedQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly capacity: number,
    private readonly maxWaiting: number,
  ) {}

  get idle(): boolean {
    return this.running === 0 && this.waiting.length === 0;
  }

  /** Whether `run` would refuse now. */
  get full(): boolean {
    return this.running >= this.capacity && this.waiting.length >= this.maxWaiting;
  }

  async run<T>(work: () => Promise<T>, refusal: () => Error): Promise<T> {
    if (this.running < this.capacity) this.running++;
    else if (this.waiting.length < this.maxWaiting) {
      // The finishing run hands its slot over, so `running` stays counted for us.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else throw refusal();
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

export interface PushGateLimits {
  /** pushes of one cluster allowed to wait behind the running one */
  waitingPerCluster: number;
  /** pushes in their transaction at once, over all clusters */
  concurrent: number;
  /** pushes waiting for one of those slots */
  queued: number;
}

/** One agent pushes one cluster: more than a couple of its pushes queued means retries piling up. */
export const DEFAULT_PUSH_LIMITS: PushGateLimits = { waitingPerCluster: 2, concurrent: 6, queued: 16 };

export class PushGate {
  private readonly clusters = new Map<number, BoundedQueue>();
  private readonly slots: BoundedQueue;

  constructor(private readonly limits: PushGateLimits) {
    this.slots = new BoundedQueue(limits.concurrent, limits.queued);
  }

  /**
   * The refusal a push would get now, so the edge can answer before reading and parsing its body:
   * a refused push should cost next to nothing when the server is shedding load. `run` still decides.
   */
  refusalNow(clusterId: number, cluster: string): ServiceError | undefined {
    if (this.clusters.get(clusterId)?.full) return pushInProgress(cluster);
    return this.slots.full ? pushesBusy() : undefined;
  }

  async run<T>(clusterId: number, cluster: string, work: () => Promise<T>): Promise<T> {
    let turn = this.clusters.get(clusterId);
    if (!turn) {
      turn = new BoundedQueue(1, this.limits.waitingPerCluster);
      this.clusters.set(clusterId, turn);
    }
    try {
      // A push waiting for its own cluster holds no slot: slots go to pushes that can run.
      return await turn.run(
        () => this.slots.run(work, pushesBusy),
        () => pushInProgress(cluster),
      );
    } finally {
      if (turn.idle) this.clusters.delete(clusterId);
    }
  }
}
