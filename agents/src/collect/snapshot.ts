/**
 * Collected nodes, pods, IngressControllers and node listener reports (canonical forms, see canonical.ts
 * and node-listeners.ts) → a snapshot v1 in the server's canonical order, and its validation by the
 * shared contract. Pure.
 */
import type { NodeListeners } from "../../../src/contract/listeners.js";
import {
  checkSnapshot,
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotIngressController,
  type SnapshotIssue,
  type SnapshotNode,
  type SnapshotPod,
} from "../../../src/contract/snapshot.js";
import { collectNode, collectPod } from "./canonical.js";
import { toSnapshotIngressController } from "./ingress-controller.js";
import type { KubeIngressController, KubeNode, KubePod } from "./kube-types.js";
import { sendableReport } from "./node-listeners.js";

export interface SnapshotMeta {
  cluster: string;
  observedAt: Date;
  agent: { version: string; mode: string };
}

/** A snapshot whose nodes and pods are canonical and sorted as the server sorts them. */
export interface AssembledSnapshot {
  snapshot: {
    schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
    cluster: string;
    observedAt: string;
    agent: { version: string; mode: string };
    nodes: SnapshotNode[];
    pods: SnapshotPod[];
    /** Only where the cluster has them (OpenShift); absent on plain Kubernetes. */
    ingressControllers?: SnapshotIngressController[];
    /** One report per observed node, by node name; absent when no node is observed. */
    nodeListeners?: NodeListeners[];
  };
  /** Pods bound to a node the node list no longer has (deleted between the two reads): left out. */
  orphanPods: string[];
  /** Nodes with a listener report that the node list no longer has: their reports are left out. */
  orphanReports: string[];
  /** Listener reports the contract refuses (a reader's bug), left out so the rest still goes. */
  refusedReports: { node: string; message: string }[];
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The snapshot of the given state. A pod on a node missing from `nodes` would make the server refuse
 * the whole snapshot (UNKNOWN_NODE); such a pod is on its way out with its node, so it is left out.
 * `ingressControllers` undefined (the API does not serve them) leaves the key out. A listener report
 * for a node missing from `nodes` would be refused the same way (UNKNOWN_NODE), so it is left out
 * too, and so is a report the contract refuses; no report at all leaves `nodeListeners` out (the
 * same state hash as an empty list).
 */
export function assembleSnapshot(
  meta: SnapshotMeta,
  nodes: Iterable<SnapshotNode>,
  pods: Iterable<SnapshotPod>,
  ingressControllers?: Iterable<SnapshotIngressController>,
  nodeListeners: Iterable<NodeListeners> = [],
): AssembledSnapshot {
  const nodeList = [...nodes].sort((a, b) => byString(a.name, b.name));
  const names = new Set(nodeList.map((n) => n.name));
  const kept: SnapshotPod[] = [];
  const orphanPods: string[] = [];
  for (const pod of pods) {
    if (pod.node !== null && !names.has(pod.node)) orphanPods.push(`${pod.namespace}/${pod.name}`);
    else kept.push(pod);
  }
  kept.sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name));
  const reports: NodeListeners[] = [];
  const orphanReports: string[] = [];
  const refusedReports: { node: string; message: string }[] = [];
  for (const report of nodeListeners) {
    if (!names.has(report.node)) {
      orphanReports.push(report.node);
      continue;
    }
    const verdict = sendableReport(report);
    if (verdict.ok) reports.push(verdict.report);
    else refusedReports.push({ node: report.node, message: verdict.message });
  }
  reports.sort((a, b) => byString(a.node, b.node));
  orphanReports.sort(byString);
  return {
    snapshot: {
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      cluster: meta.cluster,
      observedAt: meta.observedAt.toISOString(),
      agent: meta.agent,
      nodes: nodeList,
      pods: kept,
      ...(ingressControllers
        ? {
            ingressControllers: [...ingressControllers].sort(
              (a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name),
            ),
          }
        : {}),
      ...(reports.length > 0 ? { nodeListeners: reports } : {}),
    },
    orphanPods,
    orphanReports,
    refusedReports,
  };
}

/** Whole Kubernetes objects → snapshot: what --from-file and the tests use. */
export function collectSnapshot(
  meta: SnapshotMeta,
  nodes: KubeNode[],
  pods: KubePod[],
  ingressControllers?: KubeIngressController[],
  nodeListeners?: readonly NodeListeners[],
): AssembledSnapshot {
  const snapshotNodes = nodes.map((n) => collectNode(n)).filter((n): n is SnapshotNode => n !== null);
  const snapshotPods = pods.map((p) => collectPod(p)).filter((p): p is SnapshotPod => p !== null);
  const controllers = ingressControllers
    ?.map(toSnapshotIngressController)
    .filter((c): c is SnapshotIngressController => c !== null);
  return assembleSnapshot(meta, snapshotNodes, snapshotPods, controllers, nodeListeners);
}

export type Validation = { ok: true } | { ok: false; code: string; message: string; issues: SnapshotIssue[] };

/**
 * The shared contract's verdict, exactly as the server's parseSnapshot will give it, without a parsed
 * copy of the snapshot (checkSnapshot keeps only what the rules spanning pods read).
 */
export function validateSnapshot(snapshot: AssembledSnapshot["snapshot"]): Validation {
  const parsed = checkSnapshot(snapshot);
  return parsed.ok
    ? { ok: true }
    : { ok: false, code: parsed.code, message: parsed.message, issues: parsed.issues };
}
