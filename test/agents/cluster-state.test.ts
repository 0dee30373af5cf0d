import { describe, expect, it } from "vitest";
import { collectNode, collectPod } from "../../agents/src/collect/canonical.js";
import { ClusterState } from "../../agents/src/run/cluster-state.js";
import { fixtureNodes, fixturePod } from "./helpers/fixtures.js";

const pod = (name = "node-exporter") => collectPod(fixturePod(name))!;
const node = () => collectNode(fixtureNodes()[0]!)!;

describe("the agent's cluster state", () => {
  it("counts a change only when a snapshot form changes", () => {
    let notified = 0;
    const state = new ClusterState(() => notified++);
    state.podSink.upsert("monitoring/a", pod());
    state.podSink.upsert("monitoring/a", pod()); // same form again (e.g. a status-only update)
    state.nodeSink.upsert("master-0", node());
    state.nodeSink.upsert("master-0", node());
    expect([state.version, notified]).toEqual([2, 2]);
    state.podSink.upsert("monitoring/a", pod("metallb-speaker"));
    expect(state.version).toBe(3);
  });

  it("ignores the removal of something it never kept", () => {
    const state = new ClusterState();
    state.podSink.upsert("shop/not-a-host-port-pod", null);
    expect(state.version).toBe(0);
    state.podSink.upsert("monitoring/a", pod());
    state.podSink.upsert("monitoring/a", null);
    expect([state.version, state.pods.size]).toEqual([2, 0]);
  });

  it("after a re-list holds exactly the listed items, and says whether anything differed", () => {
    const state = new ClusterState();
    state.podSink.replace(new Map([["monitoring/a", pod()]]));
    expect(state.version).toBe(1);
    state.podSink.replace(new Map([["monitoring/a", pod()]]));
    expect(state.version).toBe(1);
    state.podSink.replace(new Map([["monitoring/b", pod()]]));
    expect([state.version, [...state.pods.keys()]]).toEqual([2, ["monitoring/b"]]);
  });
});
