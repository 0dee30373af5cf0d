/**
 * Watch mode: list+watch nodes, pods and (on OpenShift) IngressControllers into the cluster state,
 * beside the node listener reports a feed (node readers) puts there; after changes settle (debounce,
 * at most maxWait after the first one) build a snapshot; with no change, a heartbeat every
 * heartbeatMs; a full re-list every resyncMs as a safety net for anything a watch missed.
 */
import type { SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";
import { collectNode, collectPod, Interner } from "../collect/canonical.js";
import type { KubeNode, KubePod } from "../collect/kube-types.js";
import { podKey } from "../collect/pod.js";
import { type PodContainers, podContainersOf } from "../collect/pod-containers.js";
import type { KubeClient } from "../kube/api.js";
import { ListWatch, type ListWatchSink } from "../kube/list-watch.js";
import { errorText, type Logger } from "../ops/log.js";
import type { AgentMetrics } from "../ops/metrics.js";
import type { BackoffPolicy } from "../util/backoff.js";
import type { Clock, Delay } from "../util/time.js";
import { ClusterState } from "./cluster-state.js";
import { IngressControllerWatch } from "./ingress-controllers.js";
import { ChangeNotifier } from "./notifier.js";
import type { SnapshotProducer } from "./producer.js";

/** Finished pods hold no ports; the API server filters them out before they reach the agent. */
export const POD_FIELD_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed";

export interface WatchModeOptions {
  client: KubeClient;
  producer: SnapshotProducer;
  clock: Clock;
  delay: Delay;
  logger: Logger;
  metrics: AgentMetrics;
  pageSize: number;
  debounceMs: number;
  maxWaitMs: number;
  heartbeatMs: number;
  resyncMs: number;
  watchTimeoutSeconds: number;
  kubeBackoff: BackoffPolicy;
  onSynced?: () => void;
  /**
   * Given the cluster state as soon as it exists: the node readers' receiver (agents/src/listeners/)
   * feeds its sink and reads its node list, to hold a report until its node is listed and drop it
   * when the node leaves.
   */
  onClusterState?: (state: ClusterState) => void;
  /**
   * Feeds node listener reports into the state (the node readers' receiver) until `signal` aborts;
   * a report alone changing is a change like any other. Without it snapshots carry no reports.
   */
  nodeListenerFeed?: (sink: NodeListenerSink, signal: AbortSignal) => Promise<void>;
}

export type NodeListenerSink = ClusterState["nodeListenerSink"];

/** A kept pod in its snapshot form, with what resolves node listener owners to it. */
interface WatchedPod {
  pod: SnapshotPod;
  containers: PodContainers | null;
}

/**
 * The pod watch feeds the state's pods and, beside them, its pod owner index: a status update that
 * only brings a container id changes the index, not the snapshot.
 */
function podAndOwnerSink(state: ClusterState): ListWatchSink<WatchedPod> {
  return {
    replace: (items) => {
      const pods = new Map<string, SnapshotPod>();
      const owners = new Map<string, PodContainers | null>();
      for (const [key, item] of items) {
        pods.set(key, item.pod);
        owners.set(key, item.containers);
      }
      state.podSink.replace(pods);
      state.podOwners.replace(owners);
    },
    upsert: (key, item) => {
      state.podSink.upsert(key, item?.pod ?? null);
      state.podOwners.upsert(key, item?.containers ?? null);
    },
  };
}

export async function runWatchMode(options: WatchModeOptions, signal: AbortSignal): Promise<void> {
  const { client, delay, logger, metrics } = options;
  const notifier = new ChangeNotifier();
  const state = new ClusterState(() => notifier.notify());
  options.onClusterState?.(state);
  const interner = new Interner();
  const intern = (text: string) => interner.intern(text);

  const common = {
    client,
    pageSize: options.pageSize,
    delay,
    backoff: options.kubeBackoff,
    watchTimeoutSeconds: options.watchTimeoutSeconds,
    logger,
  };
  const nodes = new ListWatch<SnapshotNode>({
    ...common,
    resource: "nodes",
    convert: (o) => collectNode(o as KubeNode, interner),
    keyOf: (o) => (o as KubeNode).metadata?.name ?? "",
    sink: state.nodeSink,
    onRelist: (reason) => metrics.relists.inc({ resource: "nodes", reason }),
    onWatchError: () => metrics.watchErrors.inc({ resource: "nodes" }),
  });
  const pods = new ListWatch<WatchedPod>({
    ...common,
    resource: "pods",
    fieldSelector: POD_FIELD_SELECTOR,
    convert: (o) => {
      const pod = collectPod(o as KubePod, interner);
      return pod && { pod, containers: podContainersOf(o as KubePod, intern) };
    },
    keyOf: (o) => podKey(o as KubePod),
    sink: podAndOwnerSink(state),
    onRelist: (reason) => metrics.relists.inc({ resource: "pods", reason }),
    onWatchError: () => metrics.watchErrors.inc({ resource: "pods" }),
  });
  const ingressControllers = new IngressControllerWatch({
    ...common,
    sink: state.ingressControllerSink,
    recheckMs: options.resyncMs,
    metrics,
  });

  const resync = async () => {
    while (!signal.aborted) {
      await delay(options.resyncMs, signal);
      if (signal.aborted) break;
      nodes.requestResync();
      pods.requestResync();
      ingressControllers.requestResync();
    }
  };

  const snapshots = async () => {
    const synced = Promise.all([nodes.synced, pods.synced, ingressControllers.synced]);
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    await Promise.race([synced, aborted]);
    if (signal.aborted) return;
    options.onSynced?.();
    let produced = -1;
    let producedAt = 0;
    const produce = async () => {
      produced = state.version;
      producedAt = options.clock.now().getTime();
      try {
        await options.producer.produce(
          state.nodes.values(),
          state.pods.values(),
          produced,
          state.ingressControllers?.values(),
          state.nodeListeners.values(),
        );
      } catch (error) {
        logger.error("could not build or queue a snapshot", { error: errorText(error) });
      }
    };
    await produce();
    while (!signal.aborted) {
      if (state.version === produced) {
        const sinceLast = options.clock.now().getTime() - producedAt;
        await notifier.wait(Math.max(0, options.heartbeatMs - sinceLast), delay, signal);
        if (signal.aborted) break;
      }
      if (state.version !== produced) {
        // Debounce: wait until a quiet period, but never longer than maxWait after the first change.
        const firstChange = options.clock.now().getTime();
        for (;;) {
          const seen = state.version;
          const left = options.maxWaitMs - (options.clock.now().getTime() - firstChange);
          if (left <= 0) break;
          await delay(Math.min(options.debounceMs, left), signal);
          if (signal.aborted || state.version === seen) break;
        }
        if (signal.aborted) break;
      }
      await produce();
    }
  };

  await Promise.all([
    nodes.run(signal),
    pods.run(signal),
    ingressControllers.run(signal),
    resync(),
    snapshots(),
    options.nodeListenerFeed?.(state.nodeListenerSink, signal),
  ]);
}
