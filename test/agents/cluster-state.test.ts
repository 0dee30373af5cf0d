import { describe, expect, it } from "vitest";
import { collectNode, collectPod } from "../../agents/src/collect/canonical.js";
import { toSnapshotIngressController } from "../../agents/src/collect/ingress-controller.js";
import { ClusterState } from "../../agents/src/run/cluster-state.js";
import { fixtureIngressController, fixtureNodes, fixturePod } from "./helpers/fixtures.js";

const pod = (name = "node-exporter") => collectPod(fixturePod(name))!;
const node = () => collectNode(fixtureNodes()[0]!)!;
const controller = (name = "default") => toSnapshotIngressController(fixtureIngressController(name))!;

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

  it("knows no IngressControllers until they are listed, and an empty first list is no change", () => {
    const state = new ClusterState();
    expect(state.ingressControllers).toBeUndefined();
    state.ingressControllerSink.replace(new Map());
    expect([state.version, state.ingressControllers?.size]).toEqual([0, 0]);
    state.ingressControllerSink.upsert("openshift-ingress-operator/default", controller());
    state.ingressControllerSink.upsert("openshift-ingress-operator/default", controller());
    expect(state.version).toBe(1);
  });

  it("counts a first list with IngressControllers as a change", () => {
    const state = new ClusterState();
    state.ingressControllerSink.replace(new Map([["openshift-ingress-operator/default", controller()]]));
    expect([state.version, [...(state.ingressControllers?.keys() ?? [])]]).toEqual([
      1,
      ["openshift-ingress-operator/default"],
    ]);
  });
});
