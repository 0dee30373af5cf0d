/**
 * Turns the collected state into a validated snapshot, decides whether it is a change or a
 * heartbeat (same state hash as the last one), and hands it to the sink (pusher or printer).
 */
import type { NodeListeners } from "../../../src/contract/listeners.js";
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
  /** Observed nodes (listener reports) and their listeners, when there are any. */
  nodeListeners?: { nodes: number; listeners: number };
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
        nodeListeners: NodeListeners[] | undefined;
        keyed: KeyedState;
      }
    | undefined;
  /** Reports left out (node gone, or refused by the contract): logged once each while it lasts. */
  private readonly orphanReports = new LoggedOnce();
  private readonly refusedReports = new LoggedOnce();

  constructor(private readonly options: ProducerOptions) {
    this.lastObservedMs = options.notBeforeMs ?? 0;
  }

  /**
   * Builds and offers a snapshot of `nodes` and `pods` (canonical forms from collectNode/collectPod),
   * and of `ingressControllers` when the cluster has the API for them (undefined: plain Kubernetes),
   * with each observed node's listener report (`nodeListeners`; a report for a node not in `nodes`
   * is left out). `version` identifies the state (ClusterState's counter): an unchanged state is not validated
   * again, only re-encoded with a new observedAt. Returns undefined when the contract refuses the
   * snapshot (logged and counted, not pushed).
   */
  async produce(
    nodes: Iterable<SnapshotNode>,
    pods: Iterable<SnapshotPod>,
    version?: number,
    ingressControllers?: Iterable<SnapshotIngressController>,
    nodeListeners?: Iterable<NodeListeners>,
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
        nodeListeners,
      );
      if (assembled.orphanPods.length > 0) {
        logger.info("left out pods whose node is gone", { pods: assembled.orphanPods.slice(0, 20) });
      }
      const gone = this.orphanReports.fresh(assembled.orphanReports);
      if (gone.length > 0) {
        logger.info("left out listener reports of nodes the cluster does not list", {
          nodes: gone.slice(0, 20),
          ...(gone.length > 20 ? { more: gone.length - 20 } : {}),
        });
      }
      const refused = assembled.refusedReports;
      for (const node of this.refusedReports.fresh(refused.map((r) => r.node)).slice(0, 20)) {
        logger.error("left out a listener report the contract refuses (please report this)", {
          node,
          error: refused.find((r) => r.node === node)?.message,
        });
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
      const {
        nodes: sorted,
        pods: kept,
        ingressControllers: controllers,
        nodeListeners: reports,
      } = assembled.snapshot;
      state = {
        version: version ?? -1,
        nodes: sorted,
        pods: kept,
        ingressControllers: controllers,
        nodeListeners: reports,
        keyed: keyedState(sorted, kept, controllers, reports),
      };
      if (version !== undefined) this.cached = state;
    }
    const header = { schemaVersion: 1, cluster, observedAt, agent };
    const { hash, body } = await encodeSnapshot(
      header,
      state.nodes,
      state.pods,
      state.ingressControllers,
      state.nodeListeners,
    );
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
      ...(state.nodeListeners
        ? {
            nodeListeners: {
              nodes: state.nodeListeners.length,
              listeners: state.nodeListeners.reduce((sum, r) => sum + r.listeners.length, 0),
            },
          }
        : {}),
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

/**
 * Names to say once while they last: a report outlives its node for a moment (the reader of a
 * deleted node), and a refused report stays refused until its reader sends another; neither is
 * worth a line per snapshot. A name that goes and comes back is said again.
 */
class LoggedOnce {
  private said = new Set<string>();

  /** The names not said at the last call; `names` become the ones said. */
  fresh(names: readonly string[]): string[] {
    const fresh = names.filter((name) => !this.said.has(name));
    this.said = new Set(names);
    return fresh;
  }
}
