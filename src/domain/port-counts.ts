/**
 * The count projection behind trends.allocations: per workload and port level, how many allocations
 * it holds and how many distinct pods hold them. Levels: (port, protocol), (port, any protocol),
 * (any port, protocol), (any port, any protocol); "any" is stored as port 0 and protocol "".
 * A pod holding TCP and UDP on one port counts once at the any-protocol level.
 */
import { mapInSteps, runSteps, STEP_CHUNK, type Steps } from "../contract/steps.js";
import { fingerprint } from "./fingerprint.js";
import type { AllocationFact } from "./history.js";
import { workloadOf } from "./workload.js";

export const ANY_PORT = 0;
export const ANY_PROTOCOL = "";

export interface PortCountFact {
  fp: string;
  hostPort: number;
  protocol: string;
  namespace: string;
  kind: string;
  name: string;
  allocations: number;
  pods: number;
}

type Counted = Omit<PortCountFact, "fp"> & { podNames: Set<string> };

/** The rows a state's allocations give, in a fixed order (whole snapshots and deltas write the same). */
export const portCountFacts = (allocations: readonly AllocationFact[]): PortCountFact[] =>
  runSteps(portCountFactSteps(allocations));

export function* portCountFactSteps(allocations: readonly AllocationFact[]): Steps<PortCountFact[]> {
  const groups = new Map<string, Counted>();
  for (let i = 0; i < allocations.length; i++) {
    const a = allocations[i] as AllocationFact;
    if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
    const { namespace, kind, name } = workloadOf(a);
    for (const [hostPort, protocol] of [
      [a.hostPort, a.protocol],
      [a.hostPort, ANY_PROTOCOL],
      [ANY_PORT, a.protocol],
      [ANY_PORT, ANY_PROTOCOL],
    ] as const) {
      const key = JSON.stringify([namespace, kind, name, hostPort, protocol]);
      let group = groups.get(key);
      if (!group) {
        group = { hostPort, protocol, namespace, kind, name, allocations: 0, pods: 0, podNames: new Set() };
        groups.set(key, group);
      }
      group.allocations++;
      group.podNames.add(a.pod);
    }
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  yield;
  return yield* mapInSteps(sorted, ([, { podNames, ...counts }]) => {
    // Fixed key order: the fingerprint is of this text.
    const fact = {
      hostPort: counts.hostPort,
      protocol: counts.protocol,
      namespace: counts.namespace,
      kind: counts.kind,
      name: counts.name,
      allocations: counts.allocations,
      pods: podNames.size,
    };
    return { ...fact, fp: fingerprint(JSON.stringify(fact)) };
  });
}
