/**
 * A cluster's open facts by key, and a delta applied to them: which facts end and which begin, the
 * same intervals a whole snapshot's fingerprint diff would give (an upsert whose fingerprint is
 * unchanged changes nothing). Allocations follow their pod: a pod's set is replaced as a whole, and
 * a node's listeners its report (docs/snapshot-contract.md, "Node listeners").
 */
import type { StateSize } from "../contract/state-bounds.js";
import type { AllocationFact, IngressControllerFact, NodeFact, PodFact, SnapshotFacts } from "./history.js";
import type { NodeListenerFact, NodePortRangeFact } from "./node-listeners.js";
import { type WorkloadRef, workloadKey, workloadOfPod } from "./workload.js";

export interface FactState {
  nodes: Map<string, NodeFact>;
  /** by namespace/name */
  pods: Map<string, PodFact>;
  /** by the pod's namespace/name; only pods bound to a node have any */
  allocations: Map<string, AllocationFact[]>;
  /** few per cluster: a delta replaces the list as a whole */
  ingressControllers: IngressControllerFact[];
  /** by node: the nodes observed (with a listener report) and their listeners */
  reports: Map<string, NodeReport>;
}

export interface NodeReport {
  report: NodePortRangeFact;
  listeners: NodeListenerFact[];
}

export const podKeyOf = (namespace: string, name: string) => `${namespace}/${name}`;

/** Facts as a whole snapshot lists them (allocations in their pods' order) → by key. */
export function factStateOf(facts: SnapshotFacts): FactState {
  const state: FactState = {
    nodes: new Map(),
    pods: new Map(),
    allocations: new Map(),
    ingressControllers: facts.ingressControllers,
    reports: reportsOf(facts),
  };
  for (const node of facts.nodes) state.nodes.set(node.name, node);
  for (const pod of facts.pods) state.pods.set(podKeyOf(pod.namespace, pod.name), pod);
  for (const allocation of facts.allocations) {
    const key = podKeyOf(allocation.namespace, allocation.pod);
    const list = state.allocations.get(key);
    if (list) list.push(allocation);
    else state.allocations.set(key, [allocation]);
  }
  return state;
}

/** The reports of a state's (or a delta's) facts, by node. */
export function reportsOf(
  facts: Pick<SnapshotFacts, "nodeListeners" | "nodePortRanges">,
): Map<string, NodeReport> {
  const reports = new Map<string, NodeReport>();
  for (const report of facts.nodePortRanges) reports.set(report.node, { report, listeners: [] });
  for (const listener of facts.nodeListeners) reports.get(listener.node)?.listeners.push(listener);
  return reports;
}

/** Every allocation of the state, pod by pod, without copying them into one list. */
export function* stateAllocations(state: FactState): Generator<AllocationFact> {
  for (const list of state.allocations.values()) yield* list;
}

export const allocationFactCount = (state: FactState): number => {
  let count = 0;
  for (const list of state.allocations.values()) count += list.length;
  return count;
};

const listenerFactCount = (state: FactState): number => {
  let count = 0;
  for (const { listeners } of state.reports.values()) count += listeners.length;
  return count;
};

/** Facts the state holds (what BaseStates budgets). */
export const factCount = (state: FactState): number =>
  state.nodes.size +
  state.pods.size +
  allocationFactCount(state) +
  state.ingressControllers.length +
  state.reports.size +
  listenerFactCount(state);

/** A state's pods' host ports: how many, and how many pods declare each distinct one. */
interface PortTally {
  hostPorts: number;
  byPort: Map<string, number>;
}

/**
 * The port tally of a state, built by its first stateSize and kept up to date by applyFactDelta
 * (the only change made to a state's pods after factStateOf), so a delta's bound check does not walk
 * every pod of the cluster. Weak: it goes with its state.
 */
const portTallies = new WeakMap<FactState, PortTally>();

const portKey = (port: PodFact["ports"][number]) => `${port.protocol}|${port.hostIP}|${port.hostPort}`;

function tallyPorts(tally: PortTally, pod: PodFact, by: 1 | -1): void {
  tally.hostPorts += by * pod.ports.length;
  for (const port of pod.ports) {
    const key = portKey(port);
    const n = (tally.byPort.get(key) ?? 0) + by;
    if (n === 0) tally.byPort.delete(key);
    else tally.byPort.set(key, n);
  }
}

/** The state's sizes the contract bounds (src/contract/state-bounds.ts). */
export function stateSize(state: FactState): StateSize {
  let tally = portTallies.get(state);
  if (!tally) {
    tally = { hostPorts: 0, byPort: new Map() };
    for (const pod of state.pods.values()) tallyPorts(tally, pod, 1);
    portTallies.set(state, tally);
  }
  return {
    nodes: state.nodes.size,
    pods: state.pods.size,
    ingressControllers: state.ingressControllers.length,
    hostPorts: tally.hostPorts,
    distinctHostPorts: tally.byPort.size,
    listeners: listenerFactCount(state),
  };
}

/** The facts of a state, as lists (for the projections that read the whole cluster). */
export function factsOfState(state: FactState): SnapshotFacts {
  const allocations: AllocationFact[] = [];
  for (const list of state.allocations.values()) for (const a of list) allocations.push(a);
  const nodeListeners: NodeListenerFact[] = [];
  for (const { listeners } of state.reports.values()) for (const l of listeners) nodeListeners.push(l);
  return {
    nodes: [...state.nodes.values()],
    pods: [...state.pods.values()],
    allocations,
    ingressControllers: state.ingressControllers,
    nodeListeners,
    nodePortRanges: [...state.reports.values()].map((r) => r.report),
  };
}

/** Per kind of fact, the facts whose interval ends (as they were) and those whose interval begins. */
export type FactChanges = { [K in keyof SnapshotFacts]: { close: SnapshotFacts[K]; open: SnapshotFacts[K] } };

export interface FactDelta {
  /** facts of the upserted nodes and pods (factsFromState of just those) */
  upserts: SnapshotFacts;
  removeNodes: readonly string[];
  removePods: readonly (readonly [string, string])[];
  /** the whole new list; undefined: unchanged */
  ingressControllers?: IngressControllerFact[] | undefined;
  /** nodes no longer observed (their listener reports removed); the upserted reports are in `upserts` */
  removeReports?: readonly string[];
}

/** Ends a node's report and its listeners, or begins them; a report replaced keeps what is unchanged. */
function replaceReport(
  state: FactState,
  node: string,
  next: NodeReport | undefined,
  changes: FactChanges,
): void {
  const before = state.reports.get(node);
  const beforeFps = new Set(before?.listeners.map((l) => l.fp));
  const nextFps = new Set(next?.listeners.map((l) => l.fp));
  for (const l of before?.listeners ?? []) if (!nextFps.has(l.fp)) changes.nodeListeners.close.push(l);
  for (const l of next?.listeners ?? []) if (!beforeFps.has(l.fp)) changes.nodeListeners.open.push(l);
  if (before && before.report.fp !== next?.report.fp) changes.nodePortRanges.close.push(before.report);
  if (next && before?.report.fp !== next.report.fp) changes.nodePortRanges.open.push(next.report);
  if (next) state.reports.set(node, next);
  else state.reports.delete(node);
}

function replaceAllocations(
  state: FactState,
  key: string,
  next: AllocationFact[] | undefined,
  changes: FactChanges,
): void {
  const before = state.allocations.get(key) ?? [];
  const beforeFps = new Set(before.map((a) => a.fp));
  const nextFps = new Set((next ?? []).map((a) => a.fp));
  for (const a of before) if (!nextFps.has(a.fp)) changes.allocations.close.push(a);
  for (const a of next ?? []) if (!beforeFps.has(a.fp)) changes.allocations.open.push(a);
  if (next && next.length > 0) state.allocations.set(key, next);
  else state.allocations.delete(key);
}

/** Applies a delta to `state` in place; returns what ends and what begins. Removing an absent key is a no-op. */
export function applyFactDelta(state: FactState, delta: FactDelta): FactChanges {
  const changes: FactChanges = {
    nodes: { close: [], open: [] },
    pods: { close: [], open: [] },
    allocations: { close: [], open: [] },
    ingressControllers: { close: [], open: [] },
    nodeListeners: { close: [], open: [] },
    nodePortRanges: { close: [], open: [] },
  };
  for (const name of delta.removeNodes) {
    const before = state.nodes.get(name);
    if (!before) continue;
    changes.nodes.close.push(before);
    state.nodes.delete(name);
    // A node removed loses its listener report with it.
    replaceReport(state, name, undefined, changes);
  }
  for (const name of delta.removeReports ?? []) replaceReport(state, name, undefined, changes);
  for (const [name, report] of reportsOf(delta.upserts)) replaceReport(state, name, report, changes);
  for (const node of delta.upserts.nodes) {
    const before = state.nodes.get(node.name);
    if (before?.fp === node.fp) continue;
    if (before) changes.nodes.close.push(before);
    changes.nodes.open.push(node);
    state.nodes.set(node.name, node);
  }
  for (const [namespace, name] of delta.removePods) {
    const key = podKeyOf(namespace, name);
    const before = state.pods.get(key);
    if (!before) continue;
    changes.pods.close.push(before);
    state.pods.delete(key);
    replaceAllocations(state, key, undefined, changes);
  }
  const upsertedAllocations = factStateOf({
    nodes: [],
    pods: [],
    allocations: delta.upserts.allocations,
    ingressControllers: [],
    nodeListeners: [],
    nodePortRanges: [],
  });
  for (const pod of delta.upserts.pods) {
    const key = podKeyOf(pod.namespace, pod.name);
    const before = state.pods.get(key);
    if (before?.fp !== pod.fp) {
      if (before) changes.pods.close.push(before);
      changes.pods.open.push(pod);
      state.pods.set(key, pod);
    }
    replaceAllocations(state, key, upsertedAllocations.allocations.get(key), changes);
  }
  if (delta.ingressControllers) {
    const beforeFps = new Set(state.ingressControllers.map((ic) => ic.fp));
    const nextFps = new Set(delta.ingressControllers.map((ic) => ic.fp));
    for (const ic of state.ingressControllers)
      if (!nextFps.has(ic.fp)) changes.ingressControllers.close.push(ic);
    for (const ic of delta.ingressControllers)
      if (!beforeFps.has(ic.fp)) changes.ingressControllers.open.push(ic);
    state.ingressControllers = delta.ingressControllers;
  }
  const tally = portTallies.get(state);
  if (tally) {
    for (const pod of changes.pods.close) tallyPorts(tally, pod, -1);
    for (const pod of changes.pods.open) tallyPorts(tally, pod, 1);
  }
  return changes;
}

/** Nodes with a listener report that the state does not have (a delta reported a node it removed or never had). */
export function reportsOnUnknownNodes(state: FactState): string[] {
  return [...state.reports.keys()].filter((node) => !state.nodes.has(node));
}

/** Pods of the state on a node the state does not have (after a delta removed it or bound them to it). */
export function podsOnUnknownNodes(state: FactState, pods: Iterable<PodFact>): PodFact[] {
  const unknown: PodFact[] = [];
  for (const pod of pods) if (pod.node !== null && !state.nodes.has(pod.node)) unknown.push(pod);
  return unknown;
}

/** What the whole-cluster projections read of a pod besides its placement rules. */
const projectedPart = (pod: PodFact) =>
  JSON.stringify([workloadKey(workloadOfPod(pod)), pod.node, pod.hostNetwork, pod.ports]);
/** What the lowest-named pod of a workload decides for all of it: its rules, and (for listeners) hostNetwork. */
const rulesOf = (pod: PodFact) =>
  JSON.stringify([pod.nodeSelector, pod.tolerations, pod.requiredNodeAffinity, pod.hostNetwork]);

/**
 * Whether the changes leave the headroom and port summary as they were, so a delta need not
 * recompute them over the whole cluster (a rolling restart: pods renamed, same workload, node, ports
 * and rules). True only when no node and no listener changed, the ended and begun pods read the same
 * to the projections (as multisets) and sit on no node whose listeners are attributed to pods, and
 * every workload they touch has one set of placement rules, so which of its pods is lowest-named
 * (the one whose rules count) does not matter. False is always safe.
 */
export function projectionsUnchanged(state: FactState, changes: FactChanges): boolean {
  if (changes.nodes.close.length > 0 || changes.nodes.open.length > 0) return false;
  // Declared ports and IngressController headroom read the whole list.
  if (changes.ingressControllers.close.length > 0 || changes.ingressControllers.open.length > 0) return false;
  // Headroom takes observed listeners as held (headroom-listeners.ts).
  if (changes.nodeListeners.close.length > 0 || changes.nodeListeners.open.length > 0) return false;
  // A listener attributed to a pod is classified by the pod's name, which a renamed pod changes.
  for (const pod of [...changes.pods.close, ...changes.pods.open]) {
    if (pod.node !== null && state.reports.get(pod.node)?.listeners.some((l) => l.podName !== null))
      return false;
  }
  const balance = new Map<string, number>();
  const touched = new Set<string>();
  /** the namespaces of the touched workloads: a pod in another is in none of them */
  const namespaces = new Set<string>();
  const refs = new Map<string, WorkloadRef>();
  const count = (pod: PodFact, by: number) => {
    const part = projectedPart(pod) + rulesOf(pod);
    balance.set(part, (balance.get(part) ?? 0) + by);
    const ref = workloadOfPod(pod);
    const key = workloadKey(ref);
    touched.add(key);
    refs.set(key, ref);
    namespaces.add(pod.namespace);
  };
  for (const pod of changes.pods.close) count(pod, 1);
  for (const pod of changes.pods.open) count(pod, -1);
  for (const n of balance.values()) if (n !== 0) return false;
  if (touched.size === 0) return true;
  // Few workloads are touched: each pod is matched against them field by field (workloadOf's rule),
  // without building its key.
  const workloads = [...touched].map((key) => ({
    ref: refs.get(key) as WorkloadRef,
    first: null as PodFact | null,
  }));
  for (const pod of state.pods.values()) {
    if (!namespaces.has(pod.namespace)) continue;
    const kind = pod.ownerKind ?? "Pod";
    const name = pod.ownerName ?? pod.name;
    for (const w of workloads) {
      if (w.ref.namespace !== pod.namespace || w.ref.kind !== kind || w.ref.name !== name) continue;
      if (w.first === null) w.first = pod;
      else if (!sameRules(w.first, pod)) return false;
      break;
    }
  }
  return true;
}

/** rulesOf(a) === rulesOf(b), compared in place (no text per pod); undefined fields count as different. */
const sameRules = (a: PodFact, b: PodFact): boolean =>
  a.hostNetwork === b.hostNetwork &&
  sameJson(a.nodeSelector, b.nodeSelector) &&
  sameJson(a.tolerations, b.tolerations) &&
  sameJson(a.requiredNodeAffinity, b.requiredNodeAffinity);

/**
 * Two JSON values equal as their JSON.stringify texts are, keys in the same order; a key whose value
 * is undefined (which JSON.stringify leaves out) makes them differ, which only makes
 * projectionsUnchanged answer false: always safe.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i] as string;
    if (k !== kb[i]) return false;
    if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
