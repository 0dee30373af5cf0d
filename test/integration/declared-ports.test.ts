/**
 * An IngressController's declared ports count as held before its pods exist: they block a fit, are
 * left out of free ranges, show in the port map as declared by the IngressController, and feed its
 * headroom (with the `oc patch` when its replicas leave no node spare). Its own router pods holding
 * a port are that port's hold, not a second one.
 */
import { describe, expect, it } from "vitest";
import {
  edgeProd,
  FLEET_LABELS,
  ingressController,
  ocpProd,
  useIngressFleet,
} from "../fixtures/ingress-fleet.js";
import { dataOf } from "../helpers/app.js";

describe("declared IngressController ports", () => {
  const fleet = useIngressFleet();

  it("blocks a fit on every worker a Pending IngressController selects, naming it", async () => {
    const fit = dataOf(
      await fleet.h.query("capacity.checkFit", { clusters: ["edge-prod"], ports: [{ hostPort: 20443 }] }),
    );
    const edge = fit.clusters[0];
    expect(edge?.fits).toBe(false);
    expect(edge?.blockedNodes).toBe(3);
    expect(edge?.blockingWorkloads).toEqual([
      { namespace: "openshift-ingress-operator", kind: "IngressController", name: "edge", nodes: 3 },
    ]);
    expect(edge?.blockedSample[0]?.blockers[0]).toMatchObject({
      node: "e1",
      owner: { kind: "IngressController", name: "edge" },
      declared: true,
      hostPort: 20443,
    });
  });

  it("blocks a fit for an IngressController scaled to zero, with no router pod at all", async () => {
    const token = await fleet.h.register("zero-prod", FLEET_LABELS["edge-prod"]);
    const zero = {
      ...edgeProd,
      cluster: "zero-prod",
      pods: [],
      ingressControllers: [ingressController("edge", [20080, 20443, 21936], 0, 0)],
    };
    expect((await fleet.h.push(token, zero)).status).toBe(200);
    const fit = dataOf(
      await fleet.h.query("capacity.checkFit", { clusters: ["zero-prod"], ports: [{ hostPort: 21936 }] }),
    );
    expect(fit.clusters[0]?.fittingNodes).toBe(0);
  });

  it("leaves declared ports out of free ranges", async () => {
    const free = dataOf(
      await fleet.h.query("capacity.freeRanges", {
        clusters: ["edge-prod"],
        width: 1,
        min: 20079,
        max: 20081,
        protocol: "TCP",
      }),
    );
    expect(free.ranges.map((r) => [r.from, r.to])).toEqual([
      [20079, 20079],
      [20081, 20081],
    ]);
  });

  it("shows declared ports in the port map as the IngressController's, without counting its router pods twice", async () => {
    const edge = dataOf(await fleet.h.query("ports.map", { cluster: "edge-prod" }));
    const row = edge.ports.find((p) => p.hostPort === 20080);
    expect(row?.workloads).toEqual([
      { namespace: "openshift-ingress-operator", kind: "IngressController", name: "edge", pods: 0 },
    ]);
    expect(row?.heldCount).toBe(3);
    const ocp = dataOf(await fleet.h.query("ports.map", { cluster: "ocp-prod" }));
    const http = ocp.ports.find((p) => p.hostPort === 80);
    // router-default's two pods hold w1 and w2; the IngressController declares w3 and w4: 4 nodes, not 6.
    expect(http?.heldCount).toBe(4);
    expect(http?.nodes).toEqual(["w1", "w2", "w3", "w4"]);
    expect(http?.workloads.map((w) => [w.kind, w.name, w.pods])).toEqual([
      ["IngressController", "default", 0],
      ["Deployment", "router-default", 2],
    ]);
    const fit = dataOf(
      await fleet.h.query("capacity.checkFit", { clusters: ["ocp-prod"], ports: [{ hostPort: 80 }] }),
    );
    expect(fit.clusters[0]?.blockedNodes).toBe(4);
  });

  it("gives IngressController headroom, its own routers not blocking it, and the oc patch when no node is spare", async () => {
    const token = await fleet.h.register("tight-prod", FLEET_LABELS["ocp-prod"]);
    const tight = {
      ...ocpProd,
      cluster: "tight-prod",
      ingressControllers: [
        ingressController("default", [80, 443, 1936], 4, 2),
        ingressController("shard-a", [10080, 10443, 11936], null, 1),
      ],
    };
    expect((await fleet.h.push(token, tight)).status).toBe(200);
    const rows = dataOf(
      await fleet.h.query("capacity.headroom", { clusters: ["tight-prod"] }),
    ).workloads.filter((w) => w.kind === "IngressController");
    expect(
      rows.map((w) => [w.name, w.replicas, w.eligibleNodes, w.maxReplicasKeepingOneSpare, w.patch]),
    ).toEqual([
      [
        "default",
        4,
        4,
        3,
        `oc patch ingresscontroller/default -n openshift-ingress-operator --type=merge -p '{"spec":{"replicas":3}}'`,
      ],
      // Unset replicas count as 2 (HighlyAvailable): 4 workers keep spares, no patch.
      ["shard-a", 2, 4, 3, null],
    ]);
    // The router Deployment is not blocked by its own IngressController's declarations on w3 and w4.
    const router = dataOf(
      await fleet.h.query("capacity.headroom", { clusters: ["tight-prod"] }),
    ).workloads.find((w) => w.name === "router-default");
    expect(router?.freeNodes).toBe(2);
  });
});
