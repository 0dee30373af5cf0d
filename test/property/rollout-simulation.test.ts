/**
 * Property: for random small clusters (nodes fitting or not — ineligible, cordoned, NotReady, or
 * another workload's host port in the way) and random strategies, judgeRollout agrees with a
 * step-by-step simulation of the controllers:
 * - Deployment (pkg/controller/deployment/rolling.go): the new ReplicaSet grows to at most
 *   replicas + maxSurge pods in all; old pods go while more than replicas − maxUnavailable are
 *   available (unhealthy ones first, then any, in an order drawn at random);
 * - DaemonSet (pkg/controller/daemon/update.go): with maxSurge 0, old pods go on up to
 *   maxUnavailable nodes and each node's new pod follows; with surge, the new pod starts beside the
 *   old one and the old goes once the new is available;
 * - the scheduler puts a pending pod on a fitting node where no pod holds a conflicting host port
 *   (one pod per host port per node); a placed pod is available at once, except on a NotReady node.
 * A rollout judged to complete completes under every deletion order drawn; one judged to stall
 * stalls when the old pods on non-fitting nodes are deleted first (the order the judge guards against).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  deploymentFenceposts,
  type IntOrPercent,
  judgeRollout,
  scaledValue,
} from "../../src/domain/rollout.js";

interface SimNode {
  /** eligible for the new template, Ready, schedulable, no other workload's port in the way */
  fitting: boolean;
  ready: boolean;
}

interface Pod {
  generation: "old" | "new";
  node: number | null;
}

const MAX_STEPS = 200;

/** Places pending pods (new first) on fitting nodes where no pod of the workload holds the ports. */
function schedule(nodes: readonly SimNode[], pods: Pod[], oldBlocks: boolean) {
  const pending = pods.filter((p) => p.node === null).sort((a) => (a.generation === "new" ? -1 : 1));
  for (const pod of pending) {
    const free = nodes.findIndex(
      (n, i) =>
        n.fitting && !pods.some((p) => p.node === i && (p.generation === pod.generation || oldBlocks)),
    );
    if (free >= 0) pod.node = free;
  }
}

const available = (nodes: readonly SimNode[], p: Pod) => p.node !== null && (nodes[p.node]?.ready ?? false);

/**
 * One Deployment rollout; `order` ranks available old pods for deletion (lower first), the RS
 * controller's tie-break among ready pods being, for this model, arbitrary.
 */
function simulateDeployment(
  nodes: readonly SimNode[],
  oldNodes: readonly (number | null)[],
  replicas: number,
  strategy: { maxSurge: IntOrPercent; maxUnavailable: IntOrPercent },
  oldBlocks: boolean,
  order: (pod: Pod) => number,
): boolean {
  const pods: Pod[] = oldNodes.map((node) => ({ generation: "old", node }));
  const { surge, unavailable } = deploymentFenceposts(strategy, replicas);
  const minAvailable = replicas - unavailable;
  let before = "";
  for (let step = 0; step < MAX_STEPS; step++) {
    const olds = pods.filter((p) => p.generation === "old");
    const news = pods.filter((p) => p.generation === "new");
    if (olds.length === 0 && news.length === replicas && news.every((p) => available(nodes, p))) return true;
    // reconcileNewReplicaSet
    const up = Math.min(replicas - news.length, replicas + surge - pods.length);
    for (let i = 0; i < up; i++) pods.push({ generation: "new", node: null });
    // reconcileOldReplicaSets: maxScaledDown, unhealthy first, then down to minAvailable
    const newUnavailable = pods.filter((p) => p.generation === "new" && !available(nodes, p)).length;
    let budget = pods.length - minAvailable - newUnavailable;
    const remove = (victim: Pod) => pods.splice(pods.indexOf(victim), 1);
    if (budget > 0) {
      for (const p of pods.filter((x) => x.generation === "old" && !available(nodes, x))) {
        if (budget <= 0) break;
        remove(p);
        budget -= 1;
      }
      const availableNow = pods.filter((p) => available(nodes, p)).length;
      const scaleDown = availableNow - minAvailable;
      const candidates = pods
        .filter((p) => p.generation === "old")
        .sort((a, b) => Number(available(nodes, a)) - Number(available(nodes, b)) || order(a) - order(b));
      for (const p of candidates.slice(0, Math.max(0, scaleDown))) remove(p);
    }
    schedule(nodes, pods, oldBlocks);
    const state = JSON.stringify(pods);
    if (state === before) return false;
    before = state;
  }
  return false;
}

/** One DaemonSet rollout over the eligible nodes (fitting ones, and those another workload blocks). */
function simulateDaemonSet(
  nodes: readonly SimNode[],
  eligible: readonly number[],
  strategy: { maxSurge: IntOrPercent; maxUnavailable: IntOrPercent },
): boolean {
  const maxSurge = scaledValue(strategy.maxSurge, eligible.length, true);
  const maxUnavailable = scaledValue(strategy.maxUnavailable, eligible.length, true);
  // pods per node: the old pod runs where the node fits, else it is Pending for that node
  const on = new Map(
    eligible.map((n) => [n, { old: true, oldUp: nodes[n]?.fitting ?? false, fresh: false, freshUp: false }]),
  );
  let before = "";
  for (let step = 0; step < MAX_STEPS; step++) {
    if ([...on.values()].every((s) => !s.old && s.fresh && s.freshUp)) return true;
    if (maxSurge === 0) {
      let unavailableNodes = 0;
      const allowed: number[] = [];
      const candidates: number[] = [];
      for (const [n, s] of on) {
        if ((!s.old && !s.fresh) || (s.old && s.fresh)) unavailableNodes++;
        else if (s.fresh) {
          if (!s.freshUp) unavailableNodes++;
        } else if (!s.oldUp) allowed.push(n);
        else candidates.push(n);
      }
      const room = Math.min(Math.max(0, maxUnavailable - unavailableNodes), candidates.length);
      for (const n of [...allowed, ...candidates.slice(0, room)]) {
        const s = on.get(n);
        if (s) s.old = false;
      }
    } else {
      let surging = 0;
      for (const [, s] of on) {
        if (s.old && s.fresh) {
          if (s.freshUp) s.old = false;
          else surging++;
        }
      }
      for (const [, s] of on) {
        if (s.old && !s.fresh && (!s.oldUp || surging < maxSurge)) {
          if (s.oldUp) surging++;
          s.fresh = true;
        }
      }
    }
    // the DaemonSet creates a missing pod; the scheduler starts it when the node fits and no old
    // pod holds the port there
    for (const [n, s] of on) {
      if (!s.old && !s.fresh) s.fresh = true;
      if (s.fresh && !s.freshUp && (nodes[n]?.fitting ?? false) && !s.old) s.freshUp = true;
    }
    const state = JSON.stringify([...on]);
    if (state === before) return false;
    before = state;
  }
  return false;
}

const intOrPercent = fc.oneof(
  fc.integer({ min: 0, max: 3 }),
  fc.constantFrom("0%", "10%", "25%", "50%", "100%"),
);

const nodeArb = fc.record({ fitting: fc.boolean(), ready: fc.boolean() }).map(
  // a fitting node is Ready by definition
  (n): SimNode => ({ fitting: n.fitting && n.ready, ready: n.ready || n.fitting }),
);

describe("rollout feasibility against a simulation of the controllers", () => {
  it("a Deployment rollout judged to complete completes, one judged to stall stalls", () => {
    fc.assert(
      fc.property(
        fc.array(nodeArb, { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        intOrPercent,
        intOrPercent,
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 7, maxLength: 7 }),
        (nodes, replicas, oldCount, maxSurge, maxUnavailable, oldBlocks, ranks) => {
          const zero = (v: IntOrPercent) => String(v).replace("%", "") === "0";
          fc.pre(!(zero(maxSurge) && zero(maxUnavailable))); // refused by validation
          // old pods as the scheduler left them: on distinct Ready nodes (fitting first), else Pending
          const oldNodes: (number | null)[] = [];
          const used = new Set<number>();
          const byPreference = nodes
            .map((n, i) => ({ n, i }))
            .sort((a, b) => Number(b.n.fitting) - Number(a.n.fitting) || ranks[a.i]! - ranks[b.i]!);
          for (let k = 0; k < oldCount; k++) {
            // some old pods sit on non-fitting nodes (cordoned, NotReady, placement changed)
            const spot = byPreference.find(({ i }) => !used.has(i) && (k % 2 === 0 || !nodes[i]!.fitting));
            const chosen = spot ?? byPreference.find(({ i }) => !used.has(i));
            if (chosen && (chosen.n.fitting || k % 3 !== 0)) {
              used.add(chosen.i);
              oldNodes.push(chosen.i);
            } else oldNodes.push(null);
          }
          const strategy = { type: "RollingUpdate" as const, maxSurge, maxUnavailable };
          const verdict = judgeRollout({
            controller: "Deployment",
            strategy,
            replicas,
            fittingNodes: nodes.filter((n) => n.fitting).length,
            ownOnFitting: oldBlocks ? oldNodes.filter((i) => i !== null && nodes[i]!.fitting).length : 0,
          });
          const adversarial = (p: Pod) => (p.node !== null && nodes[p.node]!.fitting ? 1 : 0);
          const random = (p: Pod) => (p.node === null ? 0 : ranks[p.node]!);
          const kind = (p: Pod) => (p.node !== null && nodes[p.node]!.fitting ? 0 : 1);
          const run = (order: (p: Pod) => number) =>
            simulateDeployment(nodes, oldNodes, replicas, strategy, oldBlocks, order);
          if (verdict.completes) {
            expect(run(random)).toBe(true);
            expect(run(adversarial)).toBe(true);
            expect(run(kind)).toBe(true);
          } else expect(run(adversarial)).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("a DaemonSet rollout judged to complete completes, one judged to stall stalls", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        intOrPercent,
        intOrPercent,
        (fitting, maxSurge, maxUnavailable) => {
          const zero = (v: IntOrPercent) => String(v).replace("%", "") === "0";
          // validation: exactly one of them is non-zero
          fc.pre(zero(maxSurge) !== zero(maxUnavailable));
          const nodes = fitting.map((f): SimNode => ({ fitting: f, ready: true }));
          const eligible = nodes.map((_, i) => i);
          const verdict = judgeRollout({
            controller: "DaemonSet",
            strategy: { type: "RollingUpdate", maxSurge, maxUnavailable },
            replicas: eligible.length,
            fittingNodes: fitting.filter(Boolean).length,
            ownOnFitting: fitting.filter(Boolean).length,
          });
          expect(simulateDaemonSet(nodes, eligible, { maxSurge, maxUnavailable })).toBe(verdict.completes);
        },
      ),
      { numRuns: 300 },
    );
  });
});
