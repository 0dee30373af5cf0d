/**
 * Kubernetes objects → the canonical snapshot form the contract defines (src/contract/canonical.ts), at
 * collection time. Keeping the state canonical means a snapshot is just the sorted state: no copy to
 * canonicalise, and a hash the server agrees with.
 *
 * Pods of one workload repeat the same ports, tolerations, node selector, owner and affinity; those
 * parts are interned (one shared, frozen object per distinct value), which roughly halves what 50,000 DaemonSet
 * pods cost to hold.
 */
import { canonicalNode, canonicalPod } from "../../../src/contract/canonical.js";
import type { SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";
import type { KubeNode, KubePod } from "./kube-types.js";
import { toSnapshotNode } from "./node.js";
import { toSnapshotPod } from "./pod.js";

/** Shares equal values. Bounded: when full it starts over (objects already shared stay shared). */
export class Interner {
  private readonly values = new Map<string, unknown>();

  constructor(private readonly maxEntries = 20_000) {}

  intern<T>(value: T): T {
    const key = JSON.stringify(value);
    const known = this.values.get(key);
    if (known !== undefined) return known as T;
    if (this.values.size >= this.maxEntries) this.values.clear();
    this.values.set(key, Object.freeze(value));
    return value;
  }
}

/** A pod in the state's form: null when it holds no host port (see toSnapshotPod). */
export function collectPod(object: KubePod, interner?: Interner): SnapshotPod | null {
  const pod = toSnapshotPod(object);
  if (!pod) return null;
  const canonical = canonicalPod(pod);
  if (!interner) return canonical;
  return {
    ...canonical,
    owner: canonical.owner && interner.intern(canonical.owner),
    // A DaemonSet's pods declare the same ports on every node.
    ports: interner.intern(canonical.ports),
    nodeSelector: interner.intern(canonical.nodeSelector),
    tolerations: interner.intern(canonical.tolerations),
    requiredNodeAffinity: canonical.requiredNodeAffinity && interner.intern(canonical.requiredNodeAffinity),
  };
}

export function collectNode(object: KubeNode, interner?: Interner): SnapshotNode | null {
  const node = toSnapshotNode(object);
  if (!node) return null;
  const canonical = canonicalNode(node);
  return interner ? { ...canonical, taints: interner.intern(canonical.taints) } : canonical;
}
