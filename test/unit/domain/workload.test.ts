import { describe, expect, it } from "vitest";
import { isBlockerOnly, workloadKey, workloadOfPod } from "../../../src/domain/workload.js";

const pod = (ownerKind: string | null, ownerName: string | null) => ({
  namespace: "ns",
  name: "pod-1",
  ownerKind,
  ownerName,
});

describe("workloads", () => {
  it.each([
    ["a Deployment's pod belongs to the Deployment", pod("Deployment", "web"), "ns/Deployment/web", false],
    ["a bare pod is its own workload", pod(null, null), "ns/Pod/pod-1", false],
    ["a StatefulSet moves like any replica", pod("StatefulSet", "db"), "ns/StatefulSet/db", false],
    ["a DaemonSet only blocks", pod("DaemonSet", "exporter"), "ns/DaemonSet/exporter", true],
    ["a static pod (owner Node) only blocks", pod("Node", "master-1"), "ns/Node/master-1", true],
  ])("%s", (_name, p, key, blockerOnly) => {
    const workload = workloadOfPod(p);
    expect(workloadKey(workload)).toBe(key);
    expect(isBlockerOnly(workload)).toBe(blockerOnly);
  });
});
