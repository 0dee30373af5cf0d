/**
 * Would a proposed host-port workload fit on one cluster as it is now: which nodes could take a
 * replica, which are blocked and by exactly which allocations, and what headroom would remain.
 */
import { nodeEligibility } from "./eligibility.js";
import { type HeadroomStatus, headroomStatus } from "./headroom.js";
import { type BlockedNode, blockersOn, indexByNode } from "./held-ports.js";
import { type HostPortRef, normaliseHostPort } from "./ports.js";
import type { AllocationView, ClusterView, PlacementRules } from "./views.js";

export interface ProposedPort {
  hostPort: number;
  /** default TCP */
  protocol?: string;
  /** default 0.0.0.0 */
  hostIP?: string;
}

export interface Proposal extends PlacementRules {
  ports: readonly ProposedPort[];
  /** default 1 */
  replicas?: number;
  /** a DaemonSet: one pod on every eligible node, so it fits only when none is blocked */
  everyEligibleNode?: boolean;
}

export interface IneligibleNode {
  node: string;
  reasons: string[];
}

export interface FitCheck<T> {
  replicas: number;
  eligibleNodes: string[];
  fittingNodes: string[];
  blockedNodes: BlockedNode<T>[];
  ineligibleNodes: IneligibleNode[];
  fits: boolean;
  /** fitting nodes − replicas; negative when the proposal does not fit */
  headroomAfter: number;
  statusAfter: HeadroomStatus;
  /** one sentence a person can act on, e.g. "does not fit: 2 replicas, only 0 fitting nodes (short by 2 nodes)" */
  verdict: string;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

function verdictOf(replicas: number, fitting: number): string {
  const after = fitting - replicas;
  const nodes = count(fitting, "fitting node");
  return after < 0
    ? `does not fit: ${count(replicas, "replica")}, only ${nodes} (short by ${count(-after, "node")})`
    : `fits: ${count(replicas, "replica")} on ${nodes}, ${count(after, "node")} spare after`;
}

/** What follows from the fitting-node count alone: the fleet path counts in SQL and ends here too. */
export function fitOutcome(replicas: number, fitting: number) {
  const headroomAfter = fitting - replicas;
  return {
    fits: headroomAfter >= 0,
    headroomAfter,
    statusAfter: headroomStatus(headroomAfter),
    verdict: verdictOf(replicas, fitting),
  };
}

/**
 * A DaemonSet's outcome: its replicas are the eligible nodes, and every one of them must be free
 * (a blocked node is a pod Pending forever), so headroomAfter is minus the blocked nodes.
 */
export function everyNodeOutcome(eligible: number, fitting: number) {
  const blocked = eligible - fitting;
  const headroomAfter = fitting - eligible; // not -blocked: that is -0 when nothing is blocked
  return {
    fits: blocked === 0,
    headroomAfter,
    statusAfter: headroomStatus(headroomAfter),
    verdict:
      blocked === 0
        ? `fits: a pod on each of the ${count(eligible, "eligible node")}`
        : `does not fit: ${count(blocked, "eligible node")} of ${eligible} blocked (a pod on each would stay Pending)`,
  };
}

export function checkFit<T extends AllocationView>(
  proposal: Proposal,
  { nodes, allocations }: Pick<ClusterView<T>, "nodes" | "allocations">,
): FitCheck<T> {
  const replicas = proposal.replicas ?? 1;
  const wanted: HostPortRef[] = proposal.ports.map((p) =>
    normaliseHostPort({ hostPort: p.hostPort, protocol: p.protocol ?? "", hostIP: p.hostIP ?? "" }),
  );
  const held = indexByNode(allocations);
  const eligibleNodes: string[] = [];
  const fittingNodes: string[] = [];
  const blockedNodes: BlockedNode<T>[] = [];
  const ineligibleNodes: IneligibleNode[] = [];
  for (const node of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const { eligible, reasons } = nodeEligibility(node, proposal);
    if (!eligible) {
      ineligibleNodes.push({ node: node.name, reasons });
      continue;
    }
    eligibleNodes.push(node.name);
    const blockers = blockersOn(held, node.name, wanted);
    if (blockers.length > 0) blockedNodes.push({ node: node.name, blockers });
    else fittingNodes.push(node.name);
  }
  return {
    replicas: proposal.everyEligibleNode ? eligibleNodes.length : replicas,
    eligibleNodes,
    fittingNodes,
    blockedNodes,
    ineligibleNodes,
    ...(proposal.everyEligibleNode
      ? everyNodeOutcome(eligibleNodes.length, fittingNodes.length)
      : fitOutcome(replicas, fittingNodes.length)),
  };
}
