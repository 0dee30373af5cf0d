/**
 * Pushes of one cluster take turns in the process before they open a transaction, so a queue of
 * them waits on a promise instead of on the cluster row lock with a pool connection each.
 */
import { ServiceError } from "./errors.js";

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

export class PushGate {
  /** per cluster: the push running and the ones waiting for it */
  private readonly inFlight = new Map<number, number>();
  /** per cluster: settles when the last push admitted so far is done */
  private readonly tails = new Map<number, Promise<void>>();

  /** @param maxWaiting pushes of one cluster allowed to wait behind the running one */
  constructor(private readonly maxWaiting: number) {}

  async run<T>(clusterId: number, cluster: string, work: () => Promise<T>): Promise<T> {
    const count = this.inFlight.get(clusterId) ?? 0;
    if (count > this.maxWaiting) throw pushInProgress(cluster);
    this.inFlight.set(clusterId, count + 1);
    const previous = this.tails.get(clusterId) ?? Promise.resolve();
    let done = () => {};
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.tails.set(
      clusterId,
      previous.then(() => mine),
    );
    try {
      await previous;
      return await work();
    } finally {
      done();
      const left = (this.inFlight.get(clusterId) ?? 1) - 1;
      if (left === 0) {
        this.inFlight.delete(clusterId);
        this.tails.delete(clusterId);
      } else this.inFlight.set(clusterId, left);
    }
  }
}
