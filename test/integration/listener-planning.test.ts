/**
 * Planning against what nodes really listen on: a cluster built from commatrix's bare-metal capture
 * (../shared/node-listeners, parsed in place, pushed through POST /v1/snapshots), asked through the
 * HTTP app and the CLI. Observed listeners are held: the IngressController planner never offers one,
 * a hostNetwork pod on 22 is refused naming sshd (exit 3), and unobserved nodes are said to be so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeListeners } from "../../src/contract/listeners.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { BARE_METAL_RUN, captureNodes, NODE_LISTENERS } from "../helpers/node-listener-captures.js";

const { present } = NODE_LISTENERS;
const RUN = BARE_METAL_RUN;
const CLUSTER = "bm-ci";

const role = (name: string) => (name.startsWith("master") ? "master" : "worker");

/** `names` with their roles (masters tainted), and the listener reports given. */
function snapshot(cluster: string, names: string[], reports: NodeListeners[]): SnapshotInput {
  return {
    schemaVersion: 1,
    cluster,
    observedAt: "2026-12-01T10:00:00Z",
    nodes: names.map((name) => ({
      name,
      ready: true,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        [`node-role.kubernetes.io/${role(name)}`]: "",
      },
      taints:
        role(name) === "master" ? [{ key: "node-role.kubernetes.io/master", effect: "NoSchedule" }] : [],
    })),
    pods: [],
    nodeListeners: reports,
  };
}

const SSHD_POD = `apiVersion: v1
kind: Pod
metadata: {name: ssh-bastion, namespace: ops}
spec:
  hostNetwork: true
  containers:
    - name: sshd
      image: quay.io/example/sshd:1
      ports: [{containerPort: 22}]
`;

describe.runIf(present)("planning on the bare-metal capture's listeners", () => {
  let h: Harness;
  /** every (protocol, port) some node of the capture listens on */
  let listened: Set<string>;
  beforeAll(async () => {
    h = await createHarness({ now: () => new Date("2026-12-01T10:05:00Z") });
    const merged = { value: captureNodes(RUN) };
    listened = new Set(merged.value.flatMap((n) => n.listeners.map((l) => `${l.protocol}/${l.port}`)));
    const token = await h.register(CLUSTER);
    const res = await h.push(
      token,
      snapshot(
        CLUSTER,
        merged.value.map((n) => n.node),
        merged.value,
      ),
    );
    expect(res.status).toBe(200);
    // worker-a reports listening on nothing; worker-b has no report at all.
    const other = await h.register("partly-observed");
    const observedNothing: NodeListeners = { node: "worker-a", attribution: "process", listeners: [] };
    const pushed = await h.push(
      other,
      snapshot("partly-observed", ["worker-a", "worker-b"], [observedNothing]),
    );
    expect(pushed.status).toBe(200);
    // Both nodes report their ip_local_port_range: 40000–50000 instead of Linux's default.
    const ranged = await h.register("ranged");
    const range = { from: 40000, to: 50000 };
    const reports: NodeListeners[] = ["worker-a", "worker-b"].map((node) => ({
      node,
      attribution: "process",
      localPortRange: range,
      listeners: [],
    }));
    expect((await h.push(ranged, snapshot("ranged", ["worker-a", "worker-b"], reports))).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await h.close();
  });

  const cliWith = (stdin: string, argv: string[]) =>
    runCli(
      [...argv, "--url", "http://portolan.test", "--token", h.adminToken],
      {},
      {
        fetch: (input, init) => Promise.resolve(h.app.fetch(new Request(input, init))),
        stdin: async () => stdin,
      },
    );
  const cli = (first: string, ...rest: string[]) =>
    first.includes("\n") ? cliWith(first, rest) : cliWith("", [first, ...rest]);

  it("plan ingresscontroller never offers a port a node listens on, and says who listens on a refused one", async () => {
    // Each window starts on listened ports (ovnkube's 29103/29105, 17697, etcd's 2379-2381) no profile excludes.
    for (const window of ["29103-29115", "17697-17710", "2379-2390", "1024-65535"]) {
      const answer = await h.query("capacity.planIngressController", {
        name: "shard-x",
        clusters: [CLUSTER],
        window: { from: Number(window.split("-")[0]), to: Number(window.split("-")[1]) },
      });
      if (!answer.ok) throw new Error(answer.error.message);
      const chosen = answer.data.choice;
      expect(chosen).not.toBeNull();
      expect(answer.data.hostable).toBe(true);
      for (const port of [chosen?.httpPort, chosen?.httpsPort, chosen?.statsPort])
        expect(listened.has(`TCP/${port}`), `offered ${port} in ${window}`).toBe(false);
    }
    const run = await cli(
      "plan",
      "ingresscontroller",
      "shard-x",
      "--cluster",
      CLUSTER,
      "--ports",
      "10250,9100,1936",
    );
    expect(run.out).toMatch(/10250 listened on by kubelet/);
    expect(run.out).toMatch(/9100 listened on by [^\n]* on \d node\(s\) of bm-ci/);
  });

  it("capacity.freeRanges leaves out every port a node listens on", async () => {
    const answer = await h.query("capacity.freeRanges", {
      clusters: [CLUSTER],
      protocol: "TCP",
      width: 1,
      min: 9000,
      max: 10300,
      limit: 1000,
    });
    if (!answer.ok) throw new Error(answer.error.message);
    for (const r of answer.data.ranges)
      for (let p = r.from; p <= r.to; p++) expect(listened.has(`TCP/${p}`), `offered ${p}`).toBe(false);
  });

  it("plan fit -f of a hostNetwork pod on 22 exits 3 naming sshd and the crash loop", async () => {
    const answer = await h.mutate("capacity.checkManifest", { manifest: SSHD_POD });
    if (!answer.ok) throw new Error(answer.error.message);
    const cluster = answer.data.workloads[0]?.clusters[0];
    expect(cluster?.fits).toBe(false);
    expect(cluster?.fittingNodes).toBe(0);
    expect(cluster?.unobservedEligibleNodes).toBe(0);
    const sample = cluster?.listenerBlockedSample ?? [];
    expect(sample.map((s) => s.node).sort()).toEqual(["worker-0", "worker-1", "worker-2"]);
    expect(sample[0]?.ports[0]).toMatchObject({ hostPort: 22, effect: "crash-loop-eaddrinuse" });
    expect(sample[0]?.ports[0]?.listeners.some((l) => l.processes.includes("sshd"))).toBe(true);

    const run = await cli(SSHD_POD, "plan", "fit", "-f", "-", "--cluster", CLUSTER);
    expect(run.code).toBe(3);
    expect(run.out).toMatch(/worker-0 blocked by 0\.0\.0\.0:22\/TCP listened on by sshd/);
    expect(run.out).toContain("crash-loop with EADDRINUSE");
  });

  it("an ordinary hostPort on a listened port is held too: its mapping would capture the host's traffic", async () => {
    const answer = await h.query("capacity.checkFit", { clusters: [CLUSTER], ports: [{ hostPort: 22 }] });
    if (!answer.ok) throw new Error(answer.error.message);
    const cluster = answer.data.clusters[0];
    expect(cluster?.fittingNodes).toBe(0);
    expect(cluster?.listenerBlockedSample[0]?.ports[0]?.effect).toBe("captures-host-traffic");
  });

  it("an eligible node with no listener report is counted as not observed, one reporting nothing is not", async () => {
    const answer = await h.query("capacity.checkFit", {
      clusters: ["partly-observed"],
      ports: [{ hostPort: 22 }],
      hostNetwork: true,
      replicas: 2,
    });
    if (!answer.ok) throw new Error(answer.error.message);
    expect(answer.data.clusters[0]).toMatchObject({ fittingNodes: 2, unobservedEligibleNodes: 1 });
  });

  it.each([
    { cluster: "ranged", offered: 32768, excluded: "40000-50000" },
    { cluster: "partly-observed", offered: 61000, excluded: "32768-60999" },
  ])(
    "$cluster: free ranges avoid the nodes' reported ip_local_port_range, or the guess where one is unknown",
    async ({ cluster, offered, excluded }) => {
      const answer = await h.query("capacity.freeRanges", {
        clusters: [cluster],
        width: 1,
        min: 32768,
        limit: 1,
      });
      if (!answer.ok) throw new Error(answer.error.message);
      expect(answer.data.ranges[0]?.from).toBe(offered);
      expect(answer.data.excludedRanges.map((r) => `${r.from}-${r.to}`)).toContain(excluded);
    },
  );
});
