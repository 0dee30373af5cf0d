/**
 * The listener figures /metrics reads (src/domain/listener-tally.ts), and the stored columns read back
 * as the contract's listener (listenerOfStored), which every listener read shares.
 */
import { describe, expect, it } from "vitest";
import type { AttributionTier, NodeListeners, ObservedListener } from "../../../src/contract/listeners.js";
import { reportsOf } from "../../../src/domain/fact-state.js";
import type { AllocationFact } from "../../../src/domain/history.js";
import { listenerTally } from "../../../src/domain/listener-tally.js";
import {
  listenerOfStored,
  nodeListenerFacts,
  nodePortRangeFact,
} from "../../../src/domain/node-listeners.js";
import { tcpListener } from "../../fixtures/listeners.js";

const sshd = tcpListener(22, "0.0.0.0", { processes: [{ name: "sshd", pid: 812 }] });
const exporter = tcpListener(9100, "0.0.0.0", { processes: [{ name: "node_exporter" }] });
const router = tcpListener(443, "0.0.0.0", {
  processes: [{ name: "haproxy" }],
  pod: { namespace: "openshift-ingress", name: "router-0" },
});
const kernel: ObservedListener = { ...tcpListener(6081, "0.0.0.0"), protocol: "UDP" };

const declares = (node: string, pod: string, port: number, hostNetwork = true): AllocationFact => ({
  fp: `${node}/${pod}/${port}`,
  node,
  namespace: pod === "router-0" ? "openshift-ingress" : "monitoring",
  pod,
  ownerKind: "DaemonSet",
  ownerName: pod,
  container: "main",
  containerPort: port,
  protocol: "TCP",
  hostIP: "0.0.0.0",
  hostPort: port,
  hostNetwork,
});

const report = (node: string, listeners: ObservedListener[], attribution: AttributionTier = "process") =>
  ({ node, attribution, listeners }) satisfies NodeListeners;

function tally(reports: NodeListeners[], allocations: AllocationFact[]) {
  const facts = {
    nodeListeners: reports.flatMap(nodeListenerFacts),
    nodePortRanges: reports.map(nodePortRangeFact),
  };
  return listenerTally(reportsOf(facts).values(), allocations);
}

describe("the listener tally", () => {
  it.each([
    ["no report: nothing observed", [], [], { observedNodes: 0, undeclaredListeners: 0 }],
    [
      "an observed node listening on nothing",
      [report("n0", [])],
      [],
      { observedNodes: 1, undeclaredListeners: 0 },
    ],
    ["a host service", [report("n0", [sshd])], [], { observedNodes: 1, undeclaredListeners: 1 }],
    [
      "a socket a hostNetwork pod on its node declares",
      [report("n0", [exporter])],
      [declares("n0", "exporter-n0", 9100)],
      { observedNodes: 1, undeclaredListeners: 0 },
    ],
    [
      "a declaration on another node explains nothing",
      [report("n0", [exporter])],
      [declares("n1", "exporter-n1", 9100)],
      { observedNodes: 1, undeclaredListeners: 1 },
    ],
    [
      "an ordinary pod's hostPort is a CNI mapping, not the socket",
      [report("n0", [exporter])],
      [declares("n0", "exporter-n0", 9100, false)],
      { observedNodes: 1, undeclaredListeners: 1 },
    ],
    [
      "a socket of a pod that does not declare it",
      [report("n0", [router], "pod")],
      [declares("n0", "exporter-n0", 443)],
      { observedNodes: 1, undeclaredListeners: 1 },
    ],
    [
      "its own pod's declared socket",
      [report("n0", [router], "pod")],
      [declares("n0", "router-0", 443)],
      { observedNodes: 1, undeclaredListeners: 0 },
    ],
    [
      "a kernel socket without attribution",
      [report("n0", [kernel], "none"), report("n1", [])],
      [],
      { observedNodes: 2, undeclaredListeners: 1 },
    ],
  ] as const)("counts %s", (_what, reports, allocations, expected) => {
    expect(tally([...reports], [...allocations])).toEqual(expected);
  });
});

describe("a stored listener read back", () => {
  it.each([
    ["a host service", sshd],
    [
      "a dual-stack wildcard",
      tcpListener(10250, "::", { dualStack: true, processes: [{ name: "kubelet" }] }),
    ],
    ["an IPv6-only wildcard", tcpListener(80, "::", { dualStack: false })],
    ["a device-bound socket", tcpListener(67, "0.0.0.0", { interface: "enp1s0" })],
    ["an attributed pod and container", { ...router, pod: { namespace: "ns", name: "p", container: "c" } }],
    ["a v4-mapped loopback", tcpListener(29103, "127.0.0.1", { family: 6 })],
  ] as const)("is the listener that was stored: %s", (_what, listener) => {
    const [fact] = nodeListenerFacts(report("n0", [listener]));
    if (!fact) throw new Error("no fact");
    expect(listenerOfStored(fact)).toEqual(listener);
  });
});
