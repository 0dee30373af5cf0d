import { describe, expect, it } from "vitest";
import type { ObservedListener } from "../../../src/contract/listeners.js";
import {
  type HostNetworkBind,
  observedCells,
  observedPortSummaries,
} from "../../../src/domain/observed-ports.js";
import { OBSERVED_ONLY_HOST_IP, withObservedOnlyEntries } from "../../../src/domain/port-map.js";
import type { AllocationView } from "../../../src/domain/views.js";
import { tcpListener as tcp } from "../../fixtures/listeners.js";

const proc = (name: string) => ({ processes: [{ name }] });

const exporterOn = (node: string): AllocationView => ({
  node,
  namespace: "monitoring",
  pod: `node-exporter-${node}`,
  ownerKind: "DaemonSet",
  ownerName: "node-exporter",
  container: "main",
  protocol: "TCP",
  hostIP: "0.0.0.0",
  hostPort: 9100,
  hostNetwork: true,
});
const bind = (hostPort: number, hostIP = "0.0.0.0"): HostNetworkBind => ({
  protocol: "TCP",
  hostPort,
  hostIP,
});

describe("a grid cell's observed listeners", () => {
  it.each<[string, ObservedListener[], AllocationView[], HostNetworkBind[], boolean, boolean]>([
    [
      "the holder's own socket",
      [tcp(9100, "0.0.0.0", proc("node_exporter"))],
      [exporterOn("n1")],
      [bind(9100)],
      false,
      false,
    ],
    ["a host service on a port nobody holds", [tcp(22, "0.0.0.0", proc("sshd"))], [], [], true, false],
    [
      "a host service where a hostNetwork workload holds the port elsewhere",
      [tcp(9100, "0.0.0.0", proc("sshd"))],
      [],
      [bind(9100)],
      true,
      true,
    ],
    [
      "a loopback listener in the way of a wildcard bind",
      [tcp(29103, "127.0.0.1", proc("ovnkube"))],
      [],
      [bind(29103)],
      true,
      true,
    ],
    [
      "a loopback listener beside a bind of one node address",
      [tcp(29103, "127.0.0.1", proc("ovnkube"))],
      [],
      [bind(29103, "10.0.0.5")],
      true,
      false,
    ],
    [
      "a kernel socket of another protocol",
      [{ ...tcp(6081, "0.0.0.0"), protocol: "UDP" }],
      [],
      [bind(6081)],
      true,
      false,
    ],
  ])("%s", (_, listeners, allocations, binds, undeclared, willCrash) => {
    const [cell] = observedCells([{ node: "n1", attribution: "process", listeners }], allocations, binds);
    expect(cell).toMatchObject({ node: "n1", undeclared, willCrash });
  });

  it("makes one cell per node and port, with every listener of it", () => {
    const cells = observedCells(
      [
        {
          node: "n1",
          attribution: "process",
          listeners: [tcp(22, "0.0.0.0", proc("sshd")), tcp(22, "::", proc("sshd"))],
        },
        { node: "n2", attribution: "none", listeners: [tcp(22, "0.0.0.0")] },
      ],
      [],
      [],
    );
    expect(cells.map((c) => [c.node, c.hostPort, c.listeners.length])).toEqual([
      ["n1", 22, 2],
      ["n2", 22, 1],
    ]);
  });
});

describe("a port's observed summary", () => {
  it("counts nodes, names processes once and orders classes with the ones to look at first", () => {
    const cells = observedCells(
      [
        { node: "n1", attribution: "process", listeners: [tcp(9100, "0.0.0.0", proc("node_exporter"))] },
        { node: "n2", attribution: "process", listeners: [tcp(9100, "0.0.0.0", proc("sshd"))] },
        { node: "n3", attribution: "none", listeners: [tcp(9100, "127.0.0.1")] },
      ],
      [exporterOn("n1")],
      [bind(9100)],
    );
    expect(observedPortSummaries(cells).get("9100/TCP")).toEqual({
      protocol: "TCP",
      hostPort: 9100,
      nodes: 3,
      processes: ["node_exporter", "sshd"],
      classes: ["host-service", "unknown", "declared"],
      loopbackOnly: false,
      willCrashNodes: 2,
    });
  });

  it("says a port only loopback listeners hold", () => {
    const cells = observedCells(
      [{ node: "n1", attribution: "process", listeners: [tcp(29103, "127.0.0.1", proc("ovnkube"))] }],
      [],
      [],
    );
    expect(observedPortSummaries(cells).get("29103/TCP")?.loopbackOnly).toBe(true);
  });
});

describe("observed-only rows of a map page", () => {
  const held = {
    protocol: "TCP",
    hostPort: 9100,
    hostIP: "0.0.0.0",
    workloads: [],
    workloadCount: 1,
    heldCount: 2,
    nodes: ["n1", "n2"],
    eligibleNodes: 3,
    freeCount: 1,
    freeNodes: ["n3"],
  };
  it("puts an observed-only entry where the page has a key no allocation builds, in key order", () => {
    const rows = withObservedOnlyEntries(
      [held],
      [
        { protocol: "TCP", hostPort: 22, hostIP: OBSERVED_ONLY_HOST_IP },
        { protocol: "TCP", hostPort: 9100, hostIP: "0.0.0.0" },
      ],
    );
    expect(rows.map((r) => [r.hostPort, r.observedOnly, r.heldCount])).toEqual([
      [22, true, 0],
      [9100, false, 2],
    ]);
  });

  it("leaves out a held key the facts no longer build rather than call it observed only", () => {
    expect(withObservedOnlyEntries([], [{ protocol: "TCP", hostPort: 80, hostIP: "0.0.0.0" }])).toEqual([]);
  });
});
