/**
 * Will a rollout of a host-port workload finish on one cluster? Replicas of a host-port workload
 * never share a node (the scheduler's NodePorts rule), and old and new pods of one workload hold the
 * same ports, so a new pod needs a fitting node no pod of the workload holds. The rules follow the
 * controllers (docs/planning.md, "Rollouts that will not finish"):
 *
 * - Deployment RollingUpdate (k8s.io/kubernetes pkg/controller/deployment/rolling.go and
 *   util.ResolveFenceposts): maxSurge rounds up and maxUnavailable down against the replicas; both
 *   written as 0 is refused by validation, both *rounding* to 0 makes maxUnavailable 1. Old pods
 *   are removed only while the available pods exceed replicas − maxUnavailable, so with
 *   maxUnavailable 0 the rollout needs a surge pod to start somewhere: when every fitting node holds
 *   one of its own pods it never does (kubernetes#90669).
 * - Recreate: all old pods go first, then the new ones need `replicas` fitting nodes.
 * - DaemonSet RollingUpdate (pkg/controller/daemon/update.go): with maxSurge > 0 the new pod is
 *   created on a node while its old pod still runs there; on a shared host port it stays Pending,
 *   and the old pod is removed only once the new one is available: no node ever updates
 *   (kubernetes#106417; upstream added no validation, OpenKruise warns). Validation refuses maxSurge
 *   beside a non-zero maxUnavailable (which defaults to 1), and both 0.
 * - OnDelete (DaemonSet, StatefulSet): no rollout happens until someone deletes the old pods.
 * - The OpenShift ingress operator gives HostNetwork routers maxSurge 0 and maxUnavailable 25%
 *   (cluster-ingress-operator, desiredRouterDeployment): by the rounding rule that is at least 1.
 */

/** An int-or-percent field as written: 1, "1", "25%". */
export type IntOrPercent = number | string;

export type UpdateStrategy =
  | { type: "RollingUpdate"; maxSurge: IntOrPercent; maxUnavailable: IntOrPercent }
  | { type: "Recreate" }
  | { type: "OnDelete" };

/** Which controller rolls the pods: the rules differ. "none" rolls nothing (ReplicaSet, Pod, Job). */
export type RolloutController = "Deployment" | "DaemonSet" | "StatefulSet" | "none";

export interface RolloutSituation {
  controller: RolloutController;
  strategy: UpdateStrategy | null;
  /** desired replicas; for a DaemonSet, the eligible nodes it must run on */
  replicas: number;
  /** eligible nodes where no other workload holds a conflicting port (its own pods do not count) */
  fittingNodes: number;
  /** fitting nodes holding one of its own pods on a port the new pods want: they wait for its removal */
  ownOnFitting: number;
}

export type RolloutOutcome = "completes" | "stalls" | "manual" | "none";

export interface RolloutVerdict {
  outcome: RolloutOutcome;
  /** true only for "completes" */
  completes: boolean;
  /** the strategy as resolved, e.g. "RollingUpdate maxSurge 1, maxUnavailable 0 (of 3 replicas)" */
  strategy: string;
  why: string;
  /** what would make it complete, most direct first; empty when it completes */
  fixes: string[];
}

/** Defaults the API server applies when a Deployment or DaemonSet leaves them unset. */
export const DEPLOYMENT_DEFAULT_STRATEGY: UpdateStrategy = {
  type: "RollingUpdate",
  maxSurge: "25%",
  maxUnavailable: "25%",
};
export const DAEMONSET_DEFAULT_STRATEGY: UpdateStrategy = {
  type: "RollingUpdate",
  maxSurge: 0,
  maxUnavailable: 1,
};
/** What the ingress operator sets on a HostNetwork router Deployment. */
export const ROUTER_HOSTNETWORK_STRATEGY: UpdateStrategy = {
  type: "RollingUpdate",
  maxSurge: 0,
  maxUnavailable: "25%",
};

const PERCENT = /^(\d+)%$/;

/** A valid int-or-percent: a non-negative integer, or digits and "%". */
export function isIntOrPercent(value: IntOrPercent): boolean {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0;
  return PERCENT.test(value) || /^\d+$/.test(value);
}

/** intstr.GetScaledValueFromIntOrPercent: a percentage of `total`, rounded up or down. */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const percent = PERCENT.exec(value);
  if (!percent) return Number(value);
  const exact = (Number(percent[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** The written value is zero ("0", 0 or "0%"): what validation compares, before any rounding. */
const writtenZero = (value: IntOrPercent) =>
  typeof value === "number" ? value === 0 : Number.parseInt(value, 10) === 0;

/** A Deployment's surge and unavailable pods for `replicas` (deployment util's ResolveFenceposts). */
export function deploymentFenceposts(
  strategy: { maxSurge: IntOrPercent; maxUnavailable: IntOrPercent },
  replicas: number,
) {
  const surge = scaledValue(strategy.maxSurge, replicas, true);
  let unavailable = scaledValue(strategy.maxUnavailable, replicas, false);
  // Both written 0 is refused; both *rounded* to 0 becomes maxUnavailable 1 ("most likely to succeed").
  if (surge === 0 && unavailable === 0) unavailable = 1;
  // MaxUnavailable() never exceeds the replicas.
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const shown = (v: IntOrPercent) => (typeof v === "number" ? String(v) : v);

function verdict(
  outcome: RolloutOutcome,
  strategy: string,
  why: string,
  fixes: string[] = [],
): RolloutVerdict {
  return { outcome, completes: outcome === "completes", strategy, why, fixes };
}

/** Too few fitting nodes: no strategy finishes, the new pods beyond them stay Pending. */
function tooFewNodes(s: RolloutSituation, strategy: string, what: string): RolloutVerdict {
  const short = s.replicas - s.fittingNodes;
  const fixes =
    s.fittingNodes > 0
      ? [`lower replicas to ${s.fittingNodes}`, `add ${count(short, "eligible node")} with the ports free`]
      : [`add ${count(short, "eligible node")} with the ports free`, "free the ports on the eligible nodes"];
  return verdict(
    "stalls",
    strategy,
    `only ${count(s.fittingNodes, "fitting node")} for ${count(s.replicas, what)}: ${count(short, "new pod")} would stay Pending`,
    fixes,
  );
}

function deploymentRolling(
  s: RolloutSituation,
  written: { maxSurge: IntOrPercent; maxUnavailable: IntOrPercent },
): RolloutVerdict {
  const { surge, unavailable } = deploymentFenceposts(written, s.replicas);
  const strategy = `RollingUpdate maxSurge ${shown(written.maxSurge)}, maxUnavailable ${shown(written.maxUnavailable)} (${surge} and ${unavailable} of ${count(s.replicas, "replica")})`;
  if (writtenZero(written.maxSurge) && writtenZero(written.maxUnavailable))
    return verdict("stalls", strategy, "maxSurge and maxUnavailable are both 0: the API server refuses it", [
      "set maxSurge: 0 and maxUnavailable: 1",
    ]);
  if (s.replicas === 0) return verdict("completes", strategy, "0 replicas: the old pods are removed");
  if (s.fittingNodes < s.replicas) return tooFewNodes(s, strategy, "replica");
  if (unavailable >= 1)
    return verdict(
      "completes",
      strategy,
      `maxUnavailable resolves to ${unavailable}: an old pod is removed first and its node takes a new one`,
    );
  const spare = s.fittingNodes - s.replicas;
  if (spare > 0)
    return verdict(
      "completes",
      strategy,
      `maxUnavailable resolves to 0, but ${count(spare, "fitting node")} beyond the replicas take${spare === 1 ? "s" : ""} the surge pod`,
    );
  if (s.ownOnFitting === 0)
    return verdict("completes", strategy, "no pod of its own holds its ports on a fitting node");
  const fixes = ["set maxSurge: 0 and maxUnavailable: 1", "add one eligible node with the ports free"];
  if (s.replicas > 1) fixes.push(`lower replicas to ${s.replicas - 1}`);
  return verdict(
    "stalls",
    strategy,
    `maxUnavailable resolves to 0, so no old pod goes before a surge pod is available, and all ${count(s.fittingNodes, "fitting node")} hold one of its own pods on the same host ports: the surge pod stays Pending (kubernetes#90669)`,
    fixes,
  );
}

function daemonSetRolling(
  s: RolloutSituation,
  written: { maxSurge: IntOrPercent; maxUnavailable: IntOrPercent },
): RolloutVerdict {
  // A DaemonSet rounds both up, against the nodes it runs on (daemon util SurgeCount/UnavailableCount).
  const surge = scaledValue(written.maxSurge, s.replicas, true);
  const unavailable = scaledValue(written.maxUnavailable, s.replicas, true);
  const strategy = `RollingUpdate maxSurge ${shown(written.maxSurge)}, maxUnavailable ${shown(written.maxUnavailable)}`;
  const fix = "set maxSurge: 0 and maxUnavailable: 1";
  const hasSurge = !writtenZero(written.maxSurge);
  const hasUnavailable = !writtenZero(written.maxUnavailable);
  if (hasSurge && hasUnavailable)
    return verdict(
      "stalls",
      strategy,
      "the API server refuses maxSurge beside a non-zero maxUnavailable (it defaults to 1); and a surge pod could never start beside its old pod on a host port (kubernetes#106417)",
      [fix],
    );
  if (!hasSurge && !hasUnavailable)
    return verdict("stalls", strategy, "maxSurge and maxUnavailable are both 0: the API server refuses it", [
      fix,
    ]);
  if (s.fittingNodes < s.replicas) {
    const blocked = s.replicas - s.fittingNodes;
    return verdict(
      "stalls",
      strategy,
      `${count(blocked, "eligible node")} of ${s.replicas} blocked by other workloads: ${blocked === 1 ? "its pod stays" : "their pods stay"} Pending and the rollout never finishes`,
      ["free the ports on the blocked nodes", "narrow its nodeSelector to the nodes where they are free"],
    );
  }
  if (surge > 0)
    return verdict(
      "stalls",
      strategy,
      "maxSurge > 0 starts the new pod on a node while the old one still holds the host port there: it stays Pending, and the old pod goes only once the new one is available, so no node ever updates (kubernetes#106417)",
      [fix],
    );
  return verdict(
    "completes",
    strategy,
    `maxSurge 0: on up to ${count(Math.max(1, unavailable), "node")} at a time the old pod goes first and frees its ports`,
  );
}

export function judgeRollout(s: RolloutSituation): RolloutVerdict {
  const { strategy } = s;
  if (s.controller === "none" || strategy === null)
    return verdict("none", "none", "no controller rolls its pods: a template change reaches only new pods");
  if (strategy.type === "OnDelete")
    return verdict(
      "manual",
      "OnDelete",
      "OnDelete never rolls by itself: each old pod is replaced only when someone deletes it",
      ["delete the old pods node by node", "or use RollingUpdate with maxSurge: 0 and maxUnavailable: 1"],
    );
  if (s.controller === "DaemonSet") {
    if (strategy.type !== "RollingUpdate")
      return verdict("stalls", strategy.type, `a DaemonSet has no ${strategy.type} strategy`, [
        "use RollingUpdate with maxSurge: 0 and maxUnavailable: 1",
      ]);
    return daemonSetRolling(s, strategy);
  }
  if (strategy.type === "Recreate" || s.controller === "StatefulSet") {
    // A StatefulSet replaces one pod at a time, deleting it first: its node takes the new one.
    const name =
      s.controller === "StatefulSet" ? "RollingUpdate (one pod at a time, old pod first)" : "Recreate";
    if (s.fittingNodes < s.replicas) return tooFewNodes(s, name, "replica");
    return verdict("completes", name, "each old pod goes before its replacement needs the node");
  }
  return deploymentRolling(s, strategy);
}

/** How a stored workload is judged: snapshots carry no update strategy, so its kind's default. */
export interface AssumedStrategy {
  controller: RolloutController;
  strategy: UpdateStrategy | null;
  /** says the strategy is assumed, and whose it is */
  assumption: string;
}

/** The router Deployment the ingress operator manages for an IngressController (openshift-ingress/router-<name>). */
const isRouterDeployment = (w: { namespace: string; kind: string; name: string }) =>
  w.kind === "Deployment" && w.namespace === "openshift-ingress" && w.name.startsWith("router-");

export function assumedStrategy(w: { namespace: string; kind: string; name: string }): AssumedStrategy {
  if (w.kind === "IngressController" || isRouterDeployment(w))
    return {
      controller: "Deployment",
      strategy: ROUTER_HOSTNETWORK_STRATEGY,
      assumption: "the ingress operator's for HostNetwork routers",
    };
  if (w.kind === "Deployment" || w.kind === "DeploymentConfig")
    return { controller: "Deployment", strategy: DEPLOYMENT_DEFAULT_STRATEGY, assumption: "the default" };
  if (w.kind === "StatefulSet")
    // RollingUpdate, one pod at a time: judgeRollout reads no surge or unavailable for it
    return {
      controller: "StatefulSet",
      strategy: { type: "RollingUpdate", maxSurge: 0, maxUnavailable: 1 },
      assumption: "the default",
    };
  return { controller: "none", strategy: null, assumption: "none: nothing rolls it" };
}

/**
 * A headroom row's next rollout, from the figures stored with it. For an IngressController row the
 * free nodes are the nodes it can run on; for a pods' row the nodes it can run on are
 * maxReplicasKeepingOneSpare + 1, and those not free hold its own pods. Where the figures leave it
 * open (no node spare, none free), a running pod is taken to hold the one node it can run on.
 */
export function nextRollout(row: {
  namespace: string;
  kind: string;
  name: string;
  replicas: number;
  pending: number;
  freeNodes: number;
  maxReplicasKeepingOneSpare: number;
}): RolloutVerdict & { assumption: string } {
  const assumed = assumedStrategy(row);
  let fitting: number;
  let own: number;
  if (row.kind === "IngressController") {
    fitting = row.freeNodes;
    own = Math.min(row.replicas, fitting);
  } else {
    fitting =
      row.maxReplicasKeepingOneSpare > 0
        ? row.maxReplicasKeepingOneSpare + 1
        : row.freeNodes > 0 || row.replicas - row.pending > 0
          ? 1
          : 0;
    own = Math.max(0, fitting - row.freeNodes);
  }
  const verdict = judgeRollout({
    controller: assumed.controller,
    strategy: assumed.strategy,
    replicas: row.replicas,
    fittingNodes: fitting,
    ownOnFitting: own,
  });
  return { ...verdict, assumption: assumed.assumption };
}
