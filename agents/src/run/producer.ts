/**
 * Turns the collected state into a validated snapshot, decides whether it is a change or a
 * heartbeat (same state hash as the last one), and hands it to the sink (pusher or printer).
 */
import type { SnapshotIngressController, SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";
import { encodeSnapshot } from "../collect/encode.js";
import { assembleSnapshot, validateSnapshot } from "../collect/snapshot.js";
import type { Logger } from "../ops/log.js";
import type { AgentMetrics } from "../ops/metrics.js";
import { type KeyedState, keyedState } from "../push/delta.js";
import type { SnapshotKind, SnapshotSink } from "../push/pusher.js";
import type { Clock } from "../util/time.js";
import { AGENT_VERSION } from "../version.js";

export interface SnapshotInfo {
  kind: SnapshotKind;
  observedAt: string;
  hash: string;
  nodes: number;
  pods: number;
  ports: number;
  /** Only where the cluster has them (OpenShift). */
  ingressControllers?: number;
}

export interface ProducerOptions {
  cluster: string;
  mode: string;
  clock: Clock;
  sink: SnapshotSink;
  logger: Logger;
  metrics: AgentMetrics;
  /** observedAt of the newest snapshot already spooled from an earlier run: new ones must be later. */
  notBeforeMs?: number;
  onSnapshot?: (info: SnapshotInfo) => void;
}

export class SnapshotProducer {
  private lastHash: string | undefined;
  private lastObservedMs: number;
  /** The last validated state (sorted canonical arrays, and by key) and its version, reused by heartbeats. */
  private cached:
    | {
        version: number;
        nodes: SnapshotNode[];
        pods: SnapshotPod[];
        ingressControllers: SnapshotIngressController[] | undefined;
        keyed: KeyedState;
      }
    | undefined;

  constructor(private readonly options: ProducerOptions) {
    this.lastObservedMs = options.notBeforeMs ?? 0;
  }

  /**
   * Builds and offers a snapshot of `nodes` and `pods` (canonical forms from collectNode/collectPod),
   * and of `ingressControllers` when the cluster has the API for them (undefined: plain Kubernetes).
   * `version` identifies the state (ClusterState's counter): an unchanged state is not validated
   * again, only re-encoded with a new observedAt. Returns undefined when the contract refuses the
   * snapshot (logged and counted, not pushed).
   */
  async produce(
    nodes: Iterable<SnapshotNode>,
    pods: Iterable<SnapshotPod>,
    version?: number,
    ingressControllers?: Iterable<SnapshotIngressController>,
  ): Promise<SnapshotInfo | undefined> {
    const { cluster, mode, logger, metrics } = this.options;
    const observedAt = this.nextObservedAt();
    const agent = { version: AGENT_VERSION, mode };
    let state = version !== undefined && this.cached?.version === version ? this.cached : undefined;
    if (!state) {
      const assembled = assembleSnapshot(
        { cluster, observedAt: new Date(observedAt), agent },
        nodes,
        pods,
        ingressControllers,
      );
      if (assembled.orphanPods.length > 0) {
        logger.info("left out pods whose node is gone", { pods: assembled.orphanPods.slice(0, 20) });
      }
      const validation = validateSnapshot(assembled.snapshot);
      if (!validation.ok) {
        metrics.invalidSnapshots.inc();
        logger.error("the snapshot does not satisfy the contract; not sent (please report this)", {
          code: validation.code,
          error: validation.message,
          issues: validation.issues.slice(0, 10),
        });
        return undefined;
      }
      const { nodes: sorted, pods: kept, ingressControllers: controllers } = assembled.snapshot;
      state = {
        version: version ?? -1,
        nodes: sorted,
        pods: kept,
        ingressControllers: controllers,
        keyed: keyedState(sorted, kept, controllers),
      };
      if (version !== undefined) this.cached = state;
    }
    const header = { schemaVersion: 1, cluster, observedAt, agent };
    const { hash, body } = await encodeSnapshot(header, state.nodes, state.pods, state.ingressControllers);
    const kind: SnapshotKind = hash === this.lastHash ? "heartbeat" : "change";
    this.lastHash = hash;
    metrics.snapshots.inc({ kind });
    metrics.nodes.set(state.nodes.length);
    metrics.hostPortPods.set(state.pods.length);
    const info: SnapshotInfo = {
      kind,
      observedAt,
      hash,
      nodes: state.nodes.length,
      pods: state.pods.length,
      ports: state.pods.reduce((sum, p) => sum + p.ports.length, 0),
      ...(state.ingressControllers ? { ingressControllers: state.ingressControllers.length } : {}),
    };
    (kind === "change" ? logger.info : logger.debug)("snapshot", { ...info, gzippedBytes: body.byteLength });
    await this.options.sink.offer({ observedAt, hash, kind, body, state: { header, keyed: state.keyed } });
    this.options.onSnapshot?.(info); // after the hand-over: a listener may look at the sink
    return info;
  }

  /**
   * The API refuses an observedAt not after the last accepted one (409), so two snapshots in the
   * same millisecond, or a clock stepped back, would lose a change: keep observedAt increasing.
   */
  private nextObservedAt(): string {
    const now = this.options.clock.now().getTime();
    this.lastObservedMs = Math.max(now, this.lastObservedMs + 1);
    return new Date(this.lastObservedMs).toISOString();
  }
}
