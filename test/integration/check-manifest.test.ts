import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BROKEN_SECOND_DOCUMENT,
  CRONJOB,
  DEPLOYMENT_WITH_HOST_PORT,
  HOST_NETWORK_DAEMONSET,
  INGRESS_CONTROLLER,
  join,
  LIST,
  SERVICE,
  SIDECAR_DEPLOYMENT,
} from "../fixtures/manifests.js";
import { sixWorkersSnapshot } from "../fixtures/six-workers.js";
import { node, snapshot } from "../fixtures/snapshots.js";
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

async function check(
  manifest: string,
  extra: { clusters?: string[]; labelSelector?: Record<string, string> } = {},
) {
  const answer = await h.mutate("capacity.checkManifest", { manifest, ...extra });
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.data;
}

describe("capacity.checkManifest", () => {
  it("fits a Deployment whose hostPort is free on enough workers", async () => {
    const answer = await check(DEPLOYMENT_WITH_HOST_PORT);
    expect(answer.fits).toBe(true);
    expect(answer.workloads).toMatchObject([
      {
        document: 1,
        kind: "Deployment",
        namespace: "team-a",
        name: "edge-proxy",
        ports: [{ hostPort: 18080, protocol: "TCP" }],
        replicas: 2,
        targets: { source: "all" },
        clusters: [{ cluster: "six-workers", fits: true, eligibleNodes: 6, fittingNodes: 6 }],
      },
    ]);
  });

  it("refuses a hostNetwork DaemonSet on the workers where its containerPort is held, naming the holder", async () => {
    const answer = await check(HOST_NETWORK_DAEMONSET);
    expect(answer.fits).toBe(false);
    expect(answer.workloads[0]?.verdict).toBe("fails on 1 of 1 cluster(s)");
    const [cluster] = answer.workloads[0]?.clusters ?? [];
    expect(cluster).toMatchObject({ fits: false, replicas: 6, eligibleNodes: 6, blockedNodes: 3 });
    expect(cluster?.blockedSample.map((b) => b.node)).toEqual(["worker-1", "worker-2", "worker-3"]);
    expect(cluster?.blockingWorkloads).toMatchObject([{ name: "monitoring-proxy", nodes: 3 }]);
  });

  it("checks every document of a file: the IngressController's 80/443 are held by router-default", async () => {
    const answer = await check(join(DEPLOYMENT_WITH_HOST_PORT, SERVICE, INGRESS_CONTROLLER));
    expect(answer.fits).toBe(false);
    expect(answer.workloads.map((w) => [w.document, w.kind, w.fits])).toEqual([
      [1, "Deployment", true],
      [3, "IngressController", false],
    ]);
    expect(answer.workloads[1]).toMatchObject({
      ports: [{ hostPort: 80 }, { hostPort: 443 }, { hostPort: 1936 }],
      replicas: 2,
      clusters: [{ blockedNodes: 6, blockingWorkloads: [{ name: "router-default" }] }],
    });
    expect(answer.notes).toEqual([
      { document: 2, path: "", message: "kind Service holds no host ports here: skipped" },
    ]);
  });

  it("reads a List item by item, and a DaemonSet without a selector lands on every node", async () => {
    const answer = await check(LIST);
    expect(answer.fits).toBe(true);
    expect(answer.workloads).toMatchObject([
      { path: "items.1", kind: "DaemonSet", everyEligibleNode: true, replicas: null },
    ]);
    // the masters' NoSchedule taint keeps the untolerating DaemonSet off them
    expect(answer.workloads[0]?.clusters[0]).toMatchObject({ eligibleNodes: 6, ineligibleNodes: 3 });
    expect(answer.notes.map((n) => n.path)).toEqual(["items.0"]);
  });

  it("fits a CronJob's UDP host port", async () => {
    const answer = await check(CRONJOB);
    expect(answer.workloads).toMatchObject([
      { kind: "CronJob", replicas: 1, ports: [{ hostPort: 8125, protocol: "UDP" }], fits: true },
    ]);
  });

  it("counts a sidecar init container's port: 4 replicas on 9090, free on only 3 workers", async () => {
    const answer = await check(SIDECAR_DEPLOYMENT);
    expect(answer.fits).toBe(false);
    expect(answer.workloads[0]).toMatchObject({
      ports: [{ hostPort: 9090 }],
      clusters: [{ fittingNodes: 3, headroomAfter: -1 }],
    });
  });

  it("checks on the annotation's clusters, and a selector that matches none does not pass", async () => {
    const lab = await h.register("lab", { env: "lab" });
    await h.push(lab, snapshot("lab", "2026-11-27T10:00:00Z", [node("lab-1")], []));
    const annotated = (selector: string) =>
      CRONJOB.replace(
        "namespace: ops}",
        `namespace: ops, annotations: {portolan.dev/clusters: "${selector}"}}`,
      );
    const onLab = await check(annotated("env=lab"));
    expect(onLab.workloads[0]).toMatchObject({
      targets: { source: "annotation", labelSelector: { env: "lab" } },
      clusters: [{ cluster: "lab", fits: true }],
    });
    const overridden = await check(annotated("env=lab"), { clusters: ["six-workers"] });
    expect(overridden.workloads[0]?.clusters.map((c) => c.cluster)).toEqual(["six-workers"]);
    const nowhere = await check(annotated("env=nowhere"));
    expect(nowhere.fits).toBe(false);
    expect(nowhere.workloads[0]).toMatchObject({ verdict: "no registered cluster matches", clusters: [] });
  });

  it("refuses invalid YAML with INVALID_MANIFEST naming the document", async () => {
    const answer = await h.mutate("capacity.checkManifest", { manifest: BROKEN_SECOND_DOCUMENT });
    expect(answer.status).toBe(400);
    expect(!answer.ok && answer.error.data).toMatchObject({
      reason: "INVALID_MANIFEST",
      issues: [expect.objectContaining({ document: 2 })],
    });
    expect(!answer.ok && answer.error.message).toMatch(/^the manifest cannot be read: document 2/);
  });

  it("refuses a document too large to read in one step with INVALID_MANIFEST naming it", async () => {
    // 100,001 list items: one document of more than MAX_MANIFEST_DOCUMENT_TOKENS tokens.
    const manifest = join(SERVICE, "- 1\n".repeat(100_001));
    const answer = await h.mutate("capacity.checkManifest", { manifest });
    expect(answer.status).toBe(400);
    expect(!answer.ok && answer.error.data).toMatchObject({
      reason: "INVALID_MANIFEST",
      issues: [{ document: 2, path: "" }],
    });
    expect(!answer.ok && answer.error.message).toMatch(/document 2 has more than 200000 YAML tokens/);
  });

  it("refuses more than MAX_MANIFEST_DOCUMENTS documents with INVALID_MANIFEST", async () => {
    const answer = await h.mutate("capacity.checkManifest", { manifest: "a: 1\n---\n".repeat(10_001) });
    expect(answer.status).toBe(400);
    expect(!answer.ok && answer.error.data).toMatchObject({ reason: "INVALID_MANIFEST" });
    expect(!answer.ok && answer.error.message).toMatch(/more than 10000 documents/);
  });

  it("still refuses repeated map keys", async () => {
    const manifest = DEPLOYMENT_WITH_HOST_PORT.replace(
      "kind: Deployment",
      "kind: Deployment\nkind: Deployment",
    );
    const answer = await h.mutate("capacity.checkManifest", { manifest });
    expect(!answer.ok && answer.error.message).toMatch(/Map keys must be unique at line 3/);
  });

  it("refuses a known kind with a malformed spec, naming document and path", async () => {
    const manifest = join(SERVICE, DEPLOYMENT_WITH_HOST_PORT.replace("hostPort: 18080", "hostPort: http"));
    const answer = await h.mutate("capacity.checkManifest", { manifest });
    expect(!answer.ok && answer.error.data).toMatchObject({
      reason: "INVALID_MANIFEST",
      issues: [{ document: 2, path: "spec.template.spec.containers.0.ports.0.hostPort" }],
    });
  });

  it("skips an unknown kind with a note and fits", async () => {
    const answer = await check("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
    expect(answer).toEqual({
      passes: true,
      fits: true,
      rolloutsComplete: true,
      workloads: [],
      notes: [{ document: 1, path: "", message: "kind Widget holds no host ports here: skipped" }],
    });
  });
});
