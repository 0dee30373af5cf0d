/**
 * What changed between the last state the API accepted and the next one, as a delta body
 * (src/contract/delta.ts). Objects are canonical (collectNode/collectPod), so equal ones serialise
 * the same; unchanged objects are usually the very same object, which is checked first.
 */
import type { SnapshotIngressController, SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";
import { envelopeHead, GzipWriter, type SnapshotHeader } from "../collect/encode.js";

/** A state by key: nodes by name, pods by namespace/name; IngressControllers as the sorted list. */
export interface KeyedState {
  nodes: Map<string, SnapshotNode>;
  pods: Map<string, SnapshotPod>;
  ingressControllers: readonly SnapshotIngressController[];
}

export interface StateChanges {
  nodes: { upsert: SnapshotNode[]; remove: string[] };
  pods: { upsert: SnapshotPod[]; remove: [string, string][] };
  /** The whole new list when any IngressController changed (the contract's rule); else absent. */
  ingressControllers?: readonly SnapshotIngressController[];
}

const podKey = (pod: SnapshotPod) => `${pod.namespace}/${pod.name}`;

/** `ingressControllers` canonical and sorted; none and not served are the same state. */
export function keyedState(
  nodes: readonly SnapshotNode[],
  pods: readonly SnapshotPod[],
  ingressControllers: readonly SnapshotIngressController[] = [],
): KeyedState {
  return {
    nodes: new Map(nodes.map((n) => [n.name, n])),
    pods: new Map(pods.map((p) => [podKey(p), p])),
    ingressControllers,
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
  await body.write("}}");
  return body.end();
}
