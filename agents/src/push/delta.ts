/**
 * What changed between the last state the API accepted and the next one, as a delta body
 * (src/contract/delta.ts). Objects are canonical (collectNode/collectPod), so equal ones serialise
 * the same; unchanged objects are usually the very same object, which is checked first.
 */
import type { NodeListeners } from "../../../src/contract/listeners.js";
import type { SnapshotIngressController, SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";
import { envelopeHead, GzipWriter, type SnapshotHeader } from "../collect/encode.js";

/**
 * A state by key: nodes by name, pods by namespace/name, listener reports by node; IngressControllers
 * as the sorted list.
 */
export interface KeyedState {
  nodes: Map<string, SnapshotNode>;
  pods: Map<string, SnapshotPod>;
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

const podKey = (pod: SnapshotPod) => `${pod.namespace}/${pod.name}`;

/** `ingressControllers` canonical and sorted; none and not served are the same state. */
export function keyedState(
  nodes: readonly SnapshotNode[],
  pods: readonly SnapshotPod[],
  ingressControllers: readonly SnapshotIngressController[] = [],
  nodeListeners: readonly NodeListeners[] = [],
): KeyedState {
  return {
    nodes: new Map(nodes.map((n) => [n.name, n])),
    pods: new Map(pods.map((p) => [podKey(p), p])),
    ingressControllers,
    nodeListeners: new Map(nodeListeners.map((r) => [r.node, r])),
  };
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

export function stateChanges(base: KeyedState, next: KeyedState): StateChanges {
  const changes: StateChanges = { nodes: { upsert: [], remove: [] }, pods: { upsert: [], remove: [] } };
  for (const [name, node] of next.nodes) {
    const before = base.nodes.get(name);
    if (!before || !same(before, node)) changes.nodes.upsert.push(node);
  }
  for (const name of base.nodes.keys()) if (!next.nodes.has(name)) changes.nodes.remove.push(name);
  for (const [key, pod] of next.pods) {
    const before = base.pods.get(key);
    if (!before || !same(before, pod)) changes.pods.upsert.push(pod);
  }
  for (const [key, pod] of base.pods)
    if (!next.pods.has(key)) changes.pods.remove.push([pod.namespace, pod.name]);
  if (!same(base.ingressControllers, next.ingressControllers))
    changes.ingressControllers = next.ingressControllers;
  const reports: NonNullable<StateChanges["nodeListeners"]> = { upsert: [], remove: [] };
  for (const [node, report] of next.nodeListeners) {
    const before = base.nodeListeners.get(node);
    if (!before || !same(before, report)) reports.upsert.push(report);
  }
  for (const node of base.nodeListeners.keys()) {
    if (!next.nodeListeners.has(node) && next.nodes.has(node)) reports.remove.push(node);
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
