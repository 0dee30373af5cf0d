/**
 * capacity.planIngressController on the fixture fleet (test/fixtures/ingress-fleet.ts): the set it
 * picks is never held on an eligible node (pods or declared ports), reserved, or excluded by a
 * profile; why the obvious candidates were passed over; replicas keeping one node spare; manifests
 * valid against the CRD; reserving in the same transaction (two concurrent plans on PostgreSQL).
 */
import { describe, expect, it } from "vitest";
import { useIngressFleet } from "../fixtures/ingress-fleet.js";
import { dataOf } from "../helpers/app.js";
import { ingressControllerValidator } from "../helpers/ingress-crd.js";

const validate = ingressControllerValidator();

describe("planning an IngressController", () => {
  const fleet = useIngressFleet();

  it("passes over held, declared and excluded patterned sets, says why, and keeps a node spare per cluster", async () => {
    const plan = dataOf(
      await fleet.h.query("capacity.planIngressController", {
        name: "shard-b",
        labelSelector: { env: "prod" },
        replicas: 3,
      }),
    );
    // 10080 (shard-a) and 20080 (the Pending edge IngressController) are taken: the next thousand.
    expect(plan.choice).toMatchObject({
      httpPort: 11080,
      httpsPort: 11443,
      statsPort: 12936,
      rule: "pattern",
    });
    const passed = new Map(plan.passedOver.map((p) => [p.httpPort, p.refusals]));
    // 10080: shard-a's router on w3 and its declarations on the other workers of ocp-prod.
    const shardA = passed.get(10080)?.find((r) => r.reason === "held" && r.port === 10080);
    expect(shardA && "holders" in shardA ? shardA.holders : []).toEqual([
      {
        cluster: "ocp-prod",
        namespace: "openshift-ingress-operator",
        kind: "IngressController",
        name: "shard-a",
        declared: true,
        nodes: 3,
        firstNode: "w1",
      },
      {
        cluster: "ocp-prod",
        namespace: "openshift-ingress",
        kind: "Deployment",
        name: "router-shard-a",
        declared: false,
        nodes: 1,
        firstNode: "w3",
      },
    ]);
    // 20080: only declared by the Pending edge IngressController.
    const edge = passed.get(20080)?.find((r) => r.reason === "held");
    expect(edge && "holders" in edge ? edge.holders.map((x) => [x.cluster, x.name, x.declared]) : []).toEqual(
      [["edge-prod", "edge", true]],
    );
    // 30080 (NodePort range) and 40080 (ephemeral range) were never options here: not listed.
    expect([...passed.keys()]).toEqual([10080, 20080]);
    // Asked for by name, an excluded set says which range and why.
    const asked = dataOf(
      await fleet.h.query("capacity.planIngressController", {
        name: "shard-b",
        labelSelector: { env: "prod" },
        ports: { httpPort: 30080, httpsPort: 30443, statsPort: 40936 },
      }),
    );
    const refusals = asked.passedOver[0]?.refusals ?? [];
    expect(refusals.some((r) => r.reason === "excluded" && r.range === "30000-32767")).toBe(true);
    expect(refusals.some((r) => r.reason === "excluded" && r.range === "32768-60999")).toBe(true);
    expect(plan.clusters.map((c) => [c.cluster, c.eligibleNodes, c.replicas, c.spare])).toEqual([
      ["edge-prod", 3, 2, 1],
      ["k8s-prod", 3, 2, 1],
      ["ocp-prod", 4, 3, 1],
    ]);
    expect(plan.replicas).toBe(2);
    expect(plan.manifest?.spec.replicas).toBe(2);
    expect(validate(plan.manifest)).toBe(true);
    for (const c of plan.clusters) expect(validate(c.manifest), JSON.stringify(validate.errors)).toBe(true);
    // The validator does refuse what the CRD refuses: a port beyond 65535.
    const broken = structuredClone(plan.manifest);
    if (broken) broken.spec.endpointPublishingStrategy.hostNetwork.httpPort = 70000;
    expect(validate(broken)).toBe(false);
  });

  it("takes the preferred ports when they are free, and never offers reserved ones", async () => {
    const free = dataOf(
      await fleet.h.query("capacity.planIngressController", {
        name: "shard-b",
        clusters: ["ocp-prod", "edge-prod"],
        ports: { httpPort: 12080, httpsPort: 12443, statsPort: 12936 },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "ingress", effect: "NoSchedule" }],
      }),
    );
    expect(free.choice).toMatchObject({
      httpPort: 12080,
      httpsPort: 12443,
      statsPort: 12936,
      rule: "preferred",
    });
    expect(validate(free.manifest), JSON.stringify(validate.errors)).toBe(true);
    dataOf(
      await fleet.h.mutate("reservations.create", {
        portFrom: 12440,
        portTo: 12450,
        owner: "team-a",
        purpose: "edge",
      }),
    );
    const reserved = dataOf(
      await fleet.h.query("capacity.planIngressController", {
        name: "shard-b",
        clusters: ["ocp-prod"],
        ports: { httpPort: 12080, httpsPort: 12443, statsPort: 12936 },
        window: { from: 12440, to: 12460 },
      }),
    );
    expect(reserved.passedOver[0]?.refusals).toEqual([
      expect.objectContaining({ port: 12443, reason: "reserved", owner: "team-a" }),
    ]);
    expect(reserved.choice).toMatchObject({ httpPort: 12451, rule: "contiguous" });
  });

  it("reserves the chosen ports in the same call, so the next plan of another name picks others", async () => {
    const input = { name: "shard-b", labelSelector: { env: "prod" } };
    const first = dataOf(
      await fleet.h.mutate("capacity.reserveIngressController", {
        plan: input,
        owner: "team-a",
        purpose: "shard",
      }),
    );
    expect(first.reservations.map((r) => r.port)).toEqual([11080, 11443, 12936]);
    const other = dataOf(
      await fleet.h.query("capacity.planIngressController", { ...input, name: "shard-c" }),
    );
    expect(other.choice).toMatchObject({ httpPort: 12080 });
  });

  it("plans a reserved name on its own reservation, and reserving it again reserves nothing new", async () => {
    const input = { name: "shard-b", labelSelector: { env: "prod" } };
    const reserve = () =>
      fleet.h.mutate("capacity.reserveIngressController", { plan: input, owner: "team-a", purpose: "shard" });
    const first = dataOf(await reserve());
    // What `plan … --reserve` then `plan … -o yaml | oc apply` does: the manifest carries the reserved ports.
    const plan = dataOf(await fleet.h.query("capacity.planIngressController", input));
    expect(plan.choice).toMatchObject({
      httpPort: 11080,
      httpsPort: 11443,
      statsPort: 12936,
      rule: "reserved",
    });
    expect(plan.ownReservations).toEqual(first.reservations);
    expect(JSON.stringify(plan.clusters.find((c) => c.manifest)?.manifest)).toContain('"httpPort":11080');
    const again = dataOf(await reserve());
    expect(again).toMatchObject({ alreadyReserved: true, reservations: first.reservations });
    expect(dataOf(await fleet.h.query("reservations.list", {}))).toHaveLength(3);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)(
  "concurrent IngressController reservations (PostgreSQL)",
  () => {
    const fleet = useIngressFleet();

    it("gives two teams planning at once different ports", async () => {
      const reserve = (owner: string) =>
        fleet.h.mutate("capacity.reserveIngressController", {
          // Names no cluster runs (shard-a does, on ocp-prod: reserving for it is refused).
          plan: { name: `shard-${owner}-new`, labelSelector: { env: "prod" } },
          owner,
          purpose: "concurrent",
        });
      const [a, b] = await Promise.all([reserve("a"), reserve("b")]);
      const ports = [...dataOf(a).reservations, ...dataOf(b).reservations].map((r) => r.port);
      expect(new Set(ports).size).toBe(6);
    });
  },
);
