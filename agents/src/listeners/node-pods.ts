/**
 * The pods of one node, listed on demand, for owners the watch's index cannot name: a process in a
 * pod the agent does not keep (neither hostNetwork nor with a host port) whose socket is in the
 * host's network namespace anyway. One LIST of the node's pods (`spec.nodeName=<node>`) when a report
 * of that node has such an owner, at most once per `minIntervalMs` per node; of its answer only the
 * pods an owner named are kept (and, at the next LIST, those still there), until the node's report
 * goes. A cluster where every owner is a kept pod makes no extra call.
 */
import type { ListenerPod } from "../../../src/contract/listeners.js";
import type { PodContainers } from "../collect/pod-containers.js";
import { errorText, type Logger } from "../ops/log.js";
import type { PodLookup } from "./pod-owners.js";

export type ListNodePods = (node: string, signal: AbortSignal) => Promise<PodContainers[]>;

export interface NodePodsOptions {
  list: ListNodePods;
  minIntervalMs: number;
  /** nodes looked up at once at most (their pods kept); more wait for the next sweep */
  maxNodes: number;
  now: () => number;
  logger: Logger;
  signal: AbortSignal;
}

interface Entry {
  listedAt: number;
  pods: PodContainers[];
  listing: boolean;
}

/** Pods kept per node: a node runs about a hundred; the ones owning host sockets are a few. */
const MAX_KEPT_PER_NODE = 64;

export class NodePods implements PodLookup {
  version = 0;
  private readonly nodes = new Map<string, Entry>();
  private containers = new Map<string, ListenerPod>();
  private uids = new Map<string, ListenerPod>();

  constructor(private readonly options: NodePodsOptions) {}

  byContainer(id: string): ListenerPod | undefined {
    return this.containers.get(id);
  }

  byUid(uid: string): ListenerPod | undefined {
    return this.uids.get(uid);
  }

  /** The node's report has owners in these unknown pods (UIDs, container ids) to look for. */
  lookFor(node: string, wanted: ReadonlySet<string>): void {
    const entry = this.nodes.get(node);
    if (wanted.size === 0) return;
    const now = this.options.now();
    if (entry && (entry.listing || now - entry.listedAt < this.options.minIntervalMs)) return;
    if (!entry && this.nodes.size >= this.options.maxNodes) return;
    const listing: Entry = { listedAt: now, pods: entry?.pods ?? [], listing: true };
    this.nodes.set(node, listing);
    this.options.list(node, this.options.signal).then(
      (pods) => {
        const kept = new Set(listing.pods.map((p) => p.uid));
        const named = (p: PodContainers) =>
          kept.has(p.uid) || wanted.has(p.uid) || p.containers.some((c) => wanted.has(c.id));
        listing.pods = pods.filter(named).slice(0, MAX_KEPT_PER_NODE);
        listing.listing = false;
        listing.listedAt = this.options.now();
        if (this.nodes.get(node) === listing) this.rebuild();
      },
      (error: unknown) => {
        listing.listing = false; // tried again after minIntervalMs, when a report asks
        if (!this.options.signal.aborted) {
          this.options.logger.warn("could not list a node's pods to name its listeners", {
            node,
            error: errorText(error),
          });
        }
      },
    );
  }

  /** The node's report is gone: so are its pods. */
  forget(node: string): void {
    if (this.nodes.delete(node)) this.rebuild();
  }

  private rebuild(): void {
    this.containers = new Map();
    this.uids = new Map();
    for (const entry of this.nodes.values()) {
      for (const pod of entry.pods) {
        this.uids.set(pod.uid, { namespace: pod.namespace, name: pod.name });
        for (const c of pod.containers) {
          this.containers.set(c.id, { namespace: pod.namespace, name: pod.name, container: c.name });
        }
      }
    }
    this.version++;
  }
}

/** The watch's index first, then the nodes' pods listed on demand; a change of either is a change. */
export function combinedLookup(first: () => PodLookup | undefined, then: PodLookup): PodLookup {
  return {
    get version() {
      return (first()?.version ?? 0) + then.version;
    },
    byContainer: (id) => first()?.byContainer(id) ?? then.byContainer(id),
    byUid: (uid) => first()?.byUid(uid) ?? then.byUid(uid),
  };
}
