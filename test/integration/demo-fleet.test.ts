/** The demo fleet seeded through the real app: every push accepted, each promised feature visible. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFleet, HTML_PROBE } from "../../src/demo/fleet.js";
import { type FetchTarget, liveAgents, type SeedResult, seedDemo } from "../../src/demo/seed.js";
import type { Harness } from "../helpers/app.js";
import { seededDemo } from "../helpers/demo.js";

const NOW = new Date("2026-11-30T12:00:00Z");
let h: Harness;
let target: FetchTarget;
let first: SeedResult;

beforeAll(async () => {
  ({ h, target, seeded: first } = await seededDemo(NOW));
}, 120_000);
afterAll(() => h.close());

const read = () => first.readToken;

describe("the seeded demo fleet", () => {
  it("accepts every push and keeps them all", async () => {
    const fleet = demoFleet({ now: NOW });
    const listed = await h.query("clusters.list", {}, read());
    if (!listed.ok) throw new Error(listed.error.message);
    expect(listed.data.clusters.map((c) => c.name).sort()).toEqual(fleet.clusters.map((c) => c.name).sort());
    const metrics = await (
      await h.app.request("/metrics", { headers: { authorization: `Bearer ${read()}` } })
    ).text();
    for (const cluster of fleet.clusters) {
      const pushed = fleet.pushes.filter((p) => p.cluster === cluster.name).length;
      expect(metrics).toContain(`portolan_ingest_snapshots_total{cluster="${cluster.name}"} ${pushed}`);
    }
  });

  it("labels each cluster with env, region and distribution", async () => {
    const listed = await h.query("clusters.list", {}, read());
    if (!listed.ok) throw new Error(listed.error.message);
    const byName = new Map(listed.data.clusters.map((c) => [c.name, c.labels]));
    expect(byName.get("prod-eu-1")).toMatchObject({ env: "prod", distribution: "openshift" });
    expect(byName.get("edge-ap-1")).toMatchObject({ distribution: "k3s" });
    expect(byName.get("stage-eu-1")).toMatchObject({ env: "stage", distribution: "kubernetes" });
  });

  it("finds node-exporter on 9100 in several clusters, and Traefik beside it", async () => {
    const who = await h.query("ports.who", { hostPort: 9100 }, read());
    if (!who.ok) throw new Error(who.error.message);
    const clusters = new Set(who.data.allocations.map((a) => a.cluster));
    expect(clusters.size).toBeGreaterThanOrEqual(4);
    const stage = who.data.allocations.filter((a) => a.cluster === "stage-eu-1");
    expect(new Set(stage.map((a) => a.owner?.name))).toEqual(
      new Set(["prometheus-node-exporter", "traefik"]),
    );
  });

  it("lists the router blocked on host ports among the conflicts", async () => {
    const conflicts = await h.query("conflicts.list", {}, read());
    if (!conflicts.ok) throw new Error(conflicts.error.message);
    const router = conflicts.data.items.find((i) => i.cluster === "prod-us-1");
    expect(router).toMatchObject({ namespace: "openshift-ingress", blockedNodes: 6, freeNodes: 0 });
    expect(router?.pod).toMatch(/^router-internal-/);
  });

  it("has a workload with no headroom and one with little", async () => {
    const headroom = await h.query("capacity.headroom", {}, read());
    if (!headroom.ok) throw new Error(headroom.error.message);
    const status = (cluster: string, name: string) =>
      headroom.data.workloads.find((w) => w.cluster === cluster && w.name === name)?.status;
    expect(status("prod-us-1", "router-internal")).toBe("none");
    expect(status("prod-eu-1", "router-default")).toBe("low");
  });

  it("names stage-eu-1's Traefik and node-exporter clash on 9100 as a shared set and advises new ports for Traefik, not fewer replicas", async () => {
    const headroom = await h.query("capacity.headroom", { clusters: ["stage-eu-1"] }, read());
    if (!headroom.ok) throw new Error(headroom.error.message);
    const set = headroom.data.sharedPortSets.find((s) => s.workloads.some((w) => w.name === "traefik"));
    expect(set?.summary).toMatch(
      /^DaemonSet prometheus-node-exporter and Deployment traefik compete for 9100 on the same \d+ nodes$/,
    );
    expect(set?.move).toMatchObject({ kind: "Deployment", name: "traefik" });
    const traefik = headroom.data.workloads.find((w) => w.name === "traefik");
    expect(traefik?.rollout.fixes.join("; ")).not.toMatch(/lower replicas/);
  });

  it("names prod-us-1's shared port set and advises moving one IngressController, not scaling both down", async () => {
    const headroom = await h.query("capacity.headroom", { clusters: ["prod-us-1"] }, read());
    if (!headroom.ok) throw new Error(headroom.error.message);
    expect(headroom.data.sharedPortSets.map((s) => s.summary)).toEqual([
      "default and internal compete for 80/443/1936 on the same 6 nodes",
    ]);
    expect(headroom.data.sharedPortSets[0]?.advice[0]).toBe(
      "move internal to a free port set: portolan plan ingresscontroller internal --move --cluster prod-us-1 --replicas 4 --node-selector node-role.kubernetes.io/worker= -o yaml | oc apply -f -",
    );
    for (const w of headroom.data.workloads) {
      expect(w.patch, w.name).toBeNull();
      expect(w.rollout.fixes.join("; "), w.name).not.toMatch(/lower replicas/);
    }
    const moved = await h.query(
      "capacity.planIngressController",
      {
        name: "internal",
        clusters: ["prod-us-1"],
        replicas: 4,
        move: true,
        nodeSelector: { "node-role.kubernetes.io/worker": "" },
      },
      read(),
    );
    if (!moved.ok) throw new Error(moved.error.message);
    expect(moved.data.move).toBe(true);
    expect(moved.data.manifest).not.toBeNull();
    expect(moved.data.choice?.httpPort).not.toBe(80);
  });

  it("reports a DaemonSet manifest with a host port and maxSurge 1 as a rollout that will not complete", async () => {
    const manifest = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: log-relay, namespace: logging}
spec:
  selector: {matchLabels: {app: log-relay}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: log-relay}}
    spec:
      containers: [{name: relay, image: fluent/fluent-bit:3.1, ports: [{containerPort: 24231, hostPort: 24231}]}]
`;
    const answer = await h.mutate("capacity.checkManifest", { manifest, clusters: ["prod-eu-1"] }, read());
    if (!answer.ok) throw new Error(answer.error.message);
    expect(answer.data).toMatchObject({ fits: true, rolloutsComplete: false, passes: false });
    expect(answer.data.workloads[0]?.clusters[0]?.rollout.fixes).toEqual([
      "set maxSurge: 0 and maxUnavailable: 1",
    ]);
  });

  it("shows the silent agent's cluster stale and the others fresh", async () => {
    const listed = await h.query("clusters.list", {}, read());
    if (!listed.ok) throw new Error(listed.error.message);
    const stale = listed.data.clusters.filter((c) => c.stale).map((c) => c.name);
    expect(stale).toEqual(["edge-ap-1"]);
  });

  it("leads what needs attention with the node-exporter clash on 9100, DaemonSet pods counted as pending", async () => {
    const attention = await h.query("clusters.attention", { top: 3 }, read());
    if (!attention.ok) throw new Error(attention.error.message);
    expect(attention.data.items[0]).toMatchObject({
      kind: "conflict",
      cluster: "stage-eu-1",
      ownerKind: "DaemonSet",
      ownerName: "prometheus-node-exporter",
      pods: 2,
      ports: [{ hostPort: 9100, protocol: "TCP" }],
    });
    expect(attention.data.items).toHaveLength(3);
    expect(attention.data.more).toBe(attention.data.total - 3);
    expect(attention.data.items.map((i) => i.kind)).toContain("conflict");
    const listed = await h.query("clusters.list", {}, read());
    if (!listed.ok) throw new Error(listed.error.message);
    const stage = listed.data.clusters.find((c) => c.name === "stage-eu-1");
    expect(stage?.pending).toBeGreaterThanOrEqual(2);
  });

  it("opens the overview on what needs attention, the 9100 clash first, each item linking to its view", async () => {
    const res = await h.app.request("/", { headers: { cookie: `portolan_token=${read()}` } });
    const html = await res.text();
    const start = html.indexOf('id="attention-heading"');
    expect(start).toBeGreaterThan(-1);
    expect(start).toBeLessThan(html.indexOf('id="fleet-heading"'));
    const first = /<li[^>]*>([\s\S]*?)<\/li>/.exec(html.slice(start))?.[1] ?? "";
    expect(first).toContain(
      "DaemonSet monitoring/prometheus-node-exporter in stage-eu-1 Pending on 9100/TCP",
    );
    expect(first).toContain('href="/clusters/stage-eu-1#conflicts-heading"');
    expect(first).toContain('href="/ports?port=9100&amp;protocol=TCP"');
    // the overview's pod count is clusters.list's (and `portolan clusters list`'s)
    const listed = await h.query("clusters.list", {}, read());
    if (!listed.ok) throw new Error(listed.error.message);
    const stage = listed.data.clusters.find((c) => c.name === "stage-eu-1");
    const cells = />stage-eu-1<\/a>[\s\S]*?<td class="num">(\d+)<\/td><td class="num">(\d+)<\/td>/.exec(html);
    expect(cells?.[2]).toBe(String(stage?.pods));
  });

  it("shows each cluster's last push at or before the overview's instant, not today's", async () => {
    const asOf = new Date(NOW.getTime() - 10 * 86_400_000);
    const res = await h.app.request(`/?asOf=${encodeURIComponent(asOf.toISOString())}`, {
      headers: { cookie: `portolan_token=${read()}` },
    });
    const html = await res.text();
    expect(html).not.toContain('id="attention-heading"');
    const observed = [...html.matchAll(/<td><time datetime="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(observed).toHaveLength(5);
    for (const at of observed) expect(new Date(at).getTime()).toBeLessThanOrEqual(asOf.getTime());
  });

  it("lists the stale cluster among what needs attention", async () => {
    const attention = await h.query("clusters.attention", { top: 50 }, read());
    if (!attention.ok) throw new Error(attention.error.message);
    expect(attention.data.items.find((i) => i.kind === "no-headroom")).toEqual({
      kind: "no-headroom",
      cluster: "dev-eu-1",
      namespace: "xss-probe",
      ownerKind: "Deployment",
      ownerName: expect.any(String),
      headroom: 0,
      pending: 1,
    });
    expect(attention.data.items.filter((i) => i.kind === "stale").map((i) => i.cluster)).toEqual([
      "edge-ap-1",
    ]);
  });

  it("shows the fleet as of an instant: the last push observed by then, stale judged then", async () => {
    const at = async (asOf: Date) => {
      const listed = await h.query("clusters.list", { asOf: asOf.toISOString() }, read());
      if (!listed.ok) throw new Error(listed.error.message);
      return new Map(listed.data.clusters.map((c) => [c.name, c]));
    };
    const tenDaysAgo = new Date(NOW.getTime() - 10 * 86_400_000);
    const then = await at(tenDaysAgo);
    for (const c of then.values()) {
      expect(new Date(c.lastObservedAt ?? "").getTime(), c.name).toBeLessThanOrEqual(tenDaysAgo.getTime());
      // each push arrived at its observedAt (the demo's replay): no skew
      expect(c.clockSkewSeconds, c.name).toBe(0);
    }
    // The silent agent was pushing ten days ago: judged then, its cluster is fresh just after a push.
    const last = new Date(then.get("edge-ap-1")?.lastObservedAt ?? "");
    expect((await at(new Date(last.getTime() + 30_000))).get("edge-ap-1")?.stale).toBe(false);
    expect((await at(new Date(last.getTime() + 86_400_000 - 1))).get("edge-ap-1")?.stale).toBe(true);
  });

  it("carries the HTML probe in a node address and a scheduler message", async () => {
    const node = await h.query("ports.node", { cluster: "dev-eu-1", node: "dev-eu-1-worker-5" }, read());
    expect(JSON.stringify(node)).toContain(HTML_PROBE);
    const conflicts = await h.query("conflicts.list", { clusters: ["dev-eu-1"] }, read());
    expect(JSON.stringify(conflicts)).toContain(HTML_PROBE);
  });

  it("lands the history at the stories' instants", async () => {
    const at = (kind: string, minutes: number) => {
      const event = first.events.find((e) => e.kind === kind && e.cluster === "prod-eu-1");
      if (!event) throw new Error(`no ${kind} event`);
      return new Date(event.at.getTime() + minutes * 60_000).toISOString();
    };
    const replicas = async (asOf: string) => {
      const answer = await h.query("capacity.headroom", { clusters: ["prod-eu-1"], asOf }, read());
      if (!answer.ok) throw new Error(answer.error.message);
      return answer.data.workloads.find((w) => w.name === "router-default")?.replicas;
    };
    expect([await replicas(at("scale-up", -1)), await replicas(at("scale-up", 1))]).toEqual([2, 3]);
    const shardB = async (asOf: string) => {
      const answer = await h.query("ports.who", { hostPort: 10080, clusters: ["prod-eu-1"], asOf }, read());
      if (!answer.ok) throw new Error(answer.error.message);
      return answer.data.allocations.length;
    };
    expect([
      await shardB(at("new-ingress-controller", -1)),
      await shardB(at("new-ingress-controller", 1)),
    ]).toEqual([0, 2]);
  });

  it("reuses the seeded fleet on a second run", async () => {
    const again = await seedDemo(target, { adminToken: h.adminToken, now: new Date(NOW.getTime() + 60_000) });
    expect(again.reused).toBe(true);
    expect(again.events).toEqual(first.events);
    const listed = await h.query("clusters.list", {}, again.readToken);
    expect(listed.ok && listed.data.clusters.length).toBe(5);
  });

  it("keeps the live agents pushing after the seed, and not the silent one", async () => {
    const beat = new Date(NOW.getTime() + 60_000);
    const agents = await liveAgents(target, { adminToken: h.adminToken, clock: () => beat });
    expect(agents.clusters).not.toContain("edge-ap-1");
    await agents.heartbeat();
    const listed = await h.query("clusters.list", {}, read());
    if (!listed.ok) throw new Error(listed.error.message);
    const observed = Object.fromEntries(listed.data.clusters.map((c) => [c.name, c.lastObservedAt]));
    for (const name of agents.clusters) expect(observed[name]).toBe(beat.toISOString());
    expect(observed["edge-ap-1"]).toBe(new Date(NOW.getTime() - 2 * 86_400_000).toISOString());
  });
});
