/**
 * A workload's own sockets are not listeners in its way: on commatrix's bare-metal capture the
 * default router's haproxy listens on 80/443 of worker-0 and worker-1, and the router pods there
 * declare those ports. Re-applying the router's Deployment (`plan fit -f`) replaces those pods, so
 * their sockets go with them; another hostNetwork workload on 80 is held off those nodes by the
 * routers' allocations (the scheduler's rule), not by their sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { BARE_METAL_RUN, captureNodes, NODE_LISTENERS } from "../helpers/node-listener-captures.js";

const { present } = NODE_LISTENERS;
const RUN = BARE_METAL_RUN;
const CLUSTER = "bm-routers";

const worker = (name: string) => name.startsWith("worker");

function routerPod(name: string, node: string): SnapshotInput["pods"][number] {
  return {
    namespace: "openshift-ingress",
    name,
    node,
    phase: "Running",
    hostNetwork: true,
    owner: { kind: "Deployment", name: "router-default" },
    ports: [80, 443, 1936].map((port) => ({ container: "router", containerPort: port, hostPort: port })),
    nodeSelector: { "node-role.kubernetes.io/worker": "" },
  };
}

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: openshift-ingress}
spec:
  replicas: ${replicas}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      hostNetwork: true
      nodeSelector: {node-role.kubernetes.io/worker: ""}
      containers:
        - name: router
          image: quay.io/openshift/router:4.23
          ports: [{containerPort: 80}, {containerPort: 443}, {containerPort: 1936}]
`;

interface ManifestCluster {
  fits: boolean;
  listenerBlockedNodes: number;
  fittingNodes: number;
  blockedNodes: number;
}
interface ManifestAnswer {
  fits: boolean;
  workloads: { name: string; fits: boolean; clusters: ManifestCluster[] }[];
}

describe.runIf(present)("a workload's own sockets on the bare-metal capture", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: () => new Date("2026-12-01T10:05:00Z") });
    const merged = { value: captureNodes(RUN) };
    const token = await h.register(CLUSTER);
    const names = merged.value.map((n) => n.node);
    const res = await h.push(token, {
      schemaVersion: 1,
      cluster: CLUSTER,
      observedAt: "2026-12-01T10:00:00Z",
      nodes: names.map((name) => ({
        name,
        ready: true,
        labels: { [`node-role.kubernetes.io/${worker(name) ? "worker" : "master"}`]: "" },
        taints: worker(name) ? [] : [{ key: "node-role.kubernetes.io/master", effect: "NoSchedule" }],
      })),
      pods: [routerPod("router-default-a", "worker-0"), routerPod("router-default-b", "worker-1")],
      nodeListeners: merged.value,
    });
    expect(res.status).toBe(200);
  }, 120_000);
  afterAll(() => h.close());

  const check = async (manifest: string) => {
    const answer = await h.mutate("capacity.checkManifest", { manifest, clusters: [CLUSTER] });
    if (!answer.ok) throw new Error(answer.error.message);
    return answer.data as ManifestAnswer;
  };

  it("fits the router's own Deployment again: its haproxy sockets go with the pods the rollout replaces", async () => {
    const answer = await check(deployment("router-default", 2));
    const [cluster] = answer.workloads[0]?.clusters ?? [];
    expect(cluster).toMatchObject({ fits: true, listenerBlockedNodes: 0 });
    expect(answer.fits).toBe(true);
  });

  it("keeps another hostNetwork workload on 80 off the routers' nodes by their allocations, not their sockets", async () => {
    const answer = await check(deployment("router-other", 2));
    const [cluster] = answer.workloads[0]?.clusters ?? [];
    // worker-2 is the one worker without a router: one replica fits, the second does not.
    expect(cluster).toMatchObject({ fits: false, fittingNodes: 1, blockedNodes: 2, listenerBlockedNodes: 0 });
  });
});
