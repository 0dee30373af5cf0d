/**
 * Property: for random fleets (nodes with random labels, taints and readiness; pods holding ports
 * near the candidates; IngressControllers declaring some), any port set the IngressController
 * planner returns is free on every eligible node by checkFit's own rule: checkFit with the chosen
 * ports and the same placement finds no blocked node in any target cluster.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { createHarness, type Harness } from "../helpers/app.js";

type NodeInput = SnapshotInput["nodes"][number];
type PodInput = SnapshotInput["pods"][number];
type IcInput = NonNullable<SnapshotInput["ingressControllers"]>[number];

const NODES = ["n0", "n1", "n2", "n3"];
/** Ports around the candidates a plan in the window 1024–1034 considers. */
const PORTS = [1024, 1025, 1026, 1027, 1029, 1031, 10080, 10443, 11936];
const WORKER = "node-role.kubernetes.io/worker";

const nodeArb = (name: string) =>
  fc.record({
    name: fc.constant(name),
    ready: fc.boolean(),
    unschedulable: fc.boolean(),
    labels: fc
      .record({ "kubernetes.io/os": fc.constant("linux") })
      .chain((base) =>
        fc.boolean().map((worker): Record<string, string> => (worker ? { ...base, [WORKER]: "" } : base)),
      ),
    taints: fc.constantFrom([], [{ key: "dedicated", effect: "NoSchedule" as const }]),
  }) satisfies fc.Arbitrary<NodeInput>;

const podArb = fc.record({
  name: fc.constantFrom("p0", "p1", "p2", "p3"),
  node: fc.nat(),
  hostPort: fc.constantFrom(...PORTS),
  hostIP: fc.constantFrom("", "10.0.0.1"),
  protocol: fc.constantFrom("TCP" as const, "UDP" as const),
});

const icArb = fc.record({
  name: fc.constantFrom("a", "b"),
  base: fc.constantFrom(1024, 1027, 10080),
  selector: fc.constantFrom<Record<string, string> | null>(
    null,
    { [WORKER]: "" },
    { "kubernetes.io/os": "linux" },
  ),
});

const clusterArb = fc.record({
  nodes: fc
    .uniqueArray(fc.constantFrom(...NODES), { minLength: 1, maxLength: NODES.length })
    .chain((names) => fc.tuple(...names.map(nodeArb))),
  pods: fc.uniqueArray(podArb, { maxLength: 4, selector: (p) => p.name }),
  ics: fc.uniqueArray(icArb, { maxLength: 2, selector: (ic) => ic.name }),
});

type ClusterState = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function snapshotOf(cluster: string, state: ClusterState): SnapshotInput {
  const { nodes } = state;
  return {
    schemaVersion: 1,
    cluster,
    observedAt: "2026-12-01T10:00:00Z",
    nodes,
    pods: state.pods.map(
      (p): PodInput => ({
        namespace: "apps",
        name: p.name,
        node: nodes[p.node % nodes.length]?.name ?? null,
        phase: "Running",
        ports: [
          {
            container: "c",
            containerPort: p.hostPort,
            hostPort: p.hostPort,
            hostIP: p.hostIP,
            protocol: p.protocol,
          },
        ],
      }),
    ),
    ingressControllers: state.ics.map(
      (ic): IcInput => ({
        namespace: "openshift-ingress-operator",
        name: ic.name,
        replicas: 1,
        availableReplicas: 0,
        endpointPublishingStrategy: "HostNetwork",
        hostNetwork: {
          httpPort: ic.base,
          httpsPort: ic.base === 10080 ? 10443 : ic.base + 1,
          statsPort: ic.base === 10080 ? 11936 : ic.base + 2,
          protocol: "TCP",
        },
        nodeSelector: ic.selector,
        tolerations: [],
        deployment: null,
      }),
    ),
  };
}

describe("the IngressController planner against checkFit", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("offers only ports checkFit finds free on every eligible node", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(clusterArb, { minLength: 1, maxLength: 2 }),
        fc.constantFrom<Record<string, string>>({ [WORKER]: "" }, { "kubernetes.io/os": "linux" }),
        fc.constantFrom<{ key: string; operator: "Exists" }[]>(
          [],
          [{ key: "dedicated", operator: "Exists" }],
        ),
        async (fleet, nodeSelector, tolerations) => {
          await h.reset();
          const names = fleet.map((_, i) => `c${i}`);
          for (const [i, state] of fleet.entries()) {
            const token = await h.register(names[i] ?? "");
            expect((await h.push(token, snapshotOf(names[i] ?? "", state))).status).toBe(200);
          }
          const plan = await h.query("capacity.planIngressController", {
            name: "p",
            clusters: names,
            nodeSelector,
            tolerations,
            window: { from: 1024, to: 1034 },
          });
          if (!plan.ok) throw new Error(plan.error.message);
          const chosen = plan.data.choice;
          if (!chosen) return;
          const fit = await h.query("capacity.checkFit", {
            clusters: names,
            ports: [chosen.httpPort, chosen.httpsPort, chosen.statsPort].map((hostPort) => ({ hostPort })),
            nodeSelector,
            tolerations,
          });
          if (!fit.ok) throw new Error(fit.error.message);
          for (const c of fit.data.clusters) {
            expect(c.blockedNodes, JSON.stringify({ chosen, c })).toBe(0);
            const planned = plan.data.clusters.find((p) => p.cluster === c.cluster);
            expect(planned?.eligibleNodes).toBe(c.eligibleNodes);
            if (c.eligibleNodes > 0) expect(c.fits).toBe(true);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
