import { describe, expect, it } from "vitest";
import {
  type PodSpecFields,
  podSpecHostPorts,
  podSpecRequiredAffinity,
  podSpecTolerations,
} from "../../../src/contract/pod-spec-ports.js";

/** [container, hostPort, protocol, hostIP] per port the scheduler counts */
const held = (spec: PodSpecFields | undefined) =>
  podSpecHostPorts(spec).map((p) => [p.container, p.hostPort, p.protocol, p.hostIP]);

describe("a pod spec's host ports (the agent's and plan fit -f's rule)", () => {
  it.each<[string, PodSpecFields | undefined, (string | number)[][]]>([
    ["no spec", undefined, []],
    [
      "only declared hostPorts, with TCP and 0.0.0.0 by default",
      { containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 9 }] }] },
      [["c", 8080, "TCP", "0.0.0.0"]],
    ],
    [
      "hostNetwork: every containerPort is a host port",
      { hostNetwork: true, containers: [{ name: "c", ports: [{ containerPort: 9100, protocol: "UDP" }] }] },
      [["c", 9100, "UDP", "0.0.0.0"]],
    ],
    [
      "hostNetwork: a declared hostPort wins",
      { hostNetwork: true, containers: [{ name: "c", ports: [{ containerPort: 1, hostPort: 2 }] }] },
      [["c", 2, "TCP", "0.0.0.0"]],
    ],
    [
      "a sidecar init container counts, before the containers; a plain one does not",
      {
        initContainers: [
          { name: "init", ports: [{ containerPort: 1, hostPort: 7000 }] },
          { name: "sidecar", restartPolicy: "Always", ports: [{ containerPort: 1, hostPort: 15001 }] },
        ],
        containers: [{ name: "c", ports: [{ containerPort: 1, hostPort: 80, hostIP: "10.0.0.1" }] }],
      },
      [
        ["sidecar", 15001, "TCP", "0.0.0.0"],
        ["c", 80, "TCP", "10.0.0.1"],
      ],
    ],
    [
      "a duplicate declaration counts once",
      {
        containers: [
          {
            name: "c",
            ports: [
              { containerPort: 1, hostPort: 80 },
              { containerPort: 2, hostPort: 80 },
            ],
          },
        ],
      },
      [["c", 80, "TCP", "0.0.0.0"]],
    ],
  ])("%s", (_name, spec, expected) => {
    expect(held(spec)).toEqual(expected);
  });

  it("copies tolerations and required node affinity as the contract has them", () => {
    const spec: PodSpecFields = {
      tolerations: [
        { key: "k", operator: "Equal", value: "v", effect: "NoSchedule", tolerationSeconds: null },
      ],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }],
          },
        },
      },
    };
    expect(podSpecTolerations(spec)).toEqual([
      { key: "k", operator: "Equal", value: "v", effect: "NoSchedule" },
    ]);
    expect(podSpecRequiredAffinity(spec)).toEqual({
      nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }],
    });
    expect(podSpecRequiredAffinity({})).toBeNull();
  });
});
