/**
 * Plans and gates that can be applied without a second look, through the real HTTP app on the fleet
 * of test/fixtures/plan-safety-fleet.ts: a taken IngressController name is reported with what the
 * live object holds and refused for reservation; stale targets are marked with their age and left
 * out of every verdict unless includeStale; a plan no cluster can host has no manifest and says what
 * would make one possible; as-of answers state the instant they answered.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NOW, pushPlanSafetyFleet, QUIET_AT } from "../fixtures/plan-safety-fleet.js";
import { createHarness, type Harness } from "../helpers/app.js";

const ok = <T>(answer: { ok: true; data: T } | { ok: false; error: { message: string } }): T => {
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data;
};

const TWO_DAYS = 2 * 86_400;

describe("plans and gates on a fleet with taken names, stale and unhostable clusters", () => {
  let h: Harness;
  let clock = NOW;
  beforeAll(async () => {
    h = await createHarness({ now: () => clock });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
    await pushPlanSafetyFleet(h, (at) => {
      clock = at;
    });
  });

  it("says a planned name exists, what the live object holds, and a name no target uses", async () => {
    const plan = ok(
      await h.query("capacity.planIngressController", { name: "shard-b", clusters: ["ocp-a"] }),
    );
    expect(plan.existing).toEqual([
      expect.objectContaining({
        cluster: "ocp-a",
        namespace: "openshift-ingress-operator",
        name: "shard-b",
        replicas: 2,
        availableReplicas: 2,
        endpointPublishingStrategy: "HostNetwork",
        hostNetwork: { httpPort: 10080, httpsPort: 10443, statsPort: 11936, protocol: "TCP" },
      }),
    ]);
    // shard-b-2 exists too (a LoadBalancerService shard): the first free name is shard-b-3.
    expect(plan.suggestedName).toBe("shard-b-3");
    const free = ok(
      await h.query("capacity.planIngressController", { name: "shard-c", clusters: ["ocp-a"] }),
    );
    expect(free.existing).toEqual([]);
    expect(free.suggestedName).toBeNull();
  });

  it("refuses to reserve ports for a name that exists, with one code, and reserves nothing", async () => {
    const refused = await h.mutate("capacity.reserveIngressController", {
      plan: { name: "shard-b", labelSelector: { env: "prod" } },
      owner: "team-edge",
      purpose: "router shard b",
    });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.status).toBe(409);
    expect(refused.error.data.reason).toBe("INGRESS_CONTROLLER_EXISTS");
    expect(refused.error.message).toContain("already exists on ocp-a");
    expect(refused.error.message).toContain("HostNetwork 10080/10443/11936, 2 replica(s)");
    expect(refused.error.message).toContain("shard-b-3");
    expect(ok(await h.query("reservations.list", {}))).toEqual([]);
  });

  it("leaves a stale cluster out of the plan, with its age, unless includeStale", async () => {
    const plan = ok(
      await h.query("capacity.planIngressController", { name: "shard-c", labelSelector: { env: "prod" } }),
    );
    expect(plan.staleClusters).toEqual([
      {
        cluster: "ocp-quiet",
        lastSeenAt: QUIET_AT.toISOString(),
        silentForSeconds: TWO_DAYS,
        noPushYet: false,
        inVerdict: false,
      },
    ]);
    expect(plan.clusters.map((c) => c.cluster)).toEqual(["ocp-a"]);
    // ocp-quiet's legacy-proxy holds 20080/20443, but ocp-quiet is not judged: 20080 is offered.
    expect(plan.choice).toMatchObject({ httpPort: 20080, rule: "pattern" });
    const included = ok(
      await h.query("capacity.planIngressController", {
        name: "shard-c",
        labelSelector: { env: "prod" },
        includeStale: true,
      }),
    );
    expect(included.staleClusters[0]?.inVerdict).toBe(true);
    expect(included.clusters.map((c) => [c.cluster, c.stale])).toEqual([
      ["ocp-a", false],
      ["ocp-quiet", true],
    ]);
    expect(included.choice).toMatchObject({ httpPort: 11080 });
  });

  it("leaves stale clusters out of checkFit's verdict, marked with their age, and fails when every target is stale", async () => {
    const input = { clusters: ["ocp-a", "ocp-quiet"], ports: [{ hostPort: 20080 }], replicas: 2 };
    const fit = ok(await h.query("capacity.checkFit", input));
    const quiet = fit.clusters.find((c) => c.cluster === "ocp-quiet");
    expect(quiet).toMatchObject({ stale: true, fits: false, inVerdict: false, silentForSeconds: TWO_DAYS });
    expect(fit.fits).toBe(true);
    expect(fit.staleClusters.map((s) => s.cluster)).toEqual(["ocp-quiet"]);
    expect(ok(await h.query("capacity.checkFit", { ...input, includeStale: true })).fits).toBe(false);
    const onlyStale = ok(await h.query("capacity.checkFit", { ...input, clusters: ["ocp-quiet"] }));
    expect(onlyStale.fits).toBe(false);
    expect(onlyStale.verdict).toContain("every target cluster is stale");
  });

  it("leaves a cluster that has not pushed yet out of every verdict, even with includeStale", async () => {
    await h.register("ocp-new");
    const input = { clusters: ["ocp-a", "ocp-new"], ports: [{ hostPort: 20080 }], replicas: 2 };
    for (const includeStale of [false, true]) {
      const fit = ok(await h.query("capacity.checkFit", { ...input, includeStale }));
      expect(fit.fits).toBe(true);
      expect(fit.clusters.find((c) => c.cluster === "ocp-new")).toMatchObject({
        noPushYet: true,
        inVerdict: false,
      });
      expect(fit.staleClusters).toContainEqual(
        expect.objectContaining({ cluster: "ocp-new", noPushYet: true, inVerdict: false, lastSeenAt: null }),
      );
    }
    const alone = ok(
      await h.query("capacity.checkFit", { ...input, clusters: ["ocp-new"], includeStale: true }),
    );
    expect(alone).toMatchObject({ fits: false, verdict: expect.stringContaining("has not pushed yet") });
    const ranges = ok(await h.query("capacity.freeRanges", { clusters: ["ocp-new"], width: 2 }));
    expect(ranges.staleClusters).toEqual([expect.objectContaining({ cluster: "ocp-new", noPushYet: true })]);
  });

  it("leaves stale clusters out of a manifest gate's verdict unless includeStale", async () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: proxy, namespace: team-a}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: proxy
          ports: [{containerPort: 20080, hostPort: 20080}]
`;
    const gate = ok(await h.mutate("capacity.checkManifest", { manifest, labelSelector: { env: "prod" } }));
    expect(gate.fits).toBe(true);
    expect(gate.workloads[0]?.verdict).toBe("fits of 1 cluster(s) (1 stale cluster(s) left out)");
    expect(gate.workloads[0]?.staleClusters).toMatchObject([
      { cluster: "ocp-quiet", silentForSeconds: TWO_DAYS, inVerdict: false },
    ]);
    const strict = ok(
      await h.mutate("capacity.checkManifest", {
        manifest,
        labelSelector: { env: "prod" },
        includeStale: true,
      }),
    );
    expect(strict.fits).toBe(false);
    expect(strict.workloads[0]?.verdict).toBe("fails on 1 of 2 cluster(s)");
  });

  it("reads no stale cluster's ports for free ranges unless includeStale", async () => {
    const input = { labelSelector: { env: "prod" }, width: 1, min: 20080, max: 20080 };
    const free = ok(await h.query("capacity.freeRanges", input));
    expect(free.clusters).toEqual(["ocp-a"]);
    expect(free.staleClusters).toMatchObject([{ cluster: "ocp-quiet", inVerdict: false }]);
    expect(free.ranges.map((r) => r.from)).toEqual([20080]);
    const strict = ok(await h.query("capacity.freeRanges", { ...input, includeStale: true }));
    expect(strict.ranges).toEqual([]);
    const onlyStale = ok(
      await h.query("capacity.freeRanges", { ...input, labelSelector: undefined, clusters: ["ocp-quiet"] }),
    );
    expect(onlyStale.ranges).toEqual([]);
    expect(onlyStale.verdict).toContain("every target cluster is stale");
  });

  it("gives no manifest when no target cluster has an eligible node, and says what would make one", async () => {
    const plan = ok(
      await h.query("capacity.planIngressController", { name: "shard-e", labelSelector: { env: "edge" } }),
    );
    expect(plan.hostable).toBe(false);
    expect(plan.manifest).toBeNull();
    expect(plan.verdict).toContain("no target cluster has an eligible node");
    const [edge] = plan.clusters;
    expect(edge?.manifest).toBeNull();
    expect(edge?.diagnosis).toMatchObject({
      nodes: 3,
      selectedNodes: 3,
      cordoned: 1,
      untoleratedTaints: [{ taint: "dedicated=edge:NoSchedule", nodes: 3 }],
    });
    const labelled = ok(
      await h.query("capacity.planIngressController", {
        name: "shard-e",
        labelSelector: { env: "edge" },
        nodeSelector: { "edge/router": "true" },
      }),
    );
    expect(labelled.clusters[0]?.diagnosis?.hints[0]).toBe(
      "no node has the label edge/router=true: label nodes with it, or choose another node selector",
    );
    // Tolerating the taint makes the two uncordoned workers eligible: a plan again.
    const tolerated = ok(
      await h.query("capacity.planIngressController", {
        name: "shard-e",
        labelSelector: { env: "edge" },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "edge", effect: "NoSchedule" }],
      }),
    );
    expect(tolerated.hostable).toBe(true);
    expect(tolerated.clusters[0]).toMatchObject({ eligibleNodes: 2, diagnosis: null });
    expect(tolerated.manifest?.spec.replicas).toBe(1);
  });

  it("does not reserve ports for a plan no cluster can host", async () => {
    const answer = ok(
      await h.mutate("capacity.reserveIngressController", {
        plan: { name: "shard-e", labelSelector: { env: "edge" } },
        owner: "team-edge",
        purpose: "edge routers",
      }),
    );
    expect(answer.hostable).toBe(false);
    expect(answer.reservations).toEqual([]);
  });

  it("states the instant every as-of answer resolved to", async () => {
    const asOf = new Date(NOW.getTime() - 30_000).toISOString();
    expect(ok(await h.query("capacity.headroom", { asOf })).asOf).toBe(asOf);
    expect(ok(await h.query("capacity.headroom", {})).asOf).toBeNull();
    expect(ok(await h.query("ports.who", { hostPort: 20080, asOf })).asOf).toBe(asOf);
    expect(ok(await h.query("ports.map", { cluster: "ocp-a", asOf })).asOf).toBe(asOf);
    expect(ok(await h.query("ports.freeNodes", { cluster: "ocp-a", hostPort: 10080, asOf })).asOf).toBe(asOf);
    expect(ok(await h.query("ports.node", { cluster: "ocp-a", node: "w1", asOf })).asOf).toBe(asOf);
    expect(ok(await h.query("clusters.ingressControllers", { cluster: "ocp-a", asOf })).asOf).toBe(asOf);
    const report = ok(await h.query("reports.portMap", { cluster: "ocp-a", asOf, format: "json" }));
    expect(report.content).toContain(asOf);
  });
});
