import { describe, expect, it } from "vitest";
import { parseSnapshot, type SnapshotInput } from "../../../src/contract/snapshot.js";

const base = (): SnapshotInput => ({
  schemaVersion: 1,
  cluster: "prod-eu-1",
  observedAt: "2026-11-27T10:00:00Z",
  nodes: [{ name: "worker-1", ready: true }],
  pods: [
    {
      namespace: "kube-system",
      name: "node-local-dns-x",
      node: "worker-1",
      phase: "Running",
      hostNetwork: true,
      ports: [
        {
          container: "node-cache",
          containerPort: 53,
          hostPort: 53,
          hostIP: "169.254.20.10",
          protocol: "UDP",
        },
      ],
    },
  ],
});

describe("snapshot contract v1", () => {
  it.each([
    ["empty hostIP becomes 0.0.0.0", { hostIP: "" }, { hostIP: "0.0.0.0" }],
    ["missing hostIP becomes 0.0.0.0", { hostIP: undefined }, { hostIP: "0.0.0.0" }],
    ["empty protocol becomes TCP", { protocol: "" }, { protocol: "TCP" }],
    ["missing protocol becomes TCP", { protocol: undefined }, { protocol: "TCP" }],
    ["a specific IPv4 stays", { hostIP: "10.0.0.1" }, { hostIP: "10.0.0.1" }],
    ["'::' stays as it is (not a wildcard)", { hostIP: "::" }, { hostIP: "::" }],
    ["SCTP is accepted", { protocol: "SCTP" }, { protocol: "SCTP" }],
  ])("normalises: %s", (_name, change, expected) => {
    const input = base();
    Object.assign(input.pods[0]!.ports![0]!, change);
    const parsed = parseSnapshot(input);
    expect(parsed.ok && parsed.snapshot.pods[0]?.ports[0]).toMatchObject(expected);
  });

  it("fills defaults for omitted optional fields", () => {
    const parsed = parseSnapshot(base());
    expect(parsed.ok && parsed.snapshot.nodes[0]).toEqual({
      name: "worker-1",
      ready: true,
      labels: {},
      unschedulable: false,
      taints: [],
      addresses: [],
    });
    expect(parsed.ok && parsed.snapshot.pods[0]).toMatchObject({
      owner: null,
      nodeSelector: {},
      tolerations: [],
      scheduling: null,
    });
  });

  it.each([
    [
      "hostPort 0",
      (s: SnapshotInput) => Object.assign(s.pods[0]!.ports![0]!, { hostPort: 0 }),
      "PORT_OUT_OF_RANGE",
    ],
    [
      "hostPort 65536",
      (s: SnapshotInput) => Object.assign(s.pods[0]!.ports![0]!, { hostPort: 65536 }),
      "PORT_OUT_OF_RANGE",
    ],
    [
      "containerPort -1",
      (s: SnapshotInput) => Object.assign(s.pods[0]!.ports![0]!, { containerPort: -1 }),
      "PORT_OUT_OF_RANGE",
    ],
    [
      "protocol icmp",
      (s: SnapshotInput) => Object.assign(s.pods[0]!.ports![0]!, { protocol: "ICMP" }),
      "UNKNOWN_PROTOCOL",
    ],
    [
      "hostIP not an address",
      (s: SnapshotInput) => Object.assign(s.pods[0]!.ports![0]!, { hostIP: "host" }),
      "INVALID_SNAPSHOT",
    ],
    [
      "duplicate node",
      (s: SnapshotInput) => s.nodes.push({ name: "worker-1", ready: false }),
      "DUPLICATE_NODE",
    ],
    ["duplicate pod", (s: SnapshotInput) => s.pods.push({ ...s.pods[0]! }), "DUPLICATE_POD"],
    [
      "pod on unknown node",
      (s: SnapshotInput) => Object.assign(s.pods[0]!, { node: "worker-2" }),
      "UNKNOWN_NODE",
    ],
    [
      "Succeeded phase",
      (s: SnapshotInput) => Object.assign(s.pods[0]!, { phase: "Succeeded" }),
      "INVALID_SNAPSHOT",
    ],
    [
      "cluster name with capitals",
      (s: SnapshotInput) => Object.assign(s, { cluster: "Prod" }),
      "INVALID_SNAPSHOT",
    ],
  ])("rejects %s with %s", (_name, mutate, code) => {
    const input = base();
    mutate(input);
    const parsed = parseSnapshot(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.code).toBe(code);
      expect(parsed.issues.length).toBeGreaterThan(0);
    }
  });

  it("accepts a pending pod with no node", () => {
    const input = base();
    Object.assign(input.pods[0]!, { node: null, phase: "Pending" });
    expect(parseSnapshot(input).ok).toBe(true);
  });
});
