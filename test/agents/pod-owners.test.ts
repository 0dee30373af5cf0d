/**
 * The agent's side of pod attribution: a pod's UID and container ids from its status, the index the
 * pod watch keeps of them, and each listener's pod resolved from the reader's process owners, with
 * the classification that follows (declared, undeclared hostNetwork, host service).
 */
import { describe, expect, it } from "vitest";
import type { KubePod } from "../../agents/src/collect/kube-types.js";
import { podContainersOf } from "../../agents/src/collect/pod-containers.js";
import { PodOwnerIndex, resolveOwners } from "../../agents/src/listeners/pod-owners.js";
import type { ProcessOwner } from "../../agents/src/listeners/protocol.js";
import type { NodeListeners, ObservedListener } from "../../src/contract/listeners.js";
import { classifyNodeListeners } from "../../src/domain/listener-classes.js";
import type { AllocationView } from "../../src/domain/views.js";

const id = (c: string) => c.repeat(64);
const ROUTER_UID = "6d0c5a1e-8f3b-4e2a-9c7d-0a1b2c3d4e5f";
const EXPORTER_UID = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";

const kubePod = (
  namespace: string,
  name: string,
  uid: string,
  statuses: { name: string; containerID?: string }[],
  init: { name: string; containerID?: string }[] = [],
): KubePod => ({
  metadata: { namespace, name, uid },
  spec: { nodeName: "worker-1", hostNetwork: true },
  status: { phase: "Running", containerStatuses: statuses, initContainerStatuses: init },
});

const router = kubePod("openshift-ingress", "router-default-5d9f", ROUTER_UID, [
  { name: "router", containerID: `cri-o://${id("a")}` },
]);
const exporter = kubePod(
  "monitoring",
  "node-exporter-xk2pd",
  EXPORTER_UID,
  [
    { name: "node-exporter", containerID: `containerd://${id("b")}` },
    { name: "kube-rbac-proxy", containerID: `containerd://${id("c")}` },
  ],
  [{ name: "proxy-sidecar", containerID: `containerd://${id("d")}` }],
);

describe("a pod's containers from its status", () => {
  it("takes each runtime's ids, sidecars and ephemeral containers included", () => {
    const pod = kubePod("ns", "p", ROUTER_UID.toUpperCase(), [
      { name: "crio", containerID: `cri-o://${id("1")}` },
      { name: "docker", containerID: `docker://${id("2")}` },
      { name: "waiting" }, // no id before it starts
      { name: "odd", containerID: "cri-o://not-hex" },
    ]);
    pod.status = {
      ...pod.status,
      ephemeralContainerStatuses: [{ name: "debugger", containerID: `containerd://${id("3")}` }],
    };
    expect(podContainersOf(pod)).toEqual({
      uid: ROUTER_UID,
      namespace: "ns",
      name: "p",
      containers: [
        { id: id("1"), name: "crio" },
        { id: id("2"), name: "docker" },
        { id: id("3"), name: "debugger" },
      ],
    });
  });

  it("is null for a pod without a UID", () => {
    expect(podContainersOf({ metadata: { namespace: "ns", name: "p" } })).toBeNull();
  });
});

describe("the pod owner index", () => {
  it("finds pods by container id and UID, and changes its version only on a change", () => {
    const index = new PodOwnerIndex();
    index.replace(
      new Map([
        ["openshift-ingress/router-default-5d9f", podContainersOf(router)],
        ["monitoring/node-exporter-xk2pd", podContainersOf(exporter)],
      ]),
    );
    const v = index.version;
    expect(index.byContainer(id("a"))).toEqual({
      namespace: "openshift-ingress",
      name: "router-default-5d9f",
      container: "router",
    });
    expect(index.byContainer(id("d"))?.container).toBe("proxy-sidecar");
    expect(index.byUid(EXPORTER_UID)).toEqual({ namespace: "monitoring", name: "node-exporter-xk2pd" });
    index.upsert("monitoring/node-exporter-xk2pd", podContainersOf(exporter));
    expect(index.version).toBe(v);
    index.upsert("monitoring/node-exporter-xk2pd", null);
    expect(index.version).toBe(v + 1);
    expect(index.byContainer(id("b"))).toBeUndefined();
    expect(index.byUid(EXPORTER_UID)).toBeUndefined();
    index.replace(new Map());
    expect(index.size).toBe(0);
    expect(index.byContainer(id("a"))).toBeUndefined();
  });

  it("follows a container restart: the new id in, the old one out", () => {
    const index = new PodOwnerIndex();
    index.upsert("openshift-ingress/router-default-5d9f", podContainersOf(router));
    const restarted = kubePod("openshift-ingress", "router-default-5d9f", ROUTER_UID, [
      { name: "router", containerID: `cri-o://${id("e")}` },
    ]);
    index.upsert("openshift-ingress/router-default-5d9f", podContainersOf(restarted));
    expect(index.byContainer(id("a"))).toBeUndefined();
    expect(index.byContainer(id("e"))?.name).toBe("router-default-5d9f");
  });
});

const listener = (port: number, ...pids: number[]): ObservedListener => ({
  protocol: "TCP",
  address: "0.0.0.0",
  family: 4,
  port,
  scope: "wildcard",
  processes: pids.map((pid) => ({ name: `p${pid}`, pid })),
});

const podReport = (...listeners: ObservedListener[]): NodeListeners => ({
  node: "worker-1",
  attribution: "pod",
  listeners,
});

const hostNetworkHold = (namespace: string, pod: string, hostPort: number): AllocationView => ({
  node: "worker-1",
  namespace,
  pod,
  container: "main",
  hostPort,
  protocol: "TCP",
  hostIP: "",
  hostNetwork: true,
  ownerKind: null,
  ownerName: null,
});

describe("resolving a report's owners to pods", () => {
  const index = new PodOwnerIndex();
  index.replace(
    new Map([
      ["openshift-ingress/router-default-5d9f", podContainersOf(router)],
      ["monitoring/node-exporter-xk2pd", podContainersOf(exporter)],
    ]),
  );
  const owners: ProcessOwner[] = [
    { pid: 100 }, // sshd, a host service
    { pid: 200, pod: { uid: ROUTER_UID, containerId: id("a") } },
    { pid: 300, pod: { uid: EXPORTER_UID, containerId: id("c") } },
    { pid: 400, pod: { uid: EXPORTER_UID, containerId: id("f") } }, // the status does not list it yet
    { pid: 500, pod: { uid: "99999999-0000-4000-8000-000000000000", containerId: id("9") } },
  ];

  it("names each listener's pod and container; the classes follow", () => {
    const report = podReport(listener(22, 100), listener(443, 200), listener(9100, 300), listener(1936, 200));
    const resolved = resolveOwners(report, owners, index);
    expect(resolved.unresolved).toBe(0);
    expect(resolved.report.attribution).toBe("pod");
    expect(resolved.report.listeners.map((l) => l.pod)).toEqual([
      undefined,
      { namespace: "openshift-ingress", name: "router-default-5d9f", container: "router" },
      { namespace: "monitoring", name: "node-exporter-xk2pd", container: "kube-rbac-proxy" },
      { namespace: "openshift-ingress", name: "router-default-5d9f", container: "router" },
    ]);
    expect("owners" in resolved.report).toBe(false);
    const holds = [
      hostNetworkHold("openshift-ingress", "router-default-5d9f", 443),
      hostNetworkHold("monitoring", "node-exporter-xk2pd", 9100),
      hostNetworkHold("openshift-ingress", "router-default-5d9f", 22),
    ];
    expect(classifyNodeListeners(resolved.report, holds).map((c) => [c.listener.port, c.class])).toEqual([
      [22, "host-service"], // sshd, although a pod declares 22
      [443, "declared"],
      [9100, "declared"],
      [1936, "undeclared-host-network"], // the router's stats port, declared by nobody
    ]);
  });

  it("takes the lowest pid's pod among a socket's processes", () => {
    const resolved = resolveOwners(podReport(listener(8080, 300, 200, 100)), owners, index);
    expect(resolved.report.listeners[0]?.pod?.name).toBe("router-default-5d9f");
  });

  it("names the pod without its container when the status does not list the id yet", () => {
    const resolved = resolveOwners(podReport(listener(9101, 400)), owners, index);
    expect(resolved.report.listeners[0]?.pod).toEqual({
      namespace: "monitoring",
      name: "node-exporter-xk2pd",
    });
    expect([resolved.unresolved, resolved.withoutContainer, resolved.report.attribution]).toEqual([
      0,
      1,
      "pod",
    ]);
  });

  it("sends a report with a pod it cannot name as processes only, other listeners' pods kept", () => {
    const resolved = resolveOwners(podReport(listener(443, 200), listener(7000, 500)), owners, index);
    expect(resolved.unresolved).toBe(1);
    expect(resolved.report.attribution).toBe("process");
    expect(resolved.report.listeners.map((l) => l.pod?.name)).toEqual(["router-default-5d9f", undefined]);
    // As processes only, the unnamed pod's socket is not called a host service when a pod declares it.
    const classes = classifyNodeListeners(resolved.report, [hostNetworkHold("x", "new-pod", 7000)]);
    expect(classes[1]).toMatchObject({ class: "declared", reason: "a-pod-declares-port" });
  });

  it("counts a process whose cgroup was not read as unresolved", () => {
    const resolved = resolveOwners(podReport(listener(5000, 600)), owners, index);
    expect([resolved.unresolved, resolved.report.attribution]).toEqual([1, "process"]);
  });

  it("leaves a process-tier report as it is", () => {
    const report: NodeListeners = { ...podReport(listener(443, 200)), attribution: "process" };
    expect(resolveOwners(report, owners, index).report).toBe(report);
  });
});
