import { describe, expect, it } from "vitest";
import { parseSnapshot } from "../../../src/contract/snapshot.js";
import { demoFleet } from "../../../src/demo/fleet.js";

const NOW = new Date("2026-12-04T15:00:00Z");
const DAY = 86_400_000;
const fleet = demoFleet({ now: NOW });

describe("demoFleet", () => {
  it("gives the same pushes and events for the same seed", () => {
    expect(JSON.stringify(demoFleet({ now: NOW }))).toBe(JSON.stringify(fleet));
    expect(JSON.stringify(demoFleet({ now: NOW, seed: 7 }))).toBe(
      JSON.stringify(demoFleet({ now: NOW, seed: 7 })),
    );
  });

  it("names generated pods differently for another seed", () => {
    const names = (f: typeof fleet) => f.pushes.at(-1)?.snapshot.pods.map((p) => p.name);
    expect(names(demoFleet({ now: NOW, seed: 7 }))).not.toEqual(names(fleet));
  });

  it("pushes in chronological order, within the 30 days before now, each cluster strictly later than before", () => {
    const last = new Map<string, number>();
    let previous = 0;
    for (const push of fleet.pushes) {
      const t = push.at.getTime();
      expect(t).toBeGreaterThanOrEqual(previous);
      expect(t).toBeGreaterThanOrEqual(NOW.getTime() - 30 * DAY);
      expect(t).toBeLessThanOrEqual(NOW.getTime());
      expect(t).toBeGreaterThan(last.get(push.cluster) ?? 0);
      expect(push.snapshot.observedAt).toBe(push.at.toISOString());
      previous = t;
      last.set(push.cluster, t);
    }
  });

  it("keeps every snapshot within the contract", () => {
    for (const push of fleet.pushes) {
      const parsed = parseSnapshot(push.snapshot);
      expect(parsed.ok ? "ok" : `${push.cluster}: ${parsed.message}`).toBe("ok");
    }
  });

  it.each([
    ["prod-eu-1", "openshift", 17],
    ["prod-us-1", "openshift", 9],
    ["stage-eu-1", "kubernetes", 11],
    ["edge-ap-1", "k3s", 6],
    ["dev-eu-1", "kubernetes", 7],
  ])("has %s (%s) with %i nodes", (name, distribution, nodes) => {
    expect(fleet.clusters.find((c) => c.name === name)?.labels).toMatchObject({ distribution });
    const final = fleet.pushes.filter((p) => p.cluster === name).at(-1);
    expect(final?.snapshot.nodes).toHaveLength(nodes);
  });

  it("ends with a cordoned node, a NotReady node and control planes tainted", () => {
    const finalNodes = fleet.clusters.flatMap(
      (c) => fleet.pushes.filter((p) => p.cluster === c.name).at(-1)?.snapshot.nodes ?? [],
    );
    expect(finalNodes.filter((n) => n.unschedulable).map((n) => n.name)).toEqual(["stage-eu-1-worker-7"]);
    expect(finalNodes.filter((n) => !n.ready).map((n) => n.name)).toEqual(["prod-eu-1-worker-9"]);
    const tainted = finalNodes.filter((n) =>
      n.taints?.some((t) => t.key.startsWith("node-role.kubernetes.io/")),
    );
    expect(tainted.length).toBe(3 + 3 + 3 + 1);
  });

  it("stops the silent agent's pushes two days before now and keeps the others' until now", () => {
    const lastPush = (name: string) =>
      fleet.pushes
        .filter((p) => p.cluster === name)
        .at(-1)
        ?.at.getTime();
    expect(lastPush("edge-ap-1")).toBe(NOW.getTime() - 2 * DAY);
    for (const name of ["prod-eu-1", "prod-us-1", "stage-eu-1", "dev-eu-1"])
      expect(lastPush(name)).toBe(NOW.getTime());
  });

  it("tells each promised story once, before now", () => {
    const kinds = fleet.events.map((e) => e.kind);
    for (const kind of [
      "scale-up",
      "drain",
      "new-ingress-controller",
      "agent-silent",
      "port-moved",
      "conflict",
    ]) {
      expect(kinds).toContain(kind);
    }
    for (const event of fleet.events) expect(event.at.getTime()).toBeLessThan(NOW.getTime());
  });

  it.each([
    [
      "the router scale-up",
      "prod-eu-1",
      (p: Pods) => count(p, "router-default-") === 2,
      (p: Pods) => count(p, "router-default-") === 3,
    ],
    [
      "the new shard",
      "prod-eu-1",
      (p: Pods) => count(p, "router-shard-b-") === 0,
      (p: Pods) => count(p, "router-shard-b-") === 2,
    ],
    [
      "the moved port",
      "dev-eu-1",
      (p: Pods) => holds(p, "blackbox-exporter-", 9101),
      (p: Pods) => holds(p, "blackbox-exporter-", 9102),
    ],
  ])("shows %s in the pushes (before, then after)", (_story, cluster, before, after) => {
    const pushes = fleet.pushes.filter((p) => p.cluster === cluster);
    expect(before(pushes[0]?.snapshot.pods ?? [])).toBe(true);
    expect(after(pushes.at(-1)?.snapshot.pods ?? [])).toBe(true);
  });

  it("pushes far fewer times than once an hour (only changes and daily heartbeats)", () => {
    expect(fleet.pushes.length).toBeLessThan(5 * 45);
  });
});

type Pods = NonNullable<(typeof fleet.pushes)[number]["snapshot"]["pods"]>;
const count = (pods: Pods, prefix: string) => pods.filter((p) => p.name.startsWith(prefix)).length;
const holds = (pods: Pods, prefix: string, port: number) =>
  pods.some((p) => p.name.startsWith(prefix) && p.ports?.some((q) => q.hostPort === port));
