/**
 * What the agent knows of its cluster between snapshots: every node, the host-port pods and (where
 * the API serves them) the IngressControllers, in their snapshot form only. Updates that leave that form unchanged (node heartbeats, status churn of
 * ordinary pods) do not count as changes, so a busy cluster does not rebuild snapshots for nothing.
 */
import type { NodeListeners } from "../../../src/contract/listeners.js";
import type { SnapshotIngressController, SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";
import type { ListWatchSink } from "../kube/list-watch.js";
import { PodOwnerIndex } from "../listeners/pod-owners.js";

export class ClusterState {
  readonly nodes = new Map<string, SnapshotNode>();
  readonly pods = new Map<string, SnapshotPod>();
  /** By namespace/name; undefined until they are listed (never, where the API does not serve them). */
  ingressControllers: Map<string, SnapshotIngressController> | undefined;
  /**
   * By node name: each observed node's latest listener report (node readers, or an import). A node
   * without one is not observed; a report is dropped when its reader stops reporting.
   */
  readonly nodeListeners = new Map<string, NodeListeners>();
  /**
   * The kept pods' UIDs and container ids, which pod-tier listener reports are resolved against
   * (agents/src/listeners/pod-owners.ts). Not part of the snapshot: changing it changes no version.
   */
  readonly podOwners = new PodOwnerIndex();
  /** Bumped on every real change; the snapshot scheduler compares it. */
  version = 0;

  constructor(private readonly onChange: () => void = () => {}) {}

  readonly nodeSink: ListWatchSink<SnapshotNode> = {
    replace: (items) => this.replace(this.nodes, items),
    upsert: (key, value) => this.upsert(this.nodes, key, value),
  };

  readonly podSink: ListWatchSink<SnapshotPod> = {
    replace: (items) => this.replace(this.pods, items),
    upsert: (key, value) => this.upsert(this.pods, key, value),
  };

  readonly ingressControllerSink: ListWatchSink<SnapshotIngressController> = {
    replace: (items) => {
      // First listed: a change only if there are some (an empty list hashes as none at all).
      if (this.ingressControllers) return this.replace(this.ingressControllers, items);
      this.ingressControllers = new Map(items);
      if (items.size > 0) this.changed();
    },
    upsert: (key, value) => {
      this.ingressControllers ??= new Map();
      this.upsert(this.ingressControllers, key, value);
    },
  };

  /** A node's new report, or null when the node is no longer observed. */
  readonly nodeListenerSink = {
    upsert: (node: string, report: NodeListeners | null) => this.upsert(this.nodeListeners, node, report),
  };

  private replace<T>(target: Map<string, T>, items: Map<string, T>): void {
    let changed = target.size !== items.size;
    for (const [key, value] of items) {
      if (changed) break;
      const old = target.get(key);
      if (old === undefined || !sameValue(old, value)) changed = true;
    }
    target.clear();
    for (const [key, value] of items) target.set(key, value);
    if (changed) this.changed();
  }

  private upsert<T>(target: Map<string, T>, key: string, value: T | null): void {
    const old = target.get(key);
    if (value === null) {
      if (old === undefined) return;
      target.delete(key);
    } else {
      target.set(key, value);
      if (old !== undefined && sameValue(old, value)) return;
    }
    this.changed();
  }

  private changed(): void {
    this.version += 1;
    this.onChange();
  }
}

/** Both sides are built by the same converter, so equal state serialises identically. */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
