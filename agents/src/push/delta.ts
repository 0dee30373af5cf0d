/**
 * What changed between the last state the API accepted and the next one, as a delta body
 * (src/contract/delta.ts). Objects are canonical (collectNode/collectPod), so equal ones serialise
 * the same; unchanged objects are usually the very same object, which is checked first.
 */
import type { NodeListeners } from "../../../src/contract/listeners.js";
import type { SnapshotIngressController, SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";
import { envelopeHead, GzipWriter, type SnapshotHeader } from "../collect/encode.js";

/**
 * A state in key order: nodes by name, pods by namespace then name (the snapshot's own order, so the
 * producer's sorted lists are used as they are: no second index of 50,000 pods and their keys beside
 * them), listener reports by node; IngressControllers as the sorted list.
 */
export interface KeyedState {
  nodes: readonly SnapshotNode[];
  pods: readonly SnapshotPod[];
  ingressControllers: readonly SnapshotIngressController[];
  nodeListeners: Map<string, NodeListeners>;
}

export interface StateChanges {
  nodes: { upsert: SnapshotNode[]; remove: string[] };
  pods: { upsert: SnapshotPod[]; remove: [string, string][] };
  /** The whole new list when any IngressController changed (the contract's rule); else absent. */
  ingressControllers?: readonly SnapshotIngressController[];
  /**
   * Reports new or changed (each the node's whole new set), and nodes no longer observed. A node
   * removed from `nodes` loses its report with it, so it is not named here. Absent: unchanged.
   */
  nodeListeners?: { upsert: NodeListeners[]; remove: string[] };
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byNode = (a: SnapshotNode, b: SnapshotNode) => byString(a.name, b.name);
const byPod = (a: SnapshotPod, b: SnapshotPod) =>
  byString(a.namespace, b.namespace) || byString(a.name, b.name);

/**
 * The list in key order, one entry per key (the last given, as a map by key would keep). Lists
 * already in order with distinct keys (the producer's) are used as they are, not copied.
 */
function inKeyOrder<T>(list: readonly T[], order: (a: T, b: T) => number): readonly T[] {
  let ordered = true;
  for (let i = 1; i < list.length && ordered; i++) ordered = order(list[i - 1] as T, list[i] as T) < 0;
  if (ordered) return list;
  const sorted = [...list].sort(order); // stable: equal keys keep their order, the last given last
  return sorted.filter((item, i) => i + 1 === sorted.length || order(item, sorted[i + 1] as T) !== 0);
}

/** `ingressControllers` canonical and sorted; none and not served are the same state. */
export function keyedState(
  nodes: readonly SnapshotNode[],
  pods: readonly SnapshotPod[],
  ingressControllers: readonly SnapshotIngressController[] = [],
  nodeListeners: readonly NodeListeners[] = [],
): KeyedState {
  return {
    nodes: inKeyOrder(nodes, byNode),
    pods: inKeyOrder(pods, byPod),
    ingressControllers,
    nodeListeners: new Map(nodeListeners.map((r) => [r.node, r])),
  };
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * Walks two lists in key order side by side: `changed` gets each entry of `next` that is new or
 * differs (in `next`'s order), `gone` each entry of `base` whose key `next` lacks (in `base`'s order).
 */
function mergeChanges<T>(
  base: readonly T[],
  next: readonly T[],
  order: (a: T, b: T) => number,
  changed: (item: T) => void,
  gone: (item: T) => void,
): void {
  let i = 0;
  let j = 0;
  while (i < base.length || j < next.length) {
    const before = base[i];
    const after = next[j];
    const c = before === undefined ? 1 : after === undefined ? -1 : order(before, after);
    if (c < 0) {
      gone(before as T);
      i++;
    } else if (c > 0) {
      changed(after as T);
      j++;
    } else {
      if (!same(before, after)) changed(after as T);
      i++;
      j++;
    }
  }
}

export function stateChanges(base: KeyedState, next: KeyedState): StateChanges {
  const changes: StateChanges = { nodes: { upsert: [], remove: [] }, pods: { upsert: [], remove: [] } };
  const removedNodes: SnapshotNode[] = [];
  mergeChanges(
    base.nodes,
    next.nodes,
    byNode,
    (node) => changes.nodes.upsert.push(node),
    (node) => removedNodes.push(node),
  );
  changes.nodes.remove = removedNodes.map((n) => n.name);
  mergeChanges(
    base.pods,
    next.pods,
    byPod,
    (pod) => changes.pods.upsert.push(pod),
    (pod) => changes.pods.remove.push([pod.namespace, pod.name]),
  );
  if (!same(base.ingressControllers, next.ingressControllers))
    changes.ingressControllers = next.ingressControllers;
  const reports: NonNullable<StateChanges["nodeListeners"]> = { upsert: [], remove: [] };
  for (const [node, report] of next.nodeListeners) {
    const before = base.nodeListeners.get(node);
    if (!before || !same(before, report)) reports.upsert.push(report);
  }
  if (base.nodeListeners.size > 0) {
    const nextNodes = new Set(next.nodes.map((n) => n.name));
    for (const node of base.nodeListeners.keys()) {
      if (!next.nodeListeners.has(node) && nextNodes.has(node)) reports.remove.push(node);
    }
  }
  if (reports.upsert.length > 0 || reports.remove.length > 0) changes.nodeListeners = reports;
  return changes;
}

/** The gzipped delta body: the envelope, then `delta` with the base state's hash and the next one's. */
export async function encodeDelta(
  header: SnapshotHeader,
  base: string,
  hash: string,
  changes: StateChanges,
): Promise<Buffer> {
  const body = new GzipWriter();
  await body.write(`${envelopeHead(header)},"delta":{"base":"${base}","hash":"${hash}","nodes":{"upsert":[`);
  for (let i = 0; i < changes.nodes.upsert.length; i++) {
    await body.write((i > 0 ? "," : "") + JSON.stringify(changes.nodes.upsert[i]));
  }
  await body.write(`],"remove":${JSON.stringify(changes.nodes.remove)}},"pods":{"upsert":[`);
  for (let i = 0; i < changes.pods.upsert.length; i++) {
    await body.write((i > 0 ? "," : "") + JSON.stringify(changes.pods.upsert[i]));
  }
  await body.write(`],"remove":${JSON.stringify(changes.pods.remove)}}`);
  if (changes.ingressControllers)
    await body.write(`,"ingressControllers":${JSON.stringify(changes.ingressControllers)}`);
  // Absent means the reports are unchanged, so a heartbeat stays a few hundred bytes.
  const reports = changes.nodeListeners;
  if (reports) {
    await body.write(`,"nodeListeners":{"upsert":[`);
    for (let i = 0; i < reports.upsert.length; i++) {
      await body.write((i > 0 ? "," : "") + JSON.stringify(reports.upsert[i]));
    }
    await body.write(`],"remove":${JSON.stringify(reports.remove)}}`);
  }
  await body.write("}}");
  return body.end();
}
