/**
 * parseSnapshot: a cheap structural pre-check, then the envelope, each node, each pod and each port
 * through their schemas one at a time (so no zod call ever holds more than one object's issues, and
 * collection stops at MAX_ISSUES), then the rules that span objects. It never throws.
 */
import type { z } from "zod";
import { MAX_CONTAINERS_PER_POD, MAX_DISTINCT_HOST_PORTS, MAX_HOST_PORTS, MAX_ISSUES } from "./bounds.js";
import { precheckSnapshot, tooManyHostPortsMessage } from "./precheck.js";
import {
  nodeSchema,
  podEnvelopeSchema,
  portSchema,
  type Snapshot,
  type SnapshotErrorCode,
  type SnapshotIngressController,
  type SnapshotNode,
  type SnapshotPod,
  type SnapshotPort,
  snapshotEnvelopeSchema,
} from "./schema.js";
import { runSteps, runStepsPausing, STEP_CHUNK, type Steps } from "./steps.js";

export interface SnapshotIssue {
  path: string;
  message: string;
}

export interface SnapshotRefusal {
  ok: false;
  code: SnapshotErrorCode;
  message: string;
  issues: SnapshotIssue[];
}

export type SnapshotParseResult = { ok: true; snapshot: Snapshot } | SnapshotRefusal;

export type Path = PropertyKey[];
interface Found {
  code: SnapshotErrorCode;
  path: string;
  message: string;
}

const headlines: Record<SnapshotErrorCode, string> = {
  INVALID_SNAPSHOT: "the snapshot does not match schema v1",
  INVALID_STRING: "a string holds U+0000 or a lone UTF-16 surrogate, which PostgreSQL cannot store",
  INVALID_NAME: "a name breaks Kubernetes' naming rules (DNS-1123 label or subdomain)",
  INVALID_LABEL: "a label, selector or taint key or value breaks Kubernetes' label rules",
  OBSERVED_AT_OUT_OF_RANGE: "observedAt is outside the instants the server stores",
  PORT_OUT_OF_RANGE: "a port is outside 1–65535",
  UNKNOWN_PROTOCOL: "a port has a protocol other than TCP, UDP or SCTP",
  DUPLICATE_NODE: "a node appears more than once",
  DUPLICATE_POD: "a pod appears more than once",
  DUPLICATE_PORT: "a pod declares the same host port twice",
  DUPLICATE_INGRESS_CONTROLLER: "an IngressController appears more than once",
  UNKNOWN_NODE: "a pod is on a node that is not in the snapshot",
  TOO_MANY_NODES: "the snapshot has more nodes than the contract allows",
  TOO_MANY_PODS: "the snapshot has more pods than the contract allows",
  TOO_MANY_CONTAINERS: "a pod's ports name more containers than the contract allows",
  TOO_MANY_PORTS: "a pod, or the snapshot's pods together, declare more host ports than the contract allows",
  TOO_MANY_DISTINCT_PORTS:
    "the snapshot's pods together declare more distinct host ports (protocol, host IP, port) than the contract allows",
  TOO_MANY_LABELS: "a labels or nodeSelector map has more keys than the contract allows",
  TOO_MANY_ITEMS: "a list (taints, tolerations, addresses, affinity terms or values) is over its bound",
};

const arrayCodes: Record<string, SnapshotErrorCode> = {
  nodes: "TOO_MANY_NODES",
  pods: "TOO_MANY_PODS",
  ports: "TOO_MANY_PORTS",
};
const portFields = new Set<PropertyKey | undefined>([
  "hostPort",
  "containerPort",
  "httpPort",
  "httpsPort",
  "statsPort",
]);
const labelMaps = new Set<PropertyKey>(["labels", "nodeSelector"]);
const labelLists = new Set<PropertyKey>(["taints", "tolerations", "matchExpressions", "matchFields"]);
const nameFields = new Set<PropertyKey>(["namespace", "name", "node", "container", "owner"]);

function issueCode(issue: z.core.$ZodIssue, path: Path): SnapshotErrorCode {
  const custom =
    issue.code === "custom" ? (issue.params as { portolanCode?: SnapshotErrorCode } | undefined) : undefined;
  if (custom?.portolanCode) return custom.portolanCode;
  const field = path[path.length - 1];
  if (issue.code === "too_big" && issue.origin === "array") {
    // A delta's lists (nodes.upsert, pods.remove, …) count against their kind's bound.
    const owner = field === "upsert" || field === "remove" ? path[path.length - 2] : field;
    return arrayCodes[String(owner)] ?? "TOO_MANY_ITEMS";
  }
  if (portFields.has(field) && (issue.code === "too_small" || issue.code === "too_big")) {
    return "PORT_OUT_OF_RANGE";
  }
  if (field === "protocol" && issue.code === "invalid_value") return "UNKNOWN_PROTOCOL";
  if (issue.code === "invalid_type") return "INVALID_SNAPSHOT";
  if (issue.code === "invalid_key" || path.some((p) => labelMaps.has(p))) return "INVALID_LABEL";
  if (path.some((p) => labelLists.has(p)) && (field === "key" || field === "value")) return "INVALID_LABEL";
  if (path.some((p) => nameFields.has(p)) && path[0] !== "agent") return "INVALID_NAME";
  return "INVALID_SNAPSHOT";
}

/** Collects issues up to MAX_ISSUES. */
export class IssueList {
  readonly found: Found[] = [];
  get full(): boolean {
    return this.found.length >= MAX_ISSUES;
  }
  add(code: SnapshotErrorCode, path: Path, message: string): void {
    if (!this.full) this.found.push({ code, path: path.map(String).join("."), message });
  }
  addZod(error: z.ZodError, prefix: Path): void {
    for (const issue of error.issues) {
      const path = [...prefix, ...issue.path];
      this.add(issueCode(issue, path), path, issue.message);
    }
  }
}

export function refusal(found: readonly Found[]): SnapshotRefusal {
  const first = found[0];
  const code = first?.code ?? "INVALID_SNAPSHOT";
  const detail = first ? ` (${first.path || "snapshot"}: ${first.message})` : "";
  const issues = found.slice(0, MAX_ISSUES).map(({ path, message }) => ({ path, message }));
  return { ok: false, code, message: `${headlines[code]}${detail}`, issues };
}

/** One pod's ports, stopping within a pod that declares many (up to MAX_PORTS_PER_POD). */
function* parsePortSteps(raw: unknown, prefix: Path, list: IssueList): Steps<SnapshotPort[]> {
  const ports: SnapshotPort[] = [];
  if (!Array.isArray(raw)) return ports;
  for (let j = 0; j < raw.length && !list.full; j++) {
    const port = portSchema.safeParse(raw[j]);
    if (port.success) ports.push(port.data);
    else list.addZod(port.error, [...prefix, j]);
    if (j % STEP_CHUNK === STEP_CHUNK - 1) yield;
  }
  return ports;
}

function* parseNodeSteps(raw: readonly unknown[], prefix: Path, list: IssueList): Steps<SnapshotNode[]> {
  const nodes: SnapshotNode[] = [];
  for (let i = 0; i < raw.length && !list.full; i++) {
    const node = nodeSchema.safeParse(raw[i]);
    if (node.success) nodes.push(node.data);
    else list.addZod(node.error, [...prefix, i]);
    if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
  }
  return nodes;
}

/** Pods are parsed in chunks of about STEP_CHUNK ports (a pod counts at least once). */
function* parsePodSteps(raw: readonly unknown[], prefix: Path, list: IssueList): Steps<SnapshotPod[]> {
  const pods: SnapshotPod[] = [];
  let sinceStop = 0;
  for (let i = 0; i < raw.length && !list.full; i++) {
    const item = raw[i];
    const envelope = podEnvelopeSchema.safeParse(item);
    if (!envelope.success) list.addZod(envelope.error, [...prefix, i]);
    const rawPorts =
      typeof item === "object" && item !== null ? (item as { ports?: unknown }).ports : undefined;
    const ports = yield* parsePortSteps(rawPorts, [...prefix, i, "ports"], list);
    if (envelope.success) pods.push({ ...envelope.data, ports });
    sinceStop += 1 + ports.length;
    if (sinceStop >= STEP_CHUNK) {
      sinceStop = 0;
      yield;
    }
  }
  return pods;
}

export const parseNodes = (raw: readonly unknown[], prefix: Path, list: IssueList): SnapshotNode[] =>
  runSteps(parseNodeSteps(raw, prefix, list));

export const parsePods = (raw: readonly unknown[], prefix: Path, list: IssueList): SnapshotPod[] =>
  runSteps(parsePodSteps(raw, prefix, list));

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
  pods: readonly SnapshotPod[],
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

function* parseSnapshotSteps(input: unknown): Steps<SnapshotParseResult> {
  const early = precheckSnapshot(input);
  if (early) return refusal([early]);
  yield;
  const list = new IssueList();
  const envelope = snapshotEnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    list.addZod(envelope.error, []);
    return refusal(list.found);
  }
  const nodes = yield* parseNodeSteps(envelope.data.nodes, ["nodes"], list);
  const pods = yield* parsePodSteps(envelope.data.pods, ["pods"], list);
  if (list.found.length > 0) return refusal(list.found);
  const snapshot: Snapshot = { ...envelope.data, nodes, pods };
  checkPods(pods, ["pods"], list, checkNodes(nodes, ["nodes"], list));
  checkHostPortTotal(pods, ["pods"], list);
  checkDistinctHostPorts(pods, ["pods"], list);
  checkIngressControllers(snapshot.ingressControllers, ["ingressControllers"], list);
  return list.found.length > 0 ? refusal(list.found) : { ok: true, snapshot };
}

/** Parses and normalises a snapshot; on failure names the first problem's code and lists up to 100 issues. */
export const parseSnapshot = (input: unknown): SnapshotParseResult => runSteps(parseSnapshotSteps(input));

/** parseSnapshot, pausing between chunks of nodes and pods (a server gives its event loop a turn). */
export const parseSnapshotPausing = (
  input: unknown,
  pause: () => Promise<void>,
): Promise<SnapshotParseResult> => runStepsPausing(parseSnapshotSteps(input), pause);
