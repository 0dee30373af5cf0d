/**
 * The issues a refused snapshot or delta carries: each a code (one per HTTP answer at the edge), a path
 * and a message, collected up to MAX_ISSUES; zod's issues are given the contract's codes here.
 */
import type * as z from "zod";
import { MAX_ISSUES } from "./bounds.js";
import type { SnapshotErrorCode } from "./error-codes.js";

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

export type Path = PropertyKey[];
export interface Found {
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
  INVALID_ADDRESS: "a listener's address is not an IPv4 or IPv6 address of its family",
  DUPLICATE_LISTENER: "a node's listener report holds the same listener twice",
  TOO_MANY_LISTENERS:
    "a node's listener report, or all reports together, hold more listeners than the contract allows",
};

const arrayCodes: Record<string, SnapshotErrorCode> = {
  nodes: "TOO_MANY_NODES",
  pods: "TOO_MANY_PODS",
  ports: "TOO_MANY_PORTS",
  listeners: "TOO_MANY_LISTENERS",
};
const portFields = new Set<PropertyKey | undefined>([
  "hostPort",
  "containerPort",
  "httpPort",
  "httpsPort",
  "statsPort",
  // a listener's port and its node's local port range
  "port",
  "from",
  "to",
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
  // A process's name is the kernel's comm, not a Kubernetes name.
  if (path.some((p) => nameFields.has(p)) && path[0] !== "agent" && !path.includes("processes")) {
    return "INVALID_NAME";
  }
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
