/**
 * capacity.checkManifest judges each workload's rollout on each target cluster (docs/planning.md,
 * "Rollouts that will not finish"), and a manifest that updates a running workload no longer counts
 * that workload's own pods as blockers of itself.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEPLOYMENT_WITH_HOST_PORT,
  monitoringProxyUpdate,
  nodeExporterUpdate,
  SURGING_DAEMONSET,
} from "../fixtures/manifests.js";
import { sixWorkersSnapshot } from "../fixtures/six-workers.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => new Date("2026-11-27T12:00:00Z") });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.reset();
  const token = await h.register("six-workers", { env: "prod" });
  expect((await h.push(token, sixWorkersSnapshot())).status).toBe(200);
});

async function check(manifest: string) {
  const answer = await h.mutate("capacity.checkManifest", { manifest });
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data;
}

describe("a manifest updating a running workload", () => {
  it("does not count the workload's own pods as blockers: 4 replicas of monitoring-proxy fit 6 workers", async () => {
    // Its 3 pods hold 9090 on workers 1–3; counted as blockers, only 3 workers would fit.
    const answer = await check(monitoringProxyUpdate(4));
    expect(answer.passes).toBe(true);
    expect(answer.workloads[0]).toMatchObject({
      fits: true,
      rolloutCompletes: true,
      clusters: [
        {
          fittingNodes: 6,
          blockedNodes: 0,
          ownNodes: 3,
          ownOnFittingNodes: 3,
          rollout: { outcome: "completes", running: true },
        },
      ],
    });
  });

  it("lets a DaemonSet update replace its own pods: node-exporter's default strategy completes", async () => {
    const answer = await check(nodeExporterUpdate(""));
    expect(answer).toMatchObject({ fits: true, rolloutsComplete: true, passes: true });
    expect(answer.workloads[0]?.clusters[0]).toMatchObject({
      replicas: 9,
      blockedNodes: 0,
      ownNodes: 9,
      rollout: { outcome: "completes", strategy: "RollingUpdate maxSurge 0, maxUnavailable 1" },
    });
  });

  it("lets an IngressController replace its own router pods: default's 80/443 on router-default's workers", async () => {
    const answer = await check(`apiVersion: operator.openshift.io/v1
kind: IngressController
metadata: {name: default, namespace: openshift-ingress-operator}
spec:
  replicas: 6
  endpointPublishingStrategy: {type: HostNetwork}
`);
    expect(answer.passes).toBe(true);
    // the operator's router strategy (maxSurge 0, maxUnavailable 25% of 6 = 1) rolls 6 on 6 nodes
    expect(answer.workloads[0]?.clusters[0]).toMatchObject({
      fittingNodes: 6,
      ownNodes: 6,
      rollout: {
        outcome: "completes",
        strategy: "RollingUpdate maxSurge 0, maxUnavailable 25% (0 and 1 of 6 replicas)",
      },
    });
  });
});

describe("rollouts that will not finish", () => {
  it("reports a DaemonSet with a host port and maxSurge 1 as a rollout that never completes (kubernetes#106417)", async () => {
    const answer = await check(
      nodeExporterUpdate(
        "updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}",
      ),
    );
    expect(answer).toMatchObject({ fits: true, rolloutsComplete: false, passes: false });
    const [workload] = answer.workloads;
    expect(workload?.verdict).toBe("fits of 1 cluster(s); its rollout stalls on 1");
    expect(workload?.clusters[0]?.rollout).toMatchObject({
      outcome: "stalls",
      completes: false,
      running: true,
      fixes: ["set maxSurge: 0 and maxUnavailable: 1"],
    });
    expect(workload?.clusters[0]?.rollout.why).toContain("kubernetes#106417");
  });

  it("reports maxSurge 1 alone as refused: maxUnavailable defaults to 1 beside it", async () => {
    const answer = await check(nodeExporterUpdate("updateStrategy: {rollingUpdate: {maxSurge: 1}}"));
    expect(answer.passes).toBe(false);
    const rollout = answer.workloads[0]?.clusters[0]?.rollout;
    expect(rollout).toMatchObject({
      outcome: "stalls",
      strategy: "RollingUpdate maxSurge 1, maxUnavailable 1",
    });
    expect(rollout?.why).toContain("refuses maxSurge beside a non-zero maxUnavailable");
  });

  it("judges a new surging DaemonSet as it will run: its first update stalls", async () => {
    const answer = await check(SURGING_DAEMONSET);
    expect(answer).toMatchObject({ fits: true, passes: false });
    expect(answer.workloads[0]?.clusters[0]?.rollout).toMatchObject({ outcome: "stalls", running: false });
  });

  it("stalls a Deployment with maxUnavailable 0 whose replicas fill every fitting node (kubernetes#90669)", async () => {
    const answer = await check(
      monitoringProxyUpdate(
        6,
        "strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}",
      ),
    );
    expect(answer).toMatchObject({ fits: true, passes: false });
    const rollout = answer.workloads[0]?.clusters[0]?.rollout;
    expect(rollout?.outcome).toBe("stalls");
    expect(rollout?.fixes).toEqual([
      "set maxSurge: 0 and maxUnavailable: 1",
      "add one eligible node with the ports free",
      "lower replicas to 5",
    ]);
  });

  it("passes the same Deployment with one fitting node spare, and the default strategy at 4 replicas", async () => {
    const spare = await check(
      monitoringProxyUpdate(
        5,
        "strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}",
      ),
    );
    expect(spare.passes).toBe(true);
    expect((await check(DEPLOYMENT_WITH_HOST_PORT)).workloads[0]?.clusters[0]?.rollout.outcome).toBe(
      "completes",
    );
  });

  it("says OnDelete never rolls by itself, without failing the gate", async () => {
    const answer = await check(nodeExporterUpdate("updateStrategy: {type: OnDelete}"));
    expect(answer.passes).toBe(true);
    expect(answer.workloads[0]?.clusters[0]?.rollout).toMatchObject({ outcome: "manual", completes: false });
  });

  it("refuses a strategy value that is neither an integer nor a percentage", async () => {
    const answer = await h.mutate("capacity.checkManifest", {
      manifest: monitoringProxyUpdate(2, "strategy: {rollingUpdate: {maxSurge: one}}"),
    });
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.message).toContain("spec.strategy.rollingUpdate.maxSurge");
  });
});
