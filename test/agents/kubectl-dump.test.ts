import { describe, expect, it } from "vitest";
import { DumpError, mergeKubeObjects, readKubeObjects } from "../../agents/src/collect/kubectl-dump.js";
import { fixtureIngressControllers, fixtureNodes, fixturePod } from "./helpers/fixtures.js";

describe("reading kubectl JSON dumps", () => {
  it("reads `kubectl get pods -A -o json` (a List whose items carry their kind)", () => {
    const dump = {
      apiVersion: "v1",
      kind: "List",
      metadata: { resourceVersion: "" },
      items: [fixturePod("kube-proxy")],
    };
    const objects = readKubeObjects(dump, "pods.json");
    expect(objects.pods).toHaveLength(1);
    expect(objects.nodes).toHaveLength(0);
  });

  it("reads a PodList or NodeList as the API serves it (items without kind)", () => {
    const pod = fixturePod("kube-proxy");
    delete pod.kind;
    const node = fixtureNodes()[0];
    delete node?.kind;
    expect(readKubeObjects({ kind: "PodList", apiVersion: "v1", items: [pod] }, "p").pods).toHaveLength(1);
    expect(readKubeObjects({ kind: "NodeList", apiVersion: "v1", items: [node] }, "n").nodes).toHaveLength(1);
  });

  it("reads one combined `kubectl get nodes,pods -A -o json` and names the kinds it ignores", () => {
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kubernetes", namespace: "default" },
    };
    const dump = {
      kind: "List",
      apiVersion: "v1",
      items: [...fixtureNodes(), fixturePod("kube-proxy"), service],
    };
    const objects = readKubeObjects(dump, "all.json");
    expect(objects.nodes).toHaveLength(6);
    expect(objects.pods).toHaveLength(1);
    expect(objects.ignoredKinds).toEqual(["Service"]);
  });

  it("reads `oc get ingresscontrollers -A -o json`, and only OpenShift's IngressController kind", () => {
    const contour = {
      apiVersion: "projectcontour.io/v1alpha1",
      kind: "IngressController",
      metadata: { name: "x" },
    };
    const objects = readKubeObjects(
      { kind: "List", items: [...fixtureIngressControllers(), contour] },
      "ic.json",
    );
    expect(objects.ingressControllers.map((ic) => ic.metadata?.name)).toEqual([
      "default",
      "internal-apps",
      "partner-lb",
    ]);
    expect(objects.hasIngressControllerList).toBe(true);
    expect(objects.ignoredKinds).toEqual(["IngressController"]);
  });

  it("knows an empty IngressControllerList as one, and a dump without any as none", () => {
    const empty = readKubeObjects({ kind: "IngressControllerList", items: [] }, "ic.json");
    expect([empty.hasIngressControllerList, empty.emptyLists]).toEqual([true, []]);
    expect(readKubeObjects({ kind: "List", items: fixtureNodes() }, "n").hasIngressControllerList).toBe(
      false,
    );
  });

  it("reads a single object", () => {
    expect(readKubeObjects(fixturePod("kube-proxy"), "pod.json").pods).toHaveLength(1);
  });

  it("merges several files", () => {
    const merged = mergeKubeObjects([
      readKubeObjects({ kind: "List", items: fixtureNodes() }, "nodes.json"),
      readKubeObjects({ kind: "List", items: [fixturePod("kube-proxy"), { kind: "Secret" }] }, "pods.json"),
      readKubeObjects({ kind: "List", items: [{ kind: "Secret" }] }, "more.json"),
    ]);
    expect([merged.nodes.length, merged.pods.length, merged.ignoredKinds]).toEqual([6, 1, ["Secret"]]);
  });

  it.each([
    ["an array", [1, 2]],
    ["a string", "nodes"],
    ["an object with neither items nor kind", { apiVersion: "v1" }],
  ])("refuses %s with the file's name", (_what, document) => {
    expect(() => readKubeObjects(document, "broken.json")).toThrow(DumpError);
    expect(() => readKubeObjects(document, "broken.json")).toThrow(/broken\.json/);
  });
});
