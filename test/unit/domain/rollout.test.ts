/**
 * Rollout feasibility of a host-port workload on one cluster. Sources, per case:
 * - kubernetes#90669: a Deployment whose replicas equal its eligible nodes, maxUnavailable rounding
 *   to 0 (25% of 3), never rolls: the surge pod has no node;
 * - kubernetes#106417: a DaemonSet with a host port and maxSurge > 0 never updates a node (OpenKruise
 *   warns about it; upstream has no validation);
 * - deployment util ResolveFenceposts: maxSurge rounds up, maxUnavailable down, both rounding to 0
 *   becomes maxUnavailable 1; validation refuses both written as 0;
 * - cluster-ingress-operator desiredRouterDeployment: HostNetwork routers get maxSurge 0,
 *   maxUnavailable 25%.
 */
import { describe, expect, it } from "vitest";
import {
  DAEMONSET_DEFAULT_STRATEGY,
  DEPLOYMENT_DEFAULT_STRATEGY,
  deploymentFenceposts,
  judgeRollout,
  nextRollout,
  ROUTER_HOSTNETWORK_STRATEGY,
  type RolloutOutcome,
  type RolloutSituation,
  type UpdateStrategy,
} from "../../../src/domain/rollout.js";

const rolling = (maxSurge: number | string, maxUnavailable: number | string): UpdateStrategy => ({
  type: "RollingUpdate",
  maxSurge,
  maxUnavailable,
});

describe("Kubernetes' rounding of maxSurge and maxUnavailable", () => {
  it.each<[string, number | string, number | string, number, { surge: number; unavailable: number }]>([
    [
      "25% of 3: surge rounds up, unavailable down (kubernetes#90669's case)",
      "25%",
      "25%",
      3,
      { surge: 1, unavailable: 0 },
    ],
    ["25% of 4 is exactly 1 each", "25%", "25%", 4, { surge: 1, unavailable: 1 }],
    ["25% of 10: 3 surge, 2 unavailable", "25%", "25%", 10, { surge: 3, unavailable: 2 }],
    ["both rounding to 0 make maxUnavailable 1", 0, "25%", 3, { surge: 0, unavailable: 1 }],
    ["integers are taken as written", 2, 1, 5, { surge: 2, unavailable: 1 }],
    ["a string integer is an integer", "2", "0", 5, { surge: 2, unavailable: 0 }],
    ["maxUnavailable never exceeds the replicas", 0, 5, 2, { surge: 0, unavailable: 2 }],
  ])("%s", (_, maxSurge, maxUnavailable, replicas, expected) => {
    expect(deploymentFenceposts({ maxSurge, maxUnavailable }, replicas)).toEqual(expected);
  });
});

describe("rollout feasibility", () => {
  const deployment = (strategy: UpdateStrategy, replicas: number, fitting: number, own: number) =>
    ({ controller: "Deployment", strategy, replicas, fittingNodes: fitting, ownOnFitting: own }) as const;
  const daemonSet = (strategy: UpdateStrategy, nodes: number, fitting: number, own: number) =>
    ({
      controller: "DaemonSet",
      strategy,
      replicas: nodes,
      fittingNodes: fitting,
      ownOnFitting: own,
    }) as const;

  it.each<[string, RolloutSituation, RolloutOutcome, string | null]>([
    // kubernetes#90669: 3 replicas on 3 nodes, default 25%/25% → maxUnavailable 0, surge pod Pending
    [
      "default strategy, replicas = fitting nodes, all held by itself",
      deployment(DEPLOYMENT_DEFAULT_STRATEGY, 3, 3, 3),
      "stalls",
      "set maxSurge: 0 and maxUnavailable: 1",
    ],
    [
      "default strategy, one spare fitting node",
      deployment(DEPLOYMENT_DEFAULT_STRATEGY, 3, 4, 3),
      "completes",
      null,
    ],
    [
      "default strategy with 4 replicas: 25% is 1 unavailable",
      deployment(DEPLOYMENT_DEFAULT_STRATEGY, 4, 4, 4),
      "completes",
      null,
    ],
    [
      "maxUnavailable 0 explicitly, no spare node",
      deployment(rolling(1, 0), 2, 2, 2),
      "stalls",
      "add one eligible node with the ports free",
    ],
    [
      "maxUnavailable 0, no spare node: lowering replicas is a fix",
      deployment(rolling(1, 0), 2, 2, 2),
      "stalls",
      "lower replicas to 1",
    ],
    [
      "maxUnavailable 0 but its pods hold no fitting node (ports change)",
      deployment(rolling(1, 0), 2, 2, 0),
      "completes",
      null,
    ],
    // one NotReady node: 4 replicas, 3 fitting nodes left → no strategy finishes
    [
      "a NotReady node leaves fewer fitting nodes than replicas",
      deployment(rolling(0, 1), 4, 3, 3),
      "stalls",
      "lower replicas to 3",
    ],
    [
      "no fitting node at all",
      deployment(rolling(0, 1), 2, 0, 0),
      "stalls",
      "add 2 eligible nodes with the ports free",
    ],
    [
      "maxSurge 0, maxUnavailable 1 on exactly enough nodes",
      deployment(rolling(0, 1), 3, 3, 3),
      "completes",
      null,
    ],
    [
      "both written 0: refused by the API server",
      deployment(rolling(0, "0%"), 3, 5, 3),
      "stalls",
      "set maxSurge: 0 and maxUnavailable: 1",
    ],
    [
      "both rounding to 0 is not refused: maxUnavailable becomes 1",
      deployment(rolling(0, "10%"), 3, 3, 3),
      "completes",
      null,
    ],
    // the ingress operator's router strategy: maxSurge 0, maxUnavailable 25% (≥ 1 by the rule above)
    [
      "HostNetwork router with replicas = fitting nodes",
      deployment(ROUTER_HOSTNETWORK_STRATEGY, 2, 2, 2),
      "completes",
      null,
    ],
    ["Recreate needs only the replicas' nodes", deployment({ type: "Recreate" }, 3, 3, 3), "completes", null],
    [
      "Recreate with too few nodes",
      deployment({ type: "Recreate" }, 3, 2, 2),
      "stalls",
      "lower replicas to 2",
    ],
    ["0 replicas roll trivially", deployment(DEPLOYMENT_DEFAULT_STRATEGY, 0, 0, 0), "completes", null],
    // kubernetes#106417: DaemonSet surge on a host port
    [
      "DaemonSet maxSurge 1, maxUnavailable 0",
      daemonSet(rolling(1, 0), 3, 3, 3),
      "stalls",
      "set maxSurge: 0 and maxUnavailable: 1",
    ],
    [
      "DaemonSet maxSurge 10% rounds up to 1",
      daemonSet(rolling("10%", 0), 3, 3, 3),
      "stalls",
      "set maxSurge: 0 and maxUnavailable: 1",
    ],
    [
      "DaemonSet maxSurge beside the default maxUnavailable 1 is refused",
      daemonSet(rolling(1, 1), 3, 3, 3),
      "stalls",
      "set maxSurge: 0 and maxUnavailable: 1",
    ],
    [
      "DaemonSet default (maxSurge 0, maxUnavailable 1)",
      daemonSet(DAEMONSET_DEFAULT_STRATEGY, 3, 3, 3),
      "completes",
      null,
    ],
    [
      "DaemonSet with a blocked node never finishes",
      daemonSet(DAEMONSET_DEFAULT_STRATEGY, 3, 2, 2),
      "stalls",
      "free the ports on the blocked nodes",
    ],
    [
      "OnDelete never rolls by itself",
      daemonSet({ type: "OnDelete" }, 3, 3, 3),
      "manual",
      "delete the old pods node by node",
    ],
    [
      "StatefulSet replaces each pod in place",
      {
        controller: "StatefulSet",
        strategy: { type: "RollingUpdate", maxSurge: 0, maxUnavailable: 1 },
        replicas: 3,
        fittingNodes: 3,
        ownOnFitting: 3,
      },
      "completes",
      null,
    ],
    [
      "a ReplicaSet does not roll",
      { controller: "none", strategy: null, replicas: 3, fittingNodes: 3, ownOnFitting: 3 },
      "none",
      null,
    ],
  ])("%s", (_, situation, outcome, fix) => {
    const answer = judgeRollout(situation);
    expect(answer.outcome).toBe(outcome);
    expect(answer.completes).toBe(outcome === "completes");
    if (fix) expect(answer.fixes).toContain(fix);
    if (outcome === "completes") expect(answer.fixes).toEqual([]);
    expect(answer.why.length).toBeGreaterThan(0);
  });
});

describe("a headroom row's next rollout, with its kind's default strategy", () => {
  const row = (kind: string, replicas: number, free: number, max: number, extra = {}) => ({
    namespace: "team-a",
    kind,
    name: "edge",
    replicas,
    pending: 0,
    freeNodes: free,
    maxReplicasKeepingOneSpare: max,
    ...extra,
  });

  it.each<[string, ReturnType<typeof row>, RolloutOutcome, string]>([
    // kubernetes#90669: default 25%/25% of 3 replicas on exactly 3 nodes it can use
    ["a Deployment filling its 3 nodes", row("Deployment", 3, 0, 2), "stalls", "the default"],
    ["a Deployment with a node spare", row("Deployment", 3, 1, 3), "completes", "the default"],
    [
      "a Deployment with 4 replicas on 4 nodes (25% is 1)",
      row("Deployment", 4, 0, 3),
      "completes",
      "the default",
    ],
    ["a Deployment's one replica on its only node", row("Deployment", 1, 0, 0), "stalls", "the default"],
    ["a Deployment's one replica, one node free", row("Deployment", 1, 1, 0), "completes", "the default"],
    // cluster-ingress-operator: HostNetwork routers roll with maxSurge 0, maxUnavailable 25% (≥ 1)
    [
      "a router Deployment filling every node",
      row("Deployment", 3, 0, 2, { namespace: "openshift-ingress", name: "router-default" }),
      "completes",
      "the ingress operator's for HostNetwork routers",
    ],
    [
      "an IngressController with fewer nodes than replicas",
      row("IngressController", 3, 2, 1),
      "stalls",
      "the ingress operator's for HostNetwork routers",
    ],
    ["a ReplicaSet does not roll", row("ReplicaSet", 2, 0, 1), "none", "none: nothing rolls it"],
  ])("%s", (_, input, outcome, assumption) => {
    const answer = nextRollout(input);
    expect(answer.outcome).toBe(outcome);
    expect(answer.assumption).toBe(assumption);
  });
});
