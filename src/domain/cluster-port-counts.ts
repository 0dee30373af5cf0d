/**
 * The per-cluster projection behind ports.who's byCluster summary: per port, how many allocations the
 * cluster holds and on how many distinct nodes. Levels: (port, protocol) and (port, any protocol: "").
 * Distinct nodes are not a sum of workload rows (two workloads can hold one port on one node), which
 * is why this is its own projection beside port-counts.ts rather than a sum of its rows.
 */
import { mapInSteps, runSteps, STEP_CHUNK, type Steps } from "../contract/steps.js";
import { fingerprint } from "./fingerprint.js";
import type { AllocationFact } from "./history.js";
import { ANY_PROTOCOL } from "./port-counts.js";

export interface ClusterPortCountFact {
  fp: string;
  hostPort: number;
  protocol: string;
  allocations: number;
  nodes: number;
}

/** The rows a state's allocations give, in a fixed order (whole snapshots and deltas write the same). */
export const clusterPortCountFacts = (allocations: readonly AllocationFact[]): ClusterPortCountFact[] =>
  runSteps(clusterPortCountFactSteps(allocations));

export function* clusterPortCountFactSteps(
  allocations: readonly AllocationFact[],
): Steps<ClusterPortCountFact[]> {
  const groups = new Map<
    string,
    { hostPort: number; protocol: string; allocations: number; nodes: Set<string> }
  >();
  for (let i = 0; i < allocations.length; i++) {
    const a = allocations[i] as AllocationFact;
    if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
    for (const protocol of [a.protocol, ANY_PROTOCOL]) {
      const key = JSON.stringify([a.hostPort, protocol]);
      let group = groups.get(key);
      if (!group) {
        group = { hostPort: a.hostPort, protocol, allocations: 0, nodes: new Set() };
        groups.set(key, group);
      }
      group.allocations++;
      group.nodes.add(a.node);
    }
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  yield;
  return yield* mapInSteps(sorted, ([, group]) => {
    // Fixed key order: the fingerprint is of this text (the migration's backfill spells it in SQL).
    const fact = {
      hostPort: group.hostPort,
      protocol: group.protocol,
      allocations: group.allocations,
      nodes: group.nodes.size,
    };
    return { ...fact, fp: fingerprint(JSON.stringify(fact)) };
  });
}
