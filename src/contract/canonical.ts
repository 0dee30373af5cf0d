/**
 * The contract's canonical form of a snapshot's state: every object rebuilt with a fixed key order and
 * every list and map sorted, so the same cluster state always serialises to the same bytes, whatever
 * order the agent listed things in. The state hash covers the state only (cluster, nodes, pods and,
 * when there are any, IngressControllers and node listener reports: so a snapshot without them hashes
 * as before) — not
 * observedAt or agent info — so "nothing changed" is one comparison. The server and the agent's
 * streaming encoder both write the hashed text through stateTextPieces: there is one layout.
 */
import { createHash } from "node:crypto";
import { type ListenerProcess, listenerKey, type NodeListeners, type ObservedListener } from "./listeners.js";
import type {
  NodeAffinity,
  Snapshot,
  SnapshotIngressController,
  SnapshotNode,
  SnapshotPod,
  Taint,
  Toleration,
} from "./schema.js";
import { mapInSteps, runSteps, type Steps } from "./steps.js";

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort(byString)) out[key] = record[key] as string;
  return out;
}

/** Sorts small lists of objects by their (already canonical) serialisation. */
function sortedBySerialisation<T>(items: readonly T[]): T[] {
  return items
    .map((item) => [JSON.stringify(item), item] as const)
    .sort((a, b) => byString(a[0], b[0]))
    .map(([, item]) => item);
}

const taint = (t: Taint): Taint => ({ key: t.key, value: t.value ?? "", effect: t.effect });

const toleration = (t: Toleration): Toleration => ({
  key: t.key ?? "",
  operator: t.operator ?? "Equal",
  value: t.value ?? "",
  effect: t.effect ?? "",
  tolerationSeconds: t.tolerationSeconds ?? null,
});

function affinity(a: NodeAffinity | null): NodeAffinity | null {
  if (!a) return null;
  const requirements = (
    list: NonNullable<NodeAffinity["nodeSelectorTerms"][number]["matchExpressions"]> | undefined,
  ) =>
    (list ?? []).map((r) => ({
      key: r.key,
      operator: r.operator,
      values: [...(r.values ?? [])].sort(byString),
    }));
  // Terms keep their order: they are OR-ed, and order carries no meaning, but neither does sorting help.
  return {
    nodeSelectorTerms: a.nodeSelectorTerms.map((term) => ({
      matchExpressions: requirements(term.matchExpressions),
      matchFields: requirements(term.matchFields),
    })),
  };
}

export function canonicalNode(node: SnapshotNode): SnapshotNode {
  return {
    name: node.name,
    labels: sortedRecord(node.labels),
    unschedulable: node.unschedulable,
    ready: node.ready,
    taints: sortedBySerialisation(node.taints.map(taint)),
    addresses: sortedBySerialisation(node.addresses.map((a) => ({ type: a.type, address: a.address }))),
  };
}

export function canonicalPod(pod: SnapshotPod): SnapshotPod {
  const ports = pod.ports
    .map((p) => ({
      container: p.container,
      containerPort: p.containerPort,
      hostPort: p.hostPort,
      hostIP: p.hostIP,
      protocol: p.protocol,
    }))
    .sort(
      (a, b) =>
        byString(a.container, b.container) ||
        byString(a.protocol, b.protocol) ||
        byString(a.hostIP, b.hostIP) ||
        a.hostPort - b.hostPort ||
        a.containerPort - b.containerPort,
    );
  return {
    namespace: pod.namespace,
    name: pod.name,
    node: pod.node,
    phase: pod.phase,
    hostNetwork: pod.hostNetwork,
    owner: pod.owner ? { kind: pod.owner.kind, name: pod.owner.name } : null,
    ports,
    nodeSelector: sortedRecord(pod.nodeSelector),
    tolerations: sortedBySerialisation(pod.tolerations.map(toleration)),
    requiredNodeAffinity: affinity(pod.requiredNodeAffinity),
    scheduling: pod.scheduling
      ? { unschedulable: pod.scheduling.unschedulable, message: pod.scheduling.message }
      : null,
  };
}

export function canonicalIngressController(ic: SnapshotIngressController): SnapshotIngressController {
  const hn = ic.hostNetwork;
  return {
    namespace: ic.namespace,
    name: ic.name,
    replicas: ic.replicas,
    availableReplicas: ic.availableReplicas,
    endpointPublishingStrategy: ic.endpointPublishingStrategy,
    hostNetwork: hn
      ? { httpPort: hn.httpPort, httpsPort: hn.httpsPort, statsPort: hn.statsPort, protocol: hn.protocol }
      : null,
    nodeSelector: ic.nodeSelector ? sortedRecord(ic.nodeSelector) : null,
    tolerations: sortedBySerialisation(ic.tolerations.map(toleration)),
    deployment: ic.deployment ? { namespace: ic.deployment.namespace, name: ic.deployment.name } : null,
  };
}

export function canonicalIngressControllers(
  controllers: readonly SnapshotIngressController[],
): SnapshotIngressController[] {
  return controllers
    .map(canonicalIngressController)
    .sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name));
}

const byProcess = (a: ListenerProcess, b: ListenerProcess) =>
  byString(a.name, b.name) || (a.pid ?? 0) - (b.pid ?? 0);

export function canonicalListener(l: ObservedListener): ObservedListener {
  const out: ObservedListener = {
    protocol: l.protocol,
    address: l.address,
    family: l.family,
    port: l.port,
    scope: l.scope,
    processes: l.processes
      .map((p) => (p.pid === undefined ? { name: p.name } : { name: p.name, pid: p.pid }))
      .sort(byProcess),
  };
  if (l.dualStack !== undefined) out.dualStack = l.dualStack;
  if (l.interface !== undefined) out.interface = l.interface;
  if (l.pod) {
    out.pod = { namespace: l.pod.namespace, name: l.pod.name };
    if (l.pod.container !== undefined) out.pod.container = l.pod.container;
  }
  return out;
}

/** One node's report with its listeners in key order. */
export function canonicalNodeListeners(report: NodeListeners): NodeListeners {
  const out: NodeListeners = { node: report.node, attribution: report.attribution, listeners: [] };
  if (report.localPortRange)
    out.localPortRange = { from: report.localPortRange.from, to: report.localPortRange.to };
  out.listeners = report.listeners
    .map((l) => [listenerKey(l), canonicalListener(l)] as const)
    .sort((a, b) => byString(a[0], b[0]))
    .map(([, l]) => l);
  return out;
}

export interface CanonicalState {
  cluster: string;
  nodes: SnapshotNode[];
  pods: SnapshotPod[];
  ingressControllers: SnapshotIngressController[];
  /** by node name; empty when the snapshot carries no reports */
  nodeListeners: NodeListeners[];
}

export function* canonicalStateSteps(snapshot: Snapshot): Steps<CanonicalState> {
  const nodes = yield* mapInSteps(snapshot.nodes, canonicalNode);
  nodes.sort((a, b) => byString(a.name, b.name));
  yield;
  const pods = yield* mapInSteps(snapshot.pods, canonicalPod);
  pods.sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name));
  yield;
  const nodeListeners = yield* mapInSteps(snapshot.nodeListeners ?? [], canonicalNodeListeners);
  nodeListeners.sort((a, b) => byString(a.node, b.node));
  return {
    cluster: snapshot.cluster,
    nodes,
    pods,
    ingressControllers: canonicalIngressControllers(snapshot.ingressControllers),
    nodeListeners,
  };
}

export const canonicalState = (snapshot: Snapshot): CanonicalState => runSteps(canonicalStateSteps(snapshot));

/**
 * The state's JSON text in pieces: the head (`{"cluster":…`), then pieces every body shares with it.
 * IngressControllers and node listener reports (canonical, sorted) are written only when there are some.
 */
export function* stateTextPieces(
  cluster: string,
  nodes: Iterable<SnapshotNode>,
  pods: Iterable<SnapshotPod>,
  ingressControllers: readonly SnapshotIngressController[] = [],
  nodeListeners: Iterable<NodeListeners> = [],
): Generator<string> {
  yield `{"cluster":${JSON.stringify(cluster)}`;
  yield `,"nodes":[`;
  let first = true;
  for (const node of nodes) {
    yield (first ? "" : ",") + JSON.stringify(node);
    first = false;
  }
  yield `],"pods":[`;
  first = true;
  for (const pod of pods) {
    yield (first ? "" : ",") + JSON.stringify(pod);
    first = false;
  }
  yield "]";
  if (ingressControllers.length > 0) yield `,"ingressControllers":${JSON.stringify(ingressControllers)}`;
  first = true;
  for (const report of nodeListeners) {
    yield (first ? `,"nodeListeners":[` : ",") + JSON.stringify(report);
    first = false;
  }
  if (!first) yield "]";
  yield "}";
}

/** Pieces are joined up to this many characters before each hash update (one native call per batch). */
const HASH_BATCH = 64 * 1024;

/**
 * SHA-256 (hex) of the canonical state's text. node:crypto (also on Workers with nodejs_compat) hashes
 * synchronously; batching the pieces keeps it as fast as hashing one JSON.stringify of the state.
 */
export function* stateHashSteps(state: CanonicalState): Steps<string> {
  const hash = createHash("sha256");
  let batch = "";
  for (const piece of stateTextPieces(
    state.cluster,
    state.nodes,
    state.pods,
    state.ingressControllers,
    state.nodeListeners,
  )) {
    batch += piece;
    if (batch.length >= HASH_BATCH) {
      hash.update(batch);
      batch = "";
      yield;
    }
  }
  return hash.update(batch).digest("hex");
}

export const stateHash = (state: CanonicalState): string => runSteps(stateHashSteps(state));
