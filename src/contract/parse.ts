/**
 * parseSnapshot: a cheap structural pre-check, then the envelope, each node, each pod and each port
 * through their schemas one at a time (so no zod call ever holds more than one object's issues, and
 * collection stops at MAX_ISSUES), then the rules that span objects. It never throws.
 */
import { MAX_CONTAINERS_PER_POD, MAX_DISTINCT_HOST_PORTS, MAX_HOST_PORTS } from "./bounds.js";
import { IssueList, type Path, refusal, type SnapshotRefusal } from "./issues.js";
import { checkNodeListeners, parseNodeListenersSteps } from "./listener-schema.js";
import { precheckSnapshot, tooManyHostPortsMessage } from "./precheck.js";
import { type PodEnvelope, quickNode, quickPodEnvelope, quickPort } from "./quick-read.js";
import {
  nodeSchema,
  podEnvelopeSchema,
  portSchema,
  type Snapshot,
  type SnapshotIngressController,
  type SnapshotNode,
  type SnapshotPod,
  type SnapshotPort,
  snapshotEnvelopeSchema,
} from "./schema.js";

export { IssueList, type Path, refusal, type SnapshotIssue, type SnapshotRefusal } from "./issues.js";

export type SnapshotParseResult = { ok: true; snapshot: Snapshot } | SnapshotRefusal;

import { runSteps, runStepsPausing, STEP_CHUNK, type Steps } from "./steps.js";

/**
 * How each node, pod (without its ports) and port is read before its schema is asked: a value the
 * schema would give, or undefined to let the schema decide (and name the issues).
 */
export interface ObjectReader {
  node(raw: unknown): SnapshotNode | undefined;
  podEnvelope(raw: unknown): PodEnvelope | undefined;
  port(raw: unknown): SnapshotPort | undefined;
}

/** The hand-written readers of quick-read.ts: what ingest and the agent's check use. */
export const quickReader: ObjectReader = { node: quickNode, podEnvelope: quickPodEnvelope, port: quickPort };

const unsure = () => undefined;
/** The schemas alone: the specification quickReader is tested against (test/property/quick-read.test.ts). */
export const schemaReader: ObjectReader = { node: unsure, podEnvelope: unsure, port: unsure };

/** One pod's ports, stopping within a pod that declares many (up to MAX_PORTS_PER_POD). */
function* parsePortSteps(
  raw: unknown,
  prefix: Path,
  list: IssueList,
  reader: ObjectReader,
): Steps<SnapshotPort[]> {
  const ports: SnapshotPort[] = [];
  if (!Array.isArray(raw)) return ports;
  for (let j = 0; j < raw.length && !list.full; j++) {
    const quick = reader.port(raw[j]);
    if (quick) ports.push(quick);
    else {
      const port = portSchema.safeParse(raw[j]);
      if (port.success) ports.push(port.data);
      else list.addZod(port.error, [...prefix, j]);
    }
    if (j % STEP_CHUNK === STEP_CHUNK - 1) yield;
  }
  return ports;
}

function* parseNodeSteps(
  raw: readonly unknown[],
  prefix: Path,
  list: IssueList,
  reader: ObjectReader,
): Steps<SnapshotNode[]> {
  const nodes: SnapshotNode[] = [];
  for (let i = 0; i < raw.length && !list.full; i++) {
    const quick = reader.node(raw[i]);
    if (quick) nodes.push(quick);
    else {
      const node = nodeSchema.safeParse(raw[i]);
      if (node.success) nodes.push(node.data);
      else list.addZod(node.error, [...prefix, i]);
    }
    if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
  }
  return nodes;
}

/** What the rules spanning a pod list read of each pod (checkPods, the host-port bounds). */
export type PodIdentity = Pick<SnapshotPod, "namespace" | "name" | "node" | "ports">;

/**
 * Pods are parsed in chunks of about STEP_CHUNK ports (a pod counts at least once); `keep` says what
 * of each parsed pod is kept (all of it, or what the later rules read).
 */
function* parsePodSteps<P>(
  raw: readonly unknown[],
  prefix: Path,
  list: IssueList,
  keep: (pod: SnapshotPod) => P,
  reader: ObjectReader,
): Steps<P[]> {
  const pods: P[] = [];
  let sinceStop = 0;
  for (let i = 0; i < raw.length && !list.full; i++) {
    const item = raw[i];
    let envelope: PodEnvelope | undefined = reader.podEnvelope(item);
    if (!envelope) {
      const parsed = podEnvelopeSchema.safeParse(item);
      if (parsed.success) envelope = parsed.data;
      else list.addZod(parsed.error, [...prefix, i]);
    }
    const rawPorts =
      typeof item === "object" && item !== null ? (item as { ports?: unknown }).ports : undefined;
    const ports = yield* parsePortSteps(rawPorts, [...prefix, i, "ports"], list, reader);
    if (envelope) pods.push(keep({ ...envelope, ports }));
    sinceStop += 1 + ports.length;
    if (sinceStop >= STEP_CHUNK) {
      sinceStop = 0;
      yield;
    }
  }
  return pods;
}

export const parseNodes = (
  raw: readonly unknown[],
  prefix: Path,
  list: IssueList,
  reader: ObjectReader = quickReader,
): SnapshotNode[] => runSteps(parseNodeSteps(raw, prefix, list, reader));

const wholePod = (pod: SnapshotPod) => pod;
const podIdentity = ({ namespace, name, node, ports }: SnapshotPod): PodIdentity => ({
  namespace,
  name,
  node,
  ports,
});

export const parsePods = (
  raw: readonly unknown[],
  prefix: Path,
  list: IssueList,
  reader: ObjectReader = quickReader,
): SnapshotPod[] => runSteps(parsePodSteps(raw, prefix, list, wholePod, reader));

/** Node names appear once; returns them. */
export function checkNodes(nodes: readonly SnapshotNode[], prefix: Path, list: IssueList): Set<string> {
  const names = new Set<string>();
  nodes.forEach((node, i) => {
    if (names.has(node.name)) {
      list.add("DUPLICATE_NODE", [...prefix, i, "name"], `node "${node.name}" appears more than once`);
    }
    names.add(node.name);
  });
  return names;
}

/**
 * Rules that span a pod list: uniqueness, containers and ports per pod, and (given the node names
 * the pods may be on) references. Returns the pods' keys (namespace/name).
 */
export function checkPods(
  pods: readonly PodIdentity[],
  prefix: Path,
  list: IssueList,
  nodeNames: ReadonlySet<string> | null,
): Set<string> {
  const podKeys = new Set<string>();
  pods.forEach((pod, i) => {
    const key = `${pod.namespace}/${pod.name}`;
    if (podKeys.has(key))
      list.add("DUPLICATE_POD", [...prefix, i, "name"], `pod ${key} appears more than once`);
    podKeys.add(key);
    if (nodeNames && pod.node !== null && !nodeNames.has(pod.node)) {
      list.add(
        "UNKNOWN_NODE",
        [...prefix, i, "node"],
        `pod ${key} is on node "${pod.node}", which is not in the snapshot's nodes`,
      );
    }
    const containers = new Set(pod.ports.map((port) => port.container));
    if (containers.size > MAX_CONTAINERS_PER_POD) {
      list.add(
        "TOO_MANY_CONTAINERS",
        [...prefix, i, "ports"],
        `${containers.size} containers; at most ${MAX_CONTAINERS_PER_POD}`,
      );
    }
    const portKeys = new Set<string>();
    pod.ports.forEach((port, j) => {
      const portKey = `${port.container}|${port.protocol}|${port.hostIP}|${port.hostPort}`;
      if (portKeys.has(portKey)) {
        list.add(
          "DUPLICATE_PORT",
          [...prefix, i, "ports", j],
          `pod ${key} declares ${port.hostPort}/${port.protocol} on ${port.hostIP} twice in container "${port.container}"`,
        );
      }
      portKeys.add(portKey);
    });
  });
  return podKeys;
}

/** Host ports the pods declare, all together (pending pods' too: they are part of the state). */
export function countHostPorts(pods: Iterable<{ ports: readonly unknown[] }>): number {
  let count = 0;
  for (const pod of pods) count += pod.ports.length;
  return count;
}

/**
 * The bound on a whole state's host ports (MAX_HOST_PORTS), for any set of pods: a parsed snapshot's,
 * or the state a delta leaves. Adds one TOO_MANY_PORTS issue at `path` when it is broken.
 */
export function checkHostPortTotal(
  pods: Iterable<{ ports: readonly unknown[] }>,
  path: Path,
  list: IssueList,
): void {
  const count = countHostPorts(pods);
  if (count > MAX_HOST_PORTS) list.add("TOO_MANY_PORTS", path, tooManyHostPortsMessage(count));
}

/** Distinct (protocol, host IP, host port) among the pods' ports, counting stops past MAX_DISTINCT_HOST_PORTS. */
export function countDistinctHostPorts(
  pods: Iterable<{ ports: readonly { protocol: string; hostIP: string; hostPort: number }[] }>,
): number {
  const seen = new Set<string>();
  for (const pod of pods) {
    for (const port of pod.ports) {
      seen.add(`${port.protocol}|${port.hostIP}|${port.hostPort}`);
      if (seen.size > MAX_DISTINCT_HOST_PORTS) return seen.size;
    }
  }
  return seen.size;
}

const tooManyDistinctHostPortsMessage = `more than ${MAX_DISTINCT_HOST_PORTS} distinct host ports (protocol, host IP, port) in the snapshot, all pods together; at most ${MAX_DISTINCT_HOST_PORTS}`;

/** The bound on a whole state's distinct host ports (MAX_DISTINCT_HOST_PORTS), for any set of pods. */
export function checkDistinctHostPorts(
  pods: Iterable<{ ports: readonly { protocol: string; hostIP: string; hostPort: number }[] }>,
  path: Path,
  list: IssueList,
): void {
  if (countDistinctHostPorts(pods) > MAX_DISTINCT_HOST_PORTS) {
    list.add("TOO_MANY_DISTINCT_PORTS", path, tooManyDistinctHostPortsMessage);
  }
}

/** IngressControllers appear once each (namespace/name). */
export function checkIngressControllers(
  controllers: readonly SnapshotIngressController[],
  prefix: Path,
  list: IssueList,
): void {
  const keys = new Set<string>();
  controllers.forEach((ic, i) => {
    const key = `${ic.namespace}/${ic.name}`;
    if (keys.has(key))
      list.add(
        "DUPLICATE_INGRESS_CONTROLLER",
        [...prefix, i, "name"],
        `IngressController ${key} appears more than once`,
      );
    keys.add(key);
  });
}

function* parseSnapshotSteps(input: unknown, reader: ObjectReader): Steps<SnapshotParseResult> {
  return yield* snapshotSteps(input, reader, wholePod, (fields, nodes, pods, reports) => ({
    ok: true,
    snapshot: { ...fields, nodes, pods, ...(reports ? { nodeListeners: reports } : {}) },
  }));
}

/**
 * The steps of parseSnapshot; `keep` is what each parsed pod leaves for the rules that span pods and
 * for `accept`, which makes the answer when there is no issue.
 */
function* snapshotSteps<P extends PodIdentity, R>(
  input: unknown,
  reader: ObjectReader,
  keep: (pod: SnapshotPod) => P,
  accept: (
    fields: Omit<Snapshot, "nodes" | "pods" | "nodeListeners">,
    nodes: SnapshotNode[],
    pods: P[],
    reports: Snapshot["nodeListeners"],
  ) => R,
): Steps<R | SnapshotRefusal> {
  const early = precheckSnapshot(input);
  if (early) return refusal([early]);
  yield;
  const list = new IssueList();
  const envelope = snapshotEnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    list.addZod(envelope.error, []);
    return refusal(list.found);
  }
  const nodes = yield* parseNodeSteps(envelope.data.nodes, ["nodes"], list, reader);
  const pods = yield* parsePodSteps(envelope.data.pods, ["pods"], list, keep, reader);
  const rawReports = envelope.data.nodeListeners;
  const reports = rawReports
    ? yield* parseNodeListenersSteps(rawReports, ["nodeListeners"], list)
    : undefined;
  if (list.found.length > 0) return refusal(list.found);
  const { nodeListeners: _raw, nodes: _nodes, pods: _pods, ...fields } = envelope.data;
  const nodeNames = checkNodes(nodes, ["nodes"], list);
  checkPods(pods, ["pods"], list, nodeNames);
  if (reports) checkNodeListeners(reports, ["nodeListeners"], list, nodeNames);
  checkHostPortTotal(pods, ["pods"], list);
  checkDistinctHostPorts(pods, ["pods"], list);
  checkIngressControllers(fields.ingressControllers, ["ingressControllers"], list);
  return list.found.length > 0 ? refusal(list.found) : accept(fields, nodes, pods, reports);
}

/** Parses and normalises a snapshot; on failure names the first problem's code and lists up to 100 issues. */
export const parseSnapshot = (input: unknown, reader: ObjectReader = quickReader): SnapshotParseResult =>
  runSteps(parseSnapshotSteps(input, reader));

/** parseSnapshot, pausing between chunks of nodes and pods (a server gives its event loop a turn). */
export const parseSnapshotPausing = (
  input: unknown,
  pause: () => Promise<void>,
): Promise<SnapshotParseResult> => runStepsPausing(parseSnapshotSteps(input, quickReader), pause);

/**
 * parseSnapshot's verdict alone, for a sender checking what it is about to send: the same steps and
 * issues, but each parsed pod leaves only what the rules spanning pods read, so checking a
 * 50,000-pod snapshot never holds a second, parsed copy of every pod (docs/performance.md, "Agent").
 */
export const checkSnapshot = (input: unknown): { ok: true } | SnapshotRefusal =>
  runSteps(snapshotSteps(input, quickReader, podIdentity, () => ({ ok: true as const })));
