/**
 * Real `kubectl get -o json` documents from public repositories (../shared/k8s-dumps, origins in its
 * SOURCES.md), read where they are: the agent turns each cluster's dumps into a snapshot, and the
 * real HTTP app accepts it and answers who holds the ports those clusters really held.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Protocol, Snapshot } from "../../src/contract/snapshot.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { type RealDumpCluster, realDumpClusters } from "../helpers/real-dump-clusters.js";
import { sharedInputDir } from "../helpers/shared-inputs.js";
import { startTestAgent } from "./helpers/agent.js";

/** Beside the checkout; K8S_DUMPS_DIR names it for a checkout elsewhere (a git worktree). */
const { dir: DUMPS, present } = sharedInputDir("k8s-dumps", "K8S_DUMPS_DIR");

/** What each real cluster really held (test/helpers/real-dump-clusters.ts names its files). */
const holds: Record<RealDumpCluster, { hostPort: number; protocol: Protocol }[]> = {
  // ServiceLB's svclb-traefik takes hostPort 80 and 443.
  "k3s-troubleshoot": [
    { hostPort: 80, protocol: "TCP" },
    { hostPort: 443, protocol: "TCP" },
  ],
  // Static control-plane pods on hostNetwork; the router is Pending, so it holds nothing.
  "openshift-insights": [
    { hostPort: 10257, protocol: "TCP" },
    { hostPort: 10259, protocol: "TCP" },
  ],
  "kurl-sbctl": [],
  "kubeadm-describecluster": [],
  "aks-k8s-arena": [],
};
const clusters = realDumpClusters.map((c) => ({ ...c, holds: holds[c.name] }));

describe.skipIf(!present)("real kubectl dumps", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it.each(clusters)("$name: the agent's snapshot is accepted and answers who holds its ports", async (c) => {
    const t = await startTestAgent([
      "--cluster",
      c.name,
      "--dry-run",
      "--from-file",
      ...c.files.map((f) => join(DUMPS, f)),
    ]);
    expect(await t.agent.done).toBe(0);
    const snapshot = JSON.parse(t.output[0] as string) as Snapshot;
    expect(snapshot.nodes.length).toBeGreaterThan(0);

    await h.reset();
    const token = await h.register(c.name);
    const res = await h.push(token, snapshot);
    expect(res.status, await res.clone().text()).toBe(200);
    for (const port of c.holds) {
      const who = await h.query("ports.who", port);
      expect(who.ok && who.data.summary?.total, `${port.hostPort}/${port.protocol}`).toBeGreaterThan(0);
    }
  });

  it("the Pending OpenShift router is a host-port conflict with the scheduler's own message", async () => {
    const t = await startTestAgent([
      "--cluster",
      "openshift-insights",
      "--dry-run",
      "--from-file",
      ...(clusters[1]?.files ?? []).map((f) => join(DUMPS, f)),
    ]);
    expect(await t.agent.done).toBe(0);
    const snapshot = JSON.parse(t.output[0] as string) as Snapshot;
    const router = snapshot.pods.find((p) => p.name.startsWith("router-default-"));
    expect(router).toMatchObject({ node: null, phase: "Pending", hostNetwork: true });
    expect(router?.ports.map((p) => p.hostPort).sort((a, b) => a - b)).toEqual([80, 443, 1936]);
    expect(router?.scheduling?.message).toMatch(/didn't have free ports for the requested pod ports/);
  });

  it("untyped Lists are typed by their items' kind; an empty one beside real nodes is refused as ambiguous", async () => {
    const dumpDir = mkdtempSync(join(tmpdir(), "portolan-dumps-"));
    const run = async (files: string[]) => {
      const t = await startTestAgent(["--cluster", "kubeadm", "--dry-run", "--from-file", ...files]);
      return { code: await t.agent.done, output: t.output, logs: t.logs };
    };
    try {
      // Both real "kind": "List" documents: one of Nodes, one of Pods.
      const typed = await run([
        join(DUMPS, "synthetic-nodes-describecluster.json"),
        join(DUMPS, "describecluster-kubeadm-pods.json"),
      ]);
      expect(typed.code).toBe(0);
      const snapshot = JSON.parse(typed.output[0] as string) as Snapshot;
      expect([snapshot.nodes.length, snapshot.pods.length > 0]).toEqual([4, true]);
      // What "kubectl get pods -A -o json" prints for no pods, and also for any empty answer.
      const empty = join(dumpDir, "empty.json");
      writeFileSync(empty, JSON.stringify({ apiVersion: "v1", kind: "List", items: [], metadata: {} }));
      const ambiguous = await run([join(DUMPS, "synthetic-nodes-describecluster.json"), empty]);
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.output).toEqual([]);
      expect(ambiguous.logs.some((l) => /does not say what it lists/.test(String(l.msg)))).toBe(true);
    } finally {
      rmSync(dumpDir, { recursive: true, force: true });
    }
  });
});
