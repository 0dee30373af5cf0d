/**
 * Watch mode's IngressControllers: only where the API serves operator.openshift.io/v1
 * ingresscontrollers (OpenShift). Discovery answers first; on plain Kubernetes (404) the agent says so
 * once at info and asks again every resync period (a cheap GET), so an operator installed later is picked
 * up without a restart. Once served, a ListWatch like the nodes' and pods' keeps them in the state.
 * A ClusterRole without the operator.openshift.io rule (an agent upgraded before its manifests) must
 * not stop every snapshot: a 403 lets snapshots go without them while the list is retried.
 */
import type { SnapshotIngressController } from "../../../src/contract/snapshot.js";
import { ingressControllerKey, toSnapshotIngressController } from "../collect/ingress-controller.js";
import type { KubeIngressController } from "../collect/kube-types.js";
import { KubeApiError, type KubeClient } from "../kube/api.js";
import { ListWatch, type ListWatchSink } from "../kube/list-watch.js";
import { errorText, type Logger } from "../ops/log.js";
import type { AgentMetrics } from "../ops/metrics.js";
import { type BackoffPolicy, backoffMs } from "../util/backoff.js";
import type { Delay } from "../util/time.js";

const RESOURCE = "ingresscontrollers";

export interface IngressControllerWatchOptions {
  client: KubeClient;
  sink: ListWatchSink<SnapshotIngressController>;
  pageSize: number;
  delay: Delay;
  backoff: BackoffPolicy;
  watchTimeoutSeconds: number;
  /** How long to wait before asking discovery again where they were not served. */
  recheckMs: number;
  logger: Logger;
  metrics: AgentMetrics;
}

export class IngressControllerWatch {
  private listWatch: ListWatch<SnapshotIngressController> | undefined;
  private forbiddenSaid = false;
  private resolveSynced!: () => void;
  /** Resolves once the agent knows: the API does not serve them, or their first list is in. */
  readonly synced = new Promise<void>((resolve) => {
    this.resolveSynced = resolve;
  });

  constructor(private readonly options: IngressControllerWatchOptions) {}

  /** The periodic resync: list them again (where not served, discovery is asked on its own clock). */
  requestResync(): void {
    this.listWatch?.requestResync();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { logger } = this.options;
    let absent = false;
    while (!signal.aborted && !(await this.served(signal))) {
      if (signal.aborted) return;
      if (!absent) {
        logger.info(
          "the API serves no operator.openshift.io/v1 ingresscontrollers: plain Kubernetes, not watching IngressControllers",
        );
        absent = true;
      }
      this.resolveSynced();
      await this.options.delay(this.options.recheckMs, signal);
    }
    if (signal.aborted) return;
    if (absent) logger.info("the API now serves operator.openshift.io/v1 ingresscontrollers: watching them");
    this.listWatch = this.createListWatch();
    void this.listWatch.synced.then(() => this.resolveSynced());
    await this.listWatch.run(signal);
  }

  /** Discovery, retried with backoff until it answers (or `signal` aborts, which answers false). */
  private async served(signal: AbortSignal): Promise<boolean> {
    const { client, logger, metrics, delay, backoff } = this.options;
    for (let failures = 1; !signal.aborted; failures++) {
      try {
        return await client.serves(RESOURCE, signal);
      } catch (error) {
        if (signal.aborted) break;
        metrics.watchErrors.inc({ resource: RESOURCE });
        const wait = backoffMs(failures, backoff);
        logger.warn("kubernetes discovery failed, retrying", {
          resource: RESOURCE,
          error: errorText(error),
          attempt: failures,
          retryInMs: wait,
        });
        await delay(wait, signal);
      }
    }
    return false;
  }

  private createListWatch(): ListWatch<SnapshotIngressController> {
    const { metrics } = this.options;
    return new ListWatch<SnapshotIngressController>({
      client: this.options.client,
      resource: RESOURCE,
      pageSize: this.options.pageSize,
      delay: this.options.delay,
      backoff: this.options.backoff,
      watchTimeoutSeconds: this.options.watchTimeoutSeconds,
      logger: this.options.logger,
      convert: (o) => toSnapshotIngressController(o as KubeIngressController),
      keyOf: (o) => ingressControllerKey(o as KubeIngressController),
      sink: this.options.sink,
      onRelist: (reason) => metrics.relists.inc({ resource: RESOURCE, reason }),
      onWatchError: (error) => {
        metrics.watchErrors.inc({ resource: RESOURCE });
        if (error instanceof KubeApiError && error.status === 403) this.forbidden();
      },
    });
  }

  private forbidden(): void {
    if (this.forbiddenSaid) return;
    this.forbiddenSaid = true;
    this.options.logger.warn(
      "not allowed to list operator.openshift.io ingresscontrollers: snapshots carry none until the ClusterRole grants get/list/watch on them (agents/deploy/clusterrole.yaml)",
    );
    this.resolveSynced();
  }
}
