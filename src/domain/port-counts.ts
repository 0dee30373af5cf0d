/**
 * The count projection behind trends.allocations: per workload and port level, how many allocations
 * it holds and how many distinct pods hold them. Levels: (port, protocol), (port, any protocol),
 * (any port, protocol), (any port, any protocol); "any" is stored as port 0 and protocol "".
 * A pod holding TCP and UDP on one port counts once at the any-protocol level.
 */
import { mapInSteps, runSteps, STEP_CHUNK, type Steps } from "../contract/steps.js";
import { withFingerprint } from "./fingerprint.js";
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

/** A group's counts while they are added up; `lastPod` is the pod its latest allocation came from. */
type Counted = Omit<PortCountFact, "fp"> & { lastPod: string };

/** The rows a state's allocations give, in a fixed order (whole snapshots and deltas write the same). */
export const portCountFacts = (allocations: readonly AllocationFact[]): PortCountFact[] =>
  runSteps(portCountFactSteps(allocations));

/**
 * `allocations` come pod by pod (a pod's allocations next to each other), as every state lists them
 * (factsFromState, factsOfState): a group's pods are then counted as changes of pod, with no set of
 * pod names per group (the largest legal snapshots have hundreds of thousands of group members).
 */
export function* portCountFactSteps(allocations: readonly AllocationFact[]): Steps<PortCountFact[]> {
  const groups = new Map<string, Counted>();
  for (let i = 0; i < allocations.length; i++) {
    const a = allocations[i] as AllocationFact;
    if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
    const { namespace, kind, name } = workloadOf(a);
    // The key is JSON of [namespace, kind, name, hostPort, protocol]; its text orders the rows.
    const workload = JSON.stringify([namespace, kind, name]).slice(0, -1);
    for (const [hostPort, protocol] of [
      [a.hostPort, a.protocol],
      [a.hostPort, ANY_PROTOCOL],
      [ANY_PORT, a.protocol],
      [ANY_PORT, ANY_PROTOCOL],
    ] as const) {
      const key = `${workload},${hostPort},${JSON.stringify(protocol)}]`;
      let group = groups.get(key);
      if (!group) {
        group = { hostPort, protocol, namespace, kind, name, allocations: 0, pods: 0, lastPod: "" };
        groups.set(key, group);
      }
      group.allocations++;
      // Within one group (one workload, so one namespace) a pod is known by its name.
      if (group.pods === 0 || group.lastPod !== a.pod) {
        group.pods++;
        group.lastPod = a.pod;
      }
    }
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  groups.clear();
  yield;
  return yield* mapInSteps(sorted, ([, counts]) =>
    // Fixed key order: the fingerprint is of this text.
    withFingerprint({
      hostPort: counts.hostPort,
      protocol: counts.protocol,
      namespace: counts.namespace,
      kind: counts.kind,
      name: counts.name,
      allocations: counts.allocations,
      pods: counts.pods,
    }),
  );
}
