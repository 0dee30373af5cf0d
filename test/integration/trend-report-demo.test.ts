/**
 * The trend report of the demo fleet (src/demo) over its 30 days: each event the generator put in that
 * leaves a mark on host ports, headroom or the clusters' pushes is in the report, at the event's instant.
 * Drains and the NotReady node change neither (they move no host port in the demo's stories).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoEvent, demoFleet } from "../../src/demo/fleet.js";
import type { Harness } from "../helpers/app.js";
import { seededDemo } from "../helpers/demo.js";
import type { OutputOf } from "../helpers/trpc-types.js";

const NOW = new Date("2026-11-30T12:00:00Z");
/** After every cluster's first push (heartbeats start up to 35 minutes into the history). */
const FROM = new Date(NOW.getTime() - 30 * 86_400_000 + 3_600_000).toISOString();

let h: Harness;
let events: DemoEvent[];
let report: OutputOf<"reports.trends">["report"];

beforeAll(async () => {
  ({ h } = await seededDemo(NOW));
  events = demoFleet({ now: NOW }).events;
  const answer = await h.query("reports.trends", { from: FROM, to: NOW.toISOString(), top: 50 });
  if (!answer.ok) throw new Error(answer.error.message);
  report = answer.data.report;
}, 180_000);
afterAll(() => h.close());

function event(cluster: string, kind: string): DemoEvent {
  const found = events.find((e) => e.cluster === cluster && e.kind === kind);
  if (!found) throw new Error(`no ${kind} event in ${cluster}`);
  return found;
}
const iso = (e: DemoEvent) => e.at.toISOString();

describe("the demo fleet's trend report", () => {
  it("covers every event kind the generator uses (a new kind needs an assertion here)", () => {
    expect([...new Set(events.map((e) => e.kind))].sort()).toEqual([
      "agent-silent",
      "conflict",
      "drain",
      "new-ingress-controller",
      "node-not-ready",
      "port-clash",
      "port-moved",
      "scale-up",
    ]);
  });

  it("port-clash: node-exporter's pods Pending on the Traefik nodes since the install, still pending", () => {
    const clash = event("stage-eu-1", "port-clash");
    const pending = report.conflicts.items.filter((c) => c.cluster === "stage-eu-1");
    expect(pending).toHaveLength(2);
    for (const c of pending)
      expect(c).toMatchObject({ since: iso(clash), until: null, ports: expect.stringContaining("9100/TCP") });
    expect(report.workloads.started.items).toContainEqual(
      expect.objectContaining({ cluster: "stage-eu-1", name: "prometheus-node-exporter", at: iso(clash) }),
    );
  });

  it("conflict: apm-collector Pending on 8126 for the hours until it moved to 8127", () => {
    const conflict = event("dev-eu-1", "conflict");
    const episode = report.conflicts.items.find(
      (c) => c.cluster === "dev-eu-1" && c.pod.startsWith("apm-collector"),
    );
    expect(episode).toMatchObject({ since: iso(conflict), ports: "8126/TCP" });
    expect(episode?.until).not.toBeNull();
    expect(episode?.seconds).toBeGreaterThan(3 * 3600);
    expect(episode?.seconds).toBeLessThan(4 * 3600);
    expect(report.ports.byCluster.appeared.items).toContainEqual(
      expect.objectContaining({ cluster: "dev-eu-1", hostPort: 8127, at: episode?.until }),
    );
  });

  it("port-moved: blackbox-exporter's 9101 vanished and 9102 appeared in dev-eu-1 at the move", () => {
    const moved = event("dev-eu-1", "port-moved");
    expect(report.ports.byCluster.vanished.items).toContainEqual({
      cluster: "dev-eu-1",
      hostPort: 9101,
      protocol: "TCP",
      at: iso(moved),
    });
    expect(report.ports.byCluster.appeared.items).toContainEqual({
      cluster: "dev-eu-1",
      hostPort: 9102,
      protocol: "TCP",
      at: iso(moved),
    });
  });

  it("new-ingress-controller: router-shard-b's ports appear fleet-wide; router-internal starts, its 4th replica Pending", () => {
    const shardB = event("prod-eu-1", "new-ingress-controller");
    for (const port of [10080, 10443, 11936])
      expect(report.ports.fleet.appeared.items).toContainEqual({
        hostPort: port,
        protocol: "TCP",
        at: iso(shardB),
      });
    expect(report.workloads.started.items).toContainEqual(
      expect.objectContaining({ cluster: "prod-eu-1", name: "router-shard-b", at: iso(shardB) }),
    );
    const internal = event("prod-us-1", "new-ingress-controller");
    expect(report.workloads.started.items).toContainEqual(
      expect.objectContaining({ cluster: "prod-us-1", name: "router-internal", at: iso(internal) }),
    );
    expect(report.conflicts.items).toContainEqual(
      expect.objectContaining({ cluster: "prod-us-1", since: iso(internal), until: null }),
    );
  });

  it("scale-up: router-default's headroom in prod-eu-1 bottoms out at 1 from the scale-up", () => {
    const scaleUp = event("prod-eu-1", "scale-up");
    expect(report.headroom.items).toContainEqual(
      expect.objectContaining({ cluster: "prod-eu-1", name: "router-default", lowest: 1, at: iso(scaleUp) }),
    );
  });

  it("agent-silent: edge-ap-1 is silent since the agent's last push", () => {
    const silent = event("edge-ap-1", "agent-silent");
    expect(report.clusters.silent.items).toEqual([{ name: "edge-ap-1", lastSeenAt: iso(silent) }]);
  });
});
