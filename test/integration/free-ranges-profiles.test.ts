import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => new Date("2026-12-04T12:00:00Z") });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.reset();
  // A fresh fleet: one plain Kubernetes cluster, one OpenShift cluster, a node each and no ports used.
  for (const [name, labels] of [
    ["k8s-1", { env: "prod" }],
    ["ocp-1", { env: "prod", distribution: "openshift" }],
  ] as const) {
    const token = await h.register(name, labels);
    expect((await h.push(token, snapshot(name, "2026-12-04T11:00:00Z", [node("worker-1")], []))).status).toBe(
      200,
    );
  }
});

/** A cluster with its labels and one pushed node (a cluster that has not pushed is left out of plans). */
async function pushedCluster(name: string, labels: Record<string, string>) {
  const token = await h.register(name, labels);
  expect((await h.push(token, snapshot(name, "2026-12-04T11:00:00Z", [node("worker-1")], []))).status).toBe(
    200,
  );
}

const EVERY_CLUSTER: [number, number][] = [
  [1, 1023],
  [10248, 10259],
  [30000, 32767],
  [32768, 60999],
];

async function offers(input: Parameters<typeof h.query<"capacity.freeRanges">>[1]) {
  const answer = await h.query("capacity.freeRanges", input);
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data;
}

const outside = (ranges: { from: number; to: number }[], excluded: [number, number][]) =>
  ranges.every((r) => excluded.every(([from, to]) => r.to < from || r.from > to));

describe("capacity.freeRanges with port profiles", () => {
  it("offers nothing excluded on a fresh fleet: first 1024, never the kubelet, NodePort, ephemeral or OpenShift's 9000–9999", async () => {
    const answer = await offers({ width: 3, limit: 50 });
    expect(answer.ranges[0]).toMatchObject({ from: 1024, to: 1026 });
    expect(outside(answer.ranges, [...EVERY_CLUSTER, [9000, 9999]])).toBe(true);
    const nine = await offers({ width: 3, min: 9000, limit: 1 });
    expect(nine.ranges[0]?.from).toBe(10000);
  });

  it("applies each cluster's own profile: 9000 is offered where only Kubernetes clusters are selected", async () => {
    const k8s = await offers({ width: 3, min: 9000, limit: 1, clusters: ["k8s-1"] });
    expect(k8s.ranges[0]?.from).toBe(9000);
    const forced = await offers({ width: 3, min: 9000, limit: 1, clusters: ["k8s-1"], profile: "openshift" });
    expect(forced.ranges[0]?.from).toBe(10000);
  });

  it("explains each excluded range with its reason, source and clusters", async () => {
    const answer = await offers({ width: 3 });
    const line = (from: number) => answer.excludedRanges.find((r) => r.from === from);
    expect(line(10248)).toMatchObject({
      to: 10259,
      protocol: null,
      clusters: ["k8s-1", "ocp-1"],
      clusterCount: 2,
      reason: expect.stringContaining("kubelet"),
      source: expect.stringContaining("kubernetes.io"),
    });
    expect(line(9000)).toMatchObject({ to: 9999, clusters: ["ocp-1"], clusterCount: 1 });
    expect(line(4789)).toMatchObject({ protocol: "UDP", clusters: ["ocp-1"] });
  });

  it("offers privileged ports only when asked, and keeps held ports and reservations out", async () => {
    const token = await h.register("edge", { env: "edge" });
    await h.push(
      token,
      snapshot(
        "edge",
        "2026-12-04T11:00:00Z",
        [node("worker-1")],
        [hostNetworkPod("ingress", "router-1", "worker-1", [1, 2])],
      ),
    );
    await h.mutate("reservations.create", { portFrom: 4, portTo: 9, owner: "edge", purpose: "test" });
    const answer = await offers({ width: 3, clusters: ["edge"], allowPrivileged: true, limit: 1 });
    expect(answer.ranges[0]).toMatchObject({ from: 10, to: 12 });
    expect(answer.excludedRanges.some((r) => r.from === 1 && r.to === 1023)).toBe(false);
  });

  it("still applies the default profile when no cluster is selected", async () => {
    const answer = await offers({ width: 3, labelSelector: { env: "nowhere" }, limit: 20 });
    expect(answer.clusters).toEqual([]);
    expect(answer.ranges[0]?.from).toBe(1024);
    expect(outside(answer.ranges, EVERY_CLUSTER)).toBe(true);
    expect(answer.excludedRanges.every((r) => r.clusterCount === 0)).toBe(true);
  });

  it("follows a cluster's NodePort range label", async () => {
    await pushedCluster("moved", { "portolan.dev/node-port-range": "20000-22767" });
    const answer = await offers({ width: 3, clusters: ["moved"], min: 19997, limit: 2 });
    expect(answer.ranges.map((r) => r.from)).toEqual([19997, 22768]);
  });

  it.each([
    [
      { "portolan.dev/port-profile": "windows" },
      /odd: label portolan.dev\/port-profile="windows" names no profile/,
    ],
    [
      { "portolan.dev/node-port-range": "32767-30000" },
      /odd: label portolan.dev\/node-port-range="32767-30000"/,
    ],
  ])("refuses a malformed profile label %o with INVALID_PORT_PROFILE", async (labels, message) => {
    await pushedCluster("odd", labels);
    const answer = await h.query("capacity.freeRanges", { width: 3 });
    expect(answer.status).toBe(400);
    expect(!answer.ok && answer.error).toMatchObject({ data: { reason: "INVALID_PORT_PROFILE" } });
    expect(!answer.ok && answer.error.message).toMatch(message);
  });
});
