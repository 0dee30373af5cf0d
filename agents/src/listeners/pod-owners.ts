/**
 * From the pod tier's process owners (cgroup → pod UID, container id) to each listener's `pod`, in
 * the agent, which knows the pods. The index holds the pods the agent's watch keeps (hostNetwork
 * and host-port pods: the ones whose sockets are in the host's network namespace by design), by UID
 * and by container id; it is fed by the pod watch beside the cluster state, so a container id that
 * appears in a status update (a restart, a pod that just started) reaches it even when the pod's
 * snapshot form does not change.
 */
import type { ListenerPod, NodeListeners, ObservedListener } from "../../../src/contract/listeners.js";
import type { PodContainers } from "../collect/pod-containers.js";
import type { ProcessOwner } from "./protocol.js";

export interface PodLookup {
  /** bumped on every change: a report left unresolved is worth resolving again only after one */
  readonly version: number;
  byContainer(id: string): ListenerPod | undefined;
  byUid(uid: string): ListenerPod | undefined;
}

export class PodOwnerIndex implements PodLookup {
  version = 0;
  private readonly pods = new Map<string, PodContainers>();
  private readonly uids = new Map<string, PodContainers>();
  /** By container id, the pod that runs it (not a ListenerPod each: one object fewer per container). */
  private readonly containers = new Map<string, PodContainers>();

  get size(): number {
    return this.pods.size;
  }

  byContainer(id: string): ListenerPod | undefined {
    const pod = this.containers.get(id);
    const container = pod?.containers.find((c) => c.id === id);
    return pod && container && { namespace: pod.namespace, name: pod.name, container: container.name };
  }

  byUid(uid: string): ListenerPod | undefined {
    const pod = this.uids.get(uid);
    return pod && { namespace: pod.namespace, name: pod.name };
  }

  /** A full (re)list: the index becomes exactly `items` (by namespace/name). */
  replace(items: ReadonlyMap<string, PodContainers | null>): void {
    let changed = false;
    for (const key of [...this.pods.keys()]) {
      if (!items.get(key)) changed = this.remove(key) || changed;
    }
    for (const [key, pod] of items) if (pod) changed = this.put(key, pod) || changed;
    if (changed) this.version++;
  }

  upsert(key: string, pod: PodContainers | null): void {
    if (pod ? this.put(key, pod) : this.remove(key)) this.version++;
  }

  private put(key: string, pod: PodContainers): boolean {
    const old = this.pods.get(key);
    if (old && JSON.stringify(old) === JSON.stringify(pod)) return false;
    if (old) this.remove(key);
    this.pods.set(key, pod);
    this.uids.set(pod.uid, pod);
    for (const c of pod.containers) this.containers.set(c.id, pod);
    return true;
  }

  private remove(key: string): boolean {
    const old = this.pods.get(key);
    if (!old) return false;
    this.pods.delete(key);
    if (this.uids.get(old.uid) === old) this.uids.delete(old.uid);
    for (const c of old.containers) {
      const held = this.containers.get(c.id);
      if (held?.namespace === old.namespace && held.name === old.name) this.containers.delete(c.id);
    }
    return true;
  }
}

export interface Resolution {
  /** the report as a snapshot carries it: owners gone, `pod` on each listener whose pod is known */
  report: NodeListeners;
  /** listeners owned by a process in a pod the agent cannot name yet (or whose cgroup was not read) */
  unresolved: number;
  /** listeners given their pod but not the container the cgroup named (the status lags): retried too */
  withoutContainer: number;
  /** the pod UIDs and container ids of owners in pods nobody could name */
  unknownPods: Set<string>;
}

/**
 * Each listener's pod: the pod of its lowest-pid process that sits in a known pod (a forked daemon's
 * parent comes first), its container when the cgroup named one the pod's status lists. A listener
 * none of whose processes is in a known pod, but one of which is in a pod the agent does not know
 * (a pod that just started, a pod the agent does not keep) or was not read, is unresolved; while any
 * is, the report goes on as `attribution: "process"`, which claims no more than it knows: with
 * "pod", a socket without a pod would read as a host service. A container id the pod's status does
 * not list yet gives the pod without its container.
 */
export function resolveOwners(
  report: NodeListeners,
  owners: readonly ProcessOwner[] | undefined,
  lookup: PodLookup,
): Resolution {
  if (report.attribution !== "pod")
    return { report, unresolved: 0, withoutContainer: 0, unknownPods: new Set() };
  const byPid = new Map<number, ProcessOwner>();
  for (const owner of owners ?? []) byPid.set(owner.pid, owner);
  let unresolved = 0;
  let withoutContainer = 0;
  const unknownPods = new Set<string>();
  const listeners = report.listeners.map((listener): ObservedListener => {
    if (listener.pod) return listener;
    let unknown = false;
    const pids = listener.processes.map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
    for (const pid of pids.sort((a, b) => a - b)) {
      const owner = byPid.get(pid);
      if (!owner) {
        unknown = true; // its cgroup was not read
        continue;
      }
      if (!owner.pod) continue; // a host process
      const inContainer = owner.pod.containerId ? lookup.byContainer(owner.pod.containerId) : undefined;
      if (inContainer) return { ...listener, pod: inContainer };
      const inPod = owner.pod.uid ? lookup.byUid(owner.pod.uid) : undefined;
      if (inPod) {
        if (owner.pod.containerId) withoutContainer++;
        return { ...listener, pod: inPod };
      }
      unknown = true;
      if (owner.pod.uid) unknownPods.add(owner.pod.uid);
      if (owner.pod.containerId) unknownPods.add(owner.pod.containerId);
    }
    if (unknown) unresolved++;
    return listener;
  });
  const { node, localPortRange } = report;
  return {
    report: {
      node,
      attribution: unresolved > 0 ? "process" : "pod",
      ...(localPortRange ? { localPortRange } : {}),
      listeners,
    },
    unresolved,
    withoutContainer,
    unknownPods,
  };
}
