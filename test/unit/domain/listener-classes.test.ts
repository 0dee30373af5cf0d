import { describe, expect, it } from "vitest";
import type { AttributionTier, ObservedListener } from "../../../src/contract/listeners.js";
import { classifyListener, classifyNodeListeners } from "../../../src/domain/listener-classes.js";
import type { AllocationView } from "../../../src/domain/views.js";
import { willCrashConflicts } from "../../../src/domain/will-crash.js";
import { tcpListener } from "../../fixtures/listeners.js";

const tcp = tcpListener;

const byPod = (namespace: string, name: string) => ({ pod: { namespace, name, container: "main" } });
const proc = (name: string) => ({ processes: [{ name }] });

function allocation(pod: string, hostPort: number, extra: Partial<AllocationView> = {}): AllocationView {
  return {
    node: "n1",
    namespace: "ns",
    pod,
    ownerKind: "DaemonSet",
    ownerName: pod,
    container: "main",
    protocol: "TCP",
    hostIP: "0.0.0.0",
    hostPort,
    hostNetwork: true,
    ...extra,
  };
}

describe("classifying a node's observed listeners against declared ports", () => {
  it.each<[string, AttributionTier, ObservedListener, AllocationView[], string, string]>([
    [
      "its pod declares it",
      "pod",
      tcp(9100, "0.0.0.0", { ...proc("node_exporter"), ...byPod("ns", "exp") }),
      [allocation("exp", 9100)],
      "declared",
      "owning-pod-declares-port",
    ],
    [
      "its pod declares another port",
      "pod",
      tcp(10249, "127.0.0.1", { ...proc("kube-proxy"), ...byPod("ns", "kp") }),
      [allocation("kp", 10256)],
      "undeclared-host-network",
      "owning-pod-does-not-declare-port",
    ],
    [
      "another pod declares it",
      "pod",
      tcp(9100, "0.0.0.0", byPod("ns", "kp")),
      [allocation("exp", 9100)],
      "undeclared-host-network",
      "owning-pod-does-not-declare-port",
    ],
    [
      "its pod's declaration is on another node",
      "pod",
      tcp(9100, "0.0.0.0", byPod("ns", "exp")),
      [allocation("exp", 9100, { node: "n2" })],
      "undeclared-host-network",
      "owning-pod-does-not-declare-port",
    ],
    [
      "a process outside pods",
      "pod",
      tcp(22, "0.0.0.0", proc("sshd")),
      [],
      "host-service",
      "process-outside-pods",
    ],
    [
      "a process outside pods on a declared port",
      "pod",
      tcp(22, "0.0.0.0", proc("sshd")),
      [allocation("ssh", 22)],
      "host-service",
      "process-outside-pods",
    ],
    [
      "a process, pods not looked up, port declared",
      "process",
      tcp(9100, "0.0.0.0", proc("node_exporter")),
      [allocation("exp", 9100)],
      "declared",
      "a-pod-declares-port",
    ],
    [
      "a process, pods not looked up, nothing declared",
      "process",
      tcp(22, "0.0.0.0", proc("sshd")),
      [],
      "host-service",
      "process-pod-not-looked-up",
    ],
    [
      "no attribution, port declared",
      "none",
      tcp(9100, "0.0.0.0"),
      [allocation("exp", 9100)],
      "declared",
      "a-pod-declares-port",
    ],
    ["no attribution, nothing declared", "none", tcp(29103, "127.0.0.1"), [], "unknown", "no-attribution"],
    [
      "no owning process (kernel socket)",
      "pod",
      { ...tcp(6081, "0.0.0.0"), protocol: "UDP" },
      [],
      "unknown",
      "no-owning-process",
    ],
    [
      "an ordinary pod's hostPort never explains a socket",
      "none",
      tcp(8080, "0.0.0.0"),
      [allocation("web", 8080, { hostNetwork: false })],
      "unknown",
      "no-attribution",
    ],
    [
      "a UDP declaration does not explain TCP",
      "none",
      tcp(53, "0.0.0.0"),
      [allocation("dns", 53, { protocol: "UDP" })],
      "unknown",
      "no-attribution",
    ],
  ])("%s", (_name, tier, listener, allocations, cls, reason) => {
    const got = classifyListener("n1", tier, listener, allocations);
    expect([got.class, got.reason]).toEqual([cls, reason]);
  });

  it("names the declarations it matched", () => {
    const declared = allocation("exp", 9100);
    const [got] = classifyNodeListeners(
      { node: "n1", attribution: "none", listeners: [tcp(9100, "192.168.17.17")] },
      [declared, allocation("other", 9101)],
    );
    expect(got?.declaredBy).toEqual([declared]);
  });
});

describe("will crash, not Pending: a hostNetwork pod's port held by an undeclared listener", () => {
  const router = {
    namespace: "openshift-ingress",
    name: "router-1",
    hostNetwork: true,
    ports: [
      { protocol: "TCP", hostIP: "0.0.0.0", hostPort: 29103, container: "router" },
      { protocol: "TCP", hostIP: "0.0.0.0", hostPort: 1936, container: "router" },
    ],
  };

  it("names the process holding a loopback socket a wildcard bind collides with", () => {
    const ovnkube = tcp(29103, "127.0.0.1", proc("ovnkube"));
    const [conflict, ...rest] = willCrashConflicts(
      router,
      { node: "n1", attribution: "process", listeners: [ovnkube] },
      [],
    );
    expect(rest).toEqual([]);
    expect(conflict?.port.hostPort).toBe(29103);
    expect(conflict?.blockers.map((b) => [b.listener, b.class])).toEqual([[ovnkube, "host-service"]]);
    expect(conflict?.assumptions).toEqual(["host-network-port-as-ipv4-wildcard"]);
  });

  it("names the pod holding an undeclared socket", () => {
    const holder = tcp(1936, "0.0.0.0", { ...proc("haproxy"), ...byPod("other", "router-old") });
    const [conflict] = willCrashConflicts(
      router,
      { node: "n1", attribution: "pod", listeners: [holder] },
      [],
    );
    expect(conflict?.blockers[0]?.listener.pod).toEqual({
      namespace: "other",
      name: "router-old",
      container: "main",
    });
    expect(conflict?.blockers[0]?.class).toBe("undeclared-host-network");
  });

  it("ignores the pod's own sockets and listeners another pod declares (the scheduler's conflict)", () => {
    const own = tcp(1936, "0.0.0.0", byPod("openshift-ingress", "router-1"));
    const declaredElsewhere = tcp(29103, "0.0.0.0");
    const node = { node: "n1", attribution: "none" as const, listeners: [own, declaredElsewhere] };
    expect(willCrashConflicts(router, node, [allocation("stats", 29103)])).toEqual([]);
  });

  it("never crashes an ordinary pod: its hostPort is a CNI mapping, not a bind", () => {
    const node = { node: "n1", attribution: "none" as const, listeners: [tcp(29103, "127.0.0.1")] };
    expect(willCrashConflicts({ ...router, hostNetwork: false }, node, [])).toEqual([]);
  });

  it("lets a specific-address port pass a listener on another address", () => {
    const pod = { ...router, ports: [{ protocol: "TCP", hostIP: "10.0.0.5", hostPort: 29103 }] };
    const node = { node: "n1", attribution: "none" as const, listeners: [tcp(29103, "127.0.0.1")] };
    expect(willCrashConflicts(pod, node, [])).toEqual([]);
  });
});
