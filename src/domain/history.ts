/**
 * History as validity intervals: a snapshot becomes facts (node states, pods, port allocations),
 * each carrying a fingerprint of everything stored about it. Diffing the open fingerprints of a
 * cluster against the new ones says which intervals to close and which to open.
 */

import type { CanonicalState } from "../contract/canonical.js";
import type { NodeAffinity, Protocol, Taint, Toleration } from "../contract/snapshot.js";
import { mapInSteps, runSteps, STEP_CHUNK, type Steps } from "../contract/steps.js";
import { withFingerprint } from "./fingerprint.js";
import type { WorkloadHeadroom } from "./headroom.js";
import type { ListenerBlockExample } from "./headroom-listeners.js";
import { isLegacyFingerprint, legacyFingerprint } from "./legacy-fingerprint.js";
import {
  type NodeListenerFact,
  type NodePortRangeFact,
  nodeListenerFacts,
  nodePortRangeFact,
} from "./node-listeners.js";
import type { HostPortRef } from "./ports.js";
import { findingsOf, type SharedPortSetAnalysis } from "./shared-port-sets.js";
import { type WorkloadRef, workloadKey } from "./workload.js";

export interface NodeFact {
  fp: string;
  name: string;
  labels: Record<string, string>;
  unschedulable: boolean;
  ready: boolean;
  taints: Taint[];
  addresses: { type: string; address: string }[];
}

export interface DeclaredPort {
  container: string;
  containerPort: number;
  hostPort: number;
  hostIP: string;
  protocol: Protocol;
}

export interface PodFact {
  fp: string;
  namespace: string;
  name: string;
  node: string | null;
  phase: string;
  hostNetwork: boolean;
  ownerKind: string | null;
  ownerName: string | null;
  ports: DeclaredPort[];
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  requiredNodeAffinity: NodeAffinity | null;
  schedulingMessage: string | null;
  unschedulable: boolean;
}

export interface AllocationFact {
  fp: string;
  node: string;
  namespace: string;
  pod: string;
  ownerKind: string | null;
  ownerName: string | null;
  container: string;
  containerPort: number;
  protocol: Protocol;
  hostIP: string;
  hostPort: number;
  hostNetwork: boolean;
}

/** A workload's headroom figures, versioned like the other facts so trends are range scans. */
export interface HeadroomFact {
  fp: string;
  namespace: string;
  kind: string;
  name: string;
  ports: HostPortRef[];
  replicas: number;
  pending: number;
  eligibleNodes: number;
  freeNodes: number;
  headroom: number;
  status: string;
  maxReplicas: number;
  /** only when observed listeners cost the workload nodes (absent: none, stored as NULL) */
  listenerBlockedNodes?: number;
  listenerExample?: ListenerBlockExample;
  /** present only when the workload is in a shared port set, so other rows keep their fingerprints */
  sharedPortSets?: SharedPortSetAnalysis["findings"];
  /** present only on a router Deployment whose IngressController's row speaks for it */
  partOf?: WorkloadRef;
}

export function headroomFacts(
  rows: readonly WorkloadHeadroom[],
  shared: SharedPortSetAnalysis = { findings: [], partOf: new Map() },
): HeadroomFact[] {
  return rows.map((w) => {
    const partOf = shared.partOf.get(workloadKey(w));
    // A router Deployment shares its IngressController's sets: its pods are that controller's routers.
    const sets = findingsOf(shared.findings, partOf ?? w);
    const fact: Omit<HeadroomFact, "fp"> = {
      namespace: w.namespace,
      kind: w.kind,
      name: w.name,
      ports: w.ports,
      replicas: w.replicas,
      pending: w.pending,
      eligibleNodes: w.eligibleNodes.length,
      freeNodes: w.freeNodes.length,
      headroom: w.headroom,
      status: w.status,
      maxReplicas: w.maxReplicasKeepingOneSpare,
      ...(sets.length > 0 ? { sharedPortSets: sets } : {}),
      ...(partOf ? { partOf } : {}),
    };
    // Absent rather than 0: a row no listener touches keeps the fingerprint it had before listeners
    // counted, so the first push after the upgrade does not re-version every workload.
    if (w.listenerBlockedNodes.length > 0) {
      fact.listenerBlockedNodes = w.listenerBlockedNodes.length;
      if (w.listenerExample) fact.listenerExample = w.listenerExample;
    }
    return withFingerprint(fact);
  });
}

/** An OpenShift IngressController as the snapshot contract carries it (src/contract/schema.ts). */
export interface IngressControllerFact {
  fp: string;
  namespace: string;
  name: string;
  replicas: number | null;
  availableReplicas: number | null;
  endpointPublishingStrategy: string | null;
  hostNetwork: { httpPort: number; httpsPort: number; statsPort: number; protocol: string } | null;
  nodeSelector: Record<string, string> | null;
  tolerations: Toleration[];
  deployment: { namespace: string; name: string } | null;
}

export interface SnapshotFacts {
  nodes: NodeFact[];
  pods: PodFact[];
  allocations: AllocationFact[];
  ingressControllers: IngressControllerFact[];
  /** the listeners of the nodes with a report, and one fact per report (node-listeners.ts) */
  nodeListeners: NodeListenerFact[];
  nodePortRanges: NodePortRangeFact[];
}

type CanonicalNode = CanonicalState["nodes"][number];
type CanonicalPod = CanonicalState["pods"][number];
type CanonicalIngressController = CanonicalState["ingressControllers"][number];

/** node_versions' fact: a node's state as the planning rules read it. */
export const nodeFact = (node: CanonicalNode): NodeFact =>
  withFingerprint({
    name: node.name,
    labels: node.labels,
    unschedulable: node.unschedulable,
    ready: node.ready,
    taints: node.taints,
    addresses: node.addresses,
  });

/** pod_versions' fact: a pod with host ports (bound or pending). */
export const podFact = (pod: CanonicalPod): PodFact =>
  withFingerprint({
    namespace: pod.namespace,
    name: pod.name,
    node: pod.node,
    phase: pod.phase,
    hostNetwork: pod.hostNetwork,
    ownerKind: pod.owner?.kind ?? null,
    ownerName: pod.owner?.name ?? null,
    ports: pod.ports,
    nodeSelector: pod.nodeSelector,
    tolerations: pod.tolerations,
    requiredNodeAffinity: pod.requiredNodeAffinity,
    schedulingMessage: pod.scheduling?.message ?? null,
    unschedulable: pod.scheduling?.unschedulable ?? false,
  });

/** port_allocations' facts: a bound pod's host ports, one per declared port (none while unscheduled). */
export function allocationFacts(pod: CanonicalPod): AllocationFact[] {
  const { node } = pod;
  if (node === null) return [];
  return pod.ports.map((port) =>
    withFingerprint({
      node,
      namespace: pod.namespace,
      pod: pod.name,
      ownerKind: pod.owner?.kind ?? null,
      ownerName: pod.owner?.name ?? null,
      container: port.container,
      containerPort: port.containerPort,
      protocol: port.protocol,
      hostIP: port.hostIP,
      hostPort: port.hostPort,
      hostNetwork: pod.hostNetwork,
    }),
  );
}

/** ingress_controller_versions' fact. */
export const ingressControllerFact = (ic: CanonicalIngressController): IngressControllerFact =>
  withFingerprint({
    namespace: ic.namespace,
    name: ic.name,
    replicas: ic.replicas,
    availableReplicas: ic.availableReplicas,
    endpointPublishingStrategy: ic.endpointPublishingStrategy,
    hostNetwork: ic.hostNetwork,
    nodeSelector: ic.nodeSelector,
    tolerations: ic.tolerations,
    deployment: ic.deployment,
  });

/** Port allocations exist only for pods bound to a node: that is what the scheduler counts. */
export const factsFromState = (state: CanonicalState): SnapshotFacts => runSteps(factsFromStateSteps(state));

/** factsFromState, stopping between chunks of nodes and of pods (contract/steps.ts). */
export function* factsFromStateSteps(state: CanonicalState): Steps<SnapshotFacts> {
  const nodes = yield* mapInSteps(state.nodes, nodeFact);
  const pods: PodFact[] = [];
  const allocations: AllocationFact[] = [];
  let sinceStop = 0;
  for (const pod of state.pods) {
    sinceStop += 1 + pod.ports.length;
    if (sinceStop >= STEP_CHUNK) {
      sinceStop = 0;
      yield;
    }
    pods.push(podFact(pod));
    for (const allocation of allocationFacts(pod)) allocations.push(allocation);
  }
  const ingressControllers = state.ingressControllers.map(ingressControllerFact);
  const nodeListeners: NodeListenerFact[] = [];
  sinceStop = 0;
  for (const report of state.nodeListeners) {
    sinceStop += 1 + report.listeners.length;
    if (sinceStop >= STEP_CHUNK) {
      sinceStop = 0;
      yield;
    }
    for (const listener of nodeListenerFacts(report)) nodeListeners.push(listener);
  }
  const nodePortRanges = state.nodeListeners.map(nodePortRangeFact);
  return { nodes, pods, allocations, ingressControllers, nodeListeners, nodePortRanges };
}

/** How many port allocations a state holds, without building the facts. */
export function allocationCount(state: CanonicalState): number {
  return state.pods.reduce((sum, pod) => sum + (pod.node === null ? 0 : pod.ports.length), 0);
}

export interface OpenRow {
  id: number;
  fp: string;
}

export interface IntervalDiff<T> {
  /** ids of open rows whose fact disappeared or changed: their interval ends now */
  close: number[];
  /** facts that appeared or changed: a new interval starts now */
  open: T[];
}

/** Set difference on fingerprints; a changed fact is one close plus one open. */
export function diffIntervals<T extends { fp: string }>(
  openRows: readonly OpenRow[],
  next: readonly T[],
): IntervalDiff<T> {
  const nextFps = new Set(next.map((fact) => fact.fp));
  const openFps = new Set<string>();
  const close: number[] = [];
  for (const row of openRows) {
    // A duplicate open fingerprint cannot exist (unique natural key), but closing it is the safe answer.
    if (!nextFps.has(row.fp) || openFps.has(row.fp)) close.push(row.id);
    openFps.add(row.fp);
  }
  return { close, open: next.filter((fact) => !openFps.has(fact.fp)) };
}

/**
 * Open rows written before fingerprints were SHA-256 carry the old value: an unchanged fact is
 * recognised by it and its row given the new one in place (`rewrites`), so the upgrade does not
 * re-version every open row. Costs nothing once a cluster's rows are all new.
 */
export function adoptLegacyFingerprints<T extends { fp: string }>(
  openRows: readonly OpenRow[],
  next: readonly T[],
): { rows: OpenRow[]; rewrites: OpenRow[] } {
  if (!openRows.some((row) => isLegacyFingerprint(row.fp))) return { rows: [...openRows], rewrites: [] };
  const byLegacy = new Map<string, string>();
  for (const fact of next) {
    // fp was the last key added to the fact: the rest is the text it was computed from.
    const { fp, ...rest } = fact;
    byLegacy.set(legacyFingerprint(JSON.stringify(rest)), fp);
  }
  const rewrites: OpenRow[] = [];
  const rows = openRows.map((row) => {
    const fp = isLegacyFingerprint(row.fp) ? byLegacy.get(row.fp) : undefined;
    if (fp === undefined) return row;
    rewrites.push({ id: row.id, fp });
    return { id: row.id, fp };
  });
  return { rows, rewrites };
}
