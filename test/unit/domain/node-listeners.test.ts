import { describe, expect, it } from "vitest";
import type { NodeListeners } from "../../../src/contract/listeners.js";
import { applyFactDelta, factStateOf } from "../../../src/domain/fact-state.js";
import type { SnapshotFacts } from "../../../src/domain/history.js";
import { nodeListenerFacts, nodePortRangeFact } from "../../../src/domain/node-listeners.js";
import { tcpListener } from "../../fixtures/listeners.js";

const report = (node: string, listeners: NodeListeners["listeners"], extra: Partial<NodeListeners> = {}) => ({
  node,
  attribution: "process" as const,
  listeners,
  ...extra,
});

describe("nodeListenerFacts", () => {
  it.each([
    {
      what: "an unbound IPv4 wildcard: no interface is '', dual-stack unknown is null, no pod",
      listener: tcpListener(22, "0.0.0.0", { processes: [{ name: "sshd", pid: 1 }] }),
      expected: { interface: "", dualStack: null, podNamespace: null, podName: null, podContainer: null },
    },
    {
      what: "a device-bound dual-stack IPv6 wildcard of a pod's container",
      listener: tcpListener(8443, "::", {
        interface: "eth0",
        dualStack: true,
        pod: { namespace: "ns", name: "p", container: "c" },
      }),
      expected: { interface: "eth0", dualStack: true, podNamespace: "ns", podName: "p", podContainer: "c" },
    },
  ])("stores $what", ({ listener, expected }) => {
    const [fact] = nodeListenerFacts(report("n0", [listener]));
    expect(fact).toMatchObject({ node: "n0", attribution: "process", port: listener.port, ...expected });
    expect(fact?.fp).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it.each([
    { what: "its processes", other: tcpListener(22, "0.0.0.0", { processes: [{ name: "sshd", pid: 2 }] }) },
    { what: "its address", other: tcpListener(22, "127.0.0.1", { processes: [{ name: "sshd", pid: 1 }] }) },
    {
      what: "its interface",
      other: tcpListener(22, "0.0.0.0", { interface: "lo", processes: [{ name: "sshd", pid: 1 }] }),
    },
  ])("gives a listener a new fingerprint when $what changes", ({ other }) => {
    const base = tcpListener(22, "0.0.0.0", { processes: [{ name: "sshd", pid: 1 }] });
    const fp = (l: typeof base) => nodeListenerFacts(report("n0", [l]))[0]?.fp;
    expect(fp(other)).not.toBe(fp(base));
    expect(fp({ ...base })).toBe(fp(base));
  });
});

describe("nodePortRangeFact", () => {
  it.each([
    { what: "with a range", extra: { localPortRange: { from: 32768, to: 60999 } }, range: [32768, 60999] },
    { what: "without one (still observed)", extra: {}, range: [null, null] },
  ])("records a report $what", ({ extra, range }) => {
    const fact = nodePortRangeFact(report("n0", [], extra));
    expect([fact.portFrom, fact.portTo]).toEqual(range);
    expect(fact.node).toBe("n0");
  });
});

describe("a delta's listener reports", () => {
  const facts = (reports: NodeListeners[], nodes = ["n0", "n1"]): SnapshotFacts => ({
    nodes: nodes.map((name) => ({
      fp: name,
      name,
      labels: {},
      unschedulable: false,
      ready: true,
      taints: [],
      addresses: [],
    })),
    pods: [],
    allocations: [],
    ingressControllers: [],
    nodeListeners: reports.flatMap(nodeListenerFacts),
    nodePortRanges: reports.map(nodePortRangeFact),
  });
  const ssh = tcpListener(22, "0.0.0.0");
  const web = tcpListener(80, "0.0.0.0");
  const none = { ...facts([]), nodes: [] };

  it.each([
    {
      what: "an upserted report replaces the node's set, keeping unchanged listeners open",
      delta: {
        upserts: { ...none, ...pick(facts([report("n0", [ssh, web])])) },
        removeNodes: [],
        removePods: [],
      },
      closed: [],
      opened: [80],
      reports: { closed: 0, opened: 0 },
    },
    {
      what: "a removed report ends the node's listeners and its report",
      delta: { upserts: none, removeNodes: [], removePods: [], removeReports: ["n0"] },
      closed: [22],
      opened: [],
      reports: { closed: 1, opened: 0 },
    },
    {
      what: "a removed node takes its report with it",
      delta: { upserts: none, removeNodes: ["n0"], removePods: [] },
      closed: [22],
      opened: [],
      reports: { closed: 1, opened: 0 },
    },
    {
      what: "a report upserted for another node leaves n0's alone",
      delta: { upserts: { ...none, ...pick(facts([report("n1", [web])])) }, removeNodes: [], removePods: [] },
      closed: [],
      opened: [80],
      reports: { closed: 0, opened: 1 },
    },
  ])("$what", ({ delta, closed, opened, reports }) => {
    const state = factStateOf(facts([report("n0", [ssh])]));
    const changes = applyFactDelta(state, delta);
    expect(changes.nodeListeners.close.map((l) => l.port)).toEqual(closed);
    expect(changes.nodeListeners.open.map((l) => l.port)).toEqual(opened);
    expect({
      closed: changes.nodePortRanges.close.length,
      opened: changes.nodePortRanges.open.length,
    }).toEqual(reports);
  });
});

function pick(f: SnapshotFacts) {
  return { nodeListeners: f.nodeListeners, nodePortRanges: f.nodePortRanges };
}
