import { describe, expect, it } from "vitest";
import { toSnapshotNode } from "../../agents/src/collect/node.js";
import { toSnapshotPod } from "../../agents/src/collect/pod.js";
import { collectSnapshot, validateSnapshot } from "../../agents/src/collect/snapshot.js";
import { parseSnapshot } from "../../src/contract/snapshot.js";
import { fixtureNodes, fixturePod, fixturePods, type KubeJson } from "./helpers/fixtures.js";

const tcp = (container: string, port: number, hostIP = "0.0.0.0") => ({
  container,
  containerPort: port,
  hostPort: port,
  hostIP,
  protocol: "TCP",
});
const udp = (container: string, port: number, hostIP = "0.0.0.0") => ({
  ...tcp(container, port, hostIP),
  protocol: "UDP",
});

describe("collection: a pod from real workloads becomes its snapshot form", () => {
  it.each([
    {
      fixture: "openshift-router",
      expected: {
        namespace: "openshift-ingress",
        name: "router-default-5d8f7c9b4-x2x7q",
        node: "worker-1",
        phase: "Running",
        hostNetwork: true,
        owner: { kind: "Deployment", name: "router-default" },
        ports: [tcp("router", 80), tcp("router", 443), tcp("router", 1936)],
        nodeSelector: { "kubernetes.io/os": "linux", "node-role.kubernetes.io/worker": "" },
        scheduling: null,
      },
    },
    {
      fixture: "node-exporter",
      expected: {
        owner: { kind: "DaemonSet", name: "prometheus-prometheus-node-exporter" },
        hostNetwork: true,
        ports: [tcp("node-exporter", 9100)],
        requiredNodeAffinity: {
          nodeSelectorTerms: [
            { matchFields: [{ key: "metadata.name", operator: "In", values: ["worker-2"] }] },
          ],
        },
      },
    },
    {
      fixture: "kube-prometheus-node-exporter",
      // Only kube-rbac-proxy declares 9100; the exporter's 127.0.0.1:9101 is invisible to the scheduler.
      expected: {
        owner: { kind: "DaemonSet", name: "node-exporter" },
        ports: [tcp("kube-rbac-proxy", 9100)],
      },
    },
    {
      fixture: "kube-proxy",
      expected: { owner: { kind: "DaemonSet", name: "kube-proxy" }, hostNetwork: true, ports: [] },
    },
    {
      fixture: "node-local-dns",
      expected: {
        ports: [
          udp("node-cache", 53, "169.254.20.10"),
          tcp("node-cache", 53, "169.254.20.10"),
          tcp("node-cache", 9253),
        ],
      },
    },
    {
      fixture: "metallb-speaker",
      expected: {
        owner: { kind: "DaemonSet", name: "speaker" },
        ports: [tcp("speaker", 7472), tcp("speaker", 7946), udp("speaker", 7946)],
      },
    },
    {
      fixture: "datadog-agent",
      expected: {
        hostNetwork: false,
        owner: { kind: "DaemonSet", name: "datadog-agent" },
        ports: [udp("agent", 8125), tcp("trace-agent", 8126)],
      },
    },
    {
      fixture: "kube-scheduler-static",
      expected: { owner: { kind: "Node", name: "master-0" }, node: "master-0", hostNetwork: true, ports: [] },
    },
    {
      fixture: "kube-controller-manager-static",
      expected: { owner: { kind: "Node", name: "master-1" }, ports: [tcp("kube-controller-manager", 10257)] },
    },
    {
      fixture: "ingress-nginx-hostport",
      // The admission webhook's 8443 has no hostPort and the pod is not hostNetwork: not a host port.
      expected: {
        owner: { kind: "Deployment", name: "ingress-nginx-controller" },
        hostNetwork: false,
        ports: [tcp("controller", 80), tcp("controller", 443)],
      },
    },
    {
      fixture: "sidecar-hostport",
      // The native sidecar (init, restartPolicy Always) holds 15090; the plain init container's 6060 does not count.
      expected: {
        owner: { kind: "StatefulSet", name: "edge-gateway" },
        ports: [tcp("envoy", 15090), udp("gateway", 8443)],
      },
    },
    {
      fixture: "job-running",
      expected: { owner: { kind: "Job", name: "iperf-server-28871340" }, ports: [tcp("iperf", 5201)] },
    },
    {
      fixture: "bare-hostport",
      // Empty hostIP and protocol take the scheduler's defaults.
      expected: { owner: null, ports: [tcp("netcat", 9999)] },
    },
    {
      fixture: "deploymentconfig-hostport",
      expected: { owner: { kind: "DeploymentConfig", name: "syslog-relay" }, ports: [udp("relay", 514)] },
    },
  ])("$fixture", ({ fixture, expected }) => {
    const pod = toSnapshotPod(fixturePod(fixture));
    expect(pod).not.toBeNull();
    const { ports, ...rest } = expected as { ports?: unknown[] } & Record<string, unknown>;
    expect(pod).toMatchObject(rest);
    if (ports) expect(sortPorts(pod?.ports ?? [])).toEqual(sortPorts(ports as never[]));
  });

  it("a Pending router carries the scheduler's port-conflict message and no node", () => {
    const pod = toSnapshotPod(fixturePod("openshift-router-pending"));
    expect(pod).toMatchObject({
      node: null,
      phase: "Pending",
      owner: { kind: "Deployment", name: "router-default" },
    });
    expect(pod?.scheduling?.unschedulable).toBe(true);
    expect(pod?.scheduling?.message).toContain(
      "2 node(s) didn't have free ports for the requested pod ports",
    );
  });

  it.each(["job-succeeded", "job-failed", "plain-deployment"])(
    "%s holds no host port and is left out",
    (fixture) => {
      expect(toSnapshotPod(fixturePod(fixture))).toBeNull();
    },
  );
});

describe("collection: the scheduler's port rules", () => {
  const exporter = () => fixturePod("node-exporter");
  const container = (pod: KubeJson, i = 0) => pod.spec.containers[i];

  it.each([
    {
      rule: "hostNetwork: a containerPort without hostPort counts as hostPort = containerPort",
      edit: (p: KubeJson) => delete container(p).ports[0].hostPort,
      ports: [tcp("node-exporter", 9100)],
    },
    {
      rule: "not hostNetwork: a containerPort without hostPort is no host port",
      edit: (p: KubeJson) => {
        p.spec.hostNetwork = false;
        delete container(p).ports[0].hostPort;
      },
      pod: null,
    },
    {
      rule: "hostPort 0 is no host port",
      edit: (p: KubeJson) => {
        p.spec.hostNetwork = false;
        container(p).ports[0].hostPort = 0;
      },
      pod: null,
    },
    {
      rule: "a missing protocol and hostIP mean TCP on 0.0.0.0",
      edit: (p: KubeJson) => {
        delete container(p).ports[0].protocol;
        delete container(p).ports[0].hostIP;
      },
      ports: [tcp("node-exporter", 9100)],
    },
    {
      rule: "SCTP is kept as SCTP",
      edit: (p: KubeJson) => {
        container(p).ports[0].protocol = "SCTP";
      },
      ports: [{ ...tcp("node-exporter", 9100), protocol: "SCTP" }],
    },
    {
      rule: "the same port declared twice in one container is reported once",
      edit: (p: KubeJson) => container(p).ports.push({ ...container(p).ports[0], name: "again" }),
      ports: [tcp("node-exporter", 9100)],
    },
    {
      rule: "an init container without restartPolicy Always holds no port",
      edit: (p: KubeJson) => {
        p.spec.initContainers = [
          { name: "init", image: "busybox", ports: [{ containerPort: 7000, hostPort: 7000 }] },
        ];
      },
      ports: [tcp("node-exporter", 9100)],
    },
    {
      rule: "an init container with restartPolicy Always (sidecar) holds its ports",
      edit: (p: KubeJson) => {
        p.spec.initContainers = [
          {
            name: "proxy",
            image: "envoy",
            restartPolicy: "Always",
            ports: [{ containerPort: 7000, hostPort: 7000 }],
          },
        ];
      },
      ports: [tcp("node-exporter", 9100), tcp("proxy", 7000)],
    },
  ])("$rule", ({ edit, ports, pod: expectedPod }) => {
    const pod = exporter();
    edit(pod);
    const collected = toSnapshotPod(pod);
    if (expectedPod === null) expect(collected).toBeNull();
    else expect(sortPorts(collected?.ports ?? [])).toEqual(sortPorts(ports ?? []));
  });

  it.each([
    {
      rule: "a ReplicaSet named <deployment>-<pod-template-hash> resolves to the Deployment",
      meta: { labels: { "pod-template-hash": "7f9d8c6b5" }, ownerReferences: [rs("checkout-7f9d8c6b5")] },
      owner: { kind: "Deployment", name: "checkout" },
    },
    {
      rule: "a ReplicaSet without the hash label stays a ReplicaSet",
      meta: { labels: {}, ownerReferences: [rs("standalone-rs")] },
      owner: { kind: "ReplicaSet", name: "standalone-rs" },
    },
    {
      rule: "a ReplicaSet whose name does not end in the hash stays a ReplicaSet",
      meta: { labels: { "pod-template-hash": "abc12" }, ownerReferences: [rs("hand-made")] },
      owner: { kind: "ReplicaSet", name: "hand-made" },
    },
    {
      rule: "the controller reference wins over other owners",
      meta: {
        ownerReferences: [
          { apiVersion: "v1", kind: "ConfigMap", name: "other", uid: "u1" },
          { apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "u2", controller: true },
        ],
      },
      owner: { kind: "DaemonSet", name: "agent" },
    },
    { rule: "no owner reference: a bare pod", meta: { ownerReferences: [] }, owner: null },
  ] as { rule: string; meta: KubeJson; owner: unknown }[])("$rule", ({ meta, owner }) => {
    const pod = exporter();
    pod.metadata = { ...pod.metadata, ...meta };
    expect(toSnapshotPod(pod)?.owner).toEqual(owner);
  });

  it("a pod so new it has no status is Pending, with no scheduling message", () => {
    const pod = exporter();
    delete pod.status;
    delete pod.spec.nodeName;
    expect(toSnapshotPod(pod)).toMatchObject({ phase: "Pending", node: null, scheduling: null });
  });

  it("a scheduling gate is reported, but not as unschedulable", () => {
    const pod = fixturePod("openshift-router-pending");
    pod.status.conditions[0] = {
      type: "PodScheduled",
      status: "False",
      reason: "SchedulingGated",
      message: "Scheduling is blocked due to non-empty scheduling gates",
    };
    expect(toSnapshotPod(pod)?.scheduling).toEqual({
      unschedulable: false,
      message: "Scheduling is blocked due to non-empty scheduling gates",
    });
  });

  it.each([
    ["a NUL character is removed", "0/6 nodes\0 are available", "0/6 nodes are available"],
    ["a long message is cut to the contract's 32,768", "x".repeat(40_000), "x".repeat(32_768)],
    // An emoji is two UTF-16 units: cutting between them would leave a lone, unstorable half.
    ["a cut never splits a surrogate pair", `${"x".repeat(32_767)}🚀tail`, "x".repeat(32_767)],
    ["NULs go before the cut", `${"\0".repeat(10)}${"y".repeat(32_768)}`, "y".repeat(32_768)],
  ])("the scheduler's message is stored safely: %s", (_what, message, stored) => {
    const pod = fixturePod("openshift-router-pending");
    pod.status.conditions[0] = { type: "PodScheduled", status: "False", reason: "Unschedulable", message };
    const snapshotPod = toSnapshotPod(pod);
    expect(snapshotPod?.scheduling?.message).toBe(stored);
  });

  it("a pod in phase Unknown (node lost) still holds its ports", () => {
    const pod = exporter();
    pod.status.phase = "Unknown";
    expect(toSnapshotPod(pod)).toMatchObject({ phase: "Unknown", ports: [tcp("node-exporter", 9100)] });
  });

  it("tolerations keep tolerationSeconds and drop nothing else", () => {
    expect(toSnapshotPod(fixturePod("openshift-router"))?.tolerations).toEqual([
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ]);
  });
});

describe("collection: nodes", () => {
  const byName = (name: string) => fixtureNodes().find((n) => n.metadata?.name === name) as KubeJson;

  it("a control-plane node keeps its labels, taint and addresses", () => {
    expect(toSnapshotNode(byName("master-0"))).toMatchObject({
      name: "master-0",
      ready: true,
      unschedulable: false,
      taints: [{ key: "node-role.kubernetes.io/master", effect: "NoSchedule" }],
      addresses: [
        { type: "InternalIP", address: "10.0.0.10" },
        { type: "Hostname", address: "master-0" },
      ],
    });
    expect(toSnapshotNode(byName("master-0"))?.labels["node-role.kubernetes.io/master"]).toBe("");
  });

  it("a cordoned node is unschedulable, and the taint's timeAdded is not state", () => {
    expect(toSnapshotNode(byName("worker-3"))).toMatchObject({
      unschedulable: true,
      taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }],
    });
    expect(toSnapshotNode(byName("worker-3"))?.taints[0]).not.toHaveProperty("timeAdded");
  });

  it.each([
    ["Ready=Unknown (kubelet stopped posting)", "Unknown"],
    ["Ready=False", "False"],
  ])("%s is not ready", (_label, status) => {
    const node = byName("worker-1");
    node.status.conditions.find((c: KubeJson) => c.type === "Ready").status = status;
    expect(toSnapshotNode(node)?.ready).toBe(false);
  });
});

describe("collection: a whole snapshot", () => {
  const meta = {
    cluster: "prod-eu-1",
    observedAt: new Date("2026-11-27T10:00:00Z"),
    agent: { version: "test", mode: "file" },
  };

  it("from every fixture satisfies the shared contract and keeps exactly the host-port pods", () => {
    const { snapshot, orphanPods } = collectSnapshot(meta, fixtureNodes(), fixturePods());
    const parsed = parseSnapshot(snapshot);
    expect(parsed.ok).toBe(true);
    expect(orphanPods).toEqual([]);
    expect(snapshot.nodes).toHaveLength(6);
    expect(snapshot.pods.map((p) => p.name).sort()).toEqual(
      [
        "datadog-agent-m5w9c",
        "debug-netcat",
        "edge-gateway-0",
        "ingress-nginx-controller-6c8b9f7d5d-r2k4p",
        "iperf-server-28871340-7xk2f",
        "kube-controller-manager-master-1",
        "kube-proxy-9zq6t",
        "kube-scheduler-master-0",
        "node-exporter-xk2pd",
        "node-local-dns-4hx8m",
        "prometheus-prometheus-node-exporter-7lqzk",
        "router-default-5d8f7c9b4-q8w4n",
        "router-default-5d8f7c9b4-x2x7q",
        "speaker-kq7vd",
        "syslog-relay-3-h7k2x",
      ].sort(),
    );
  });

  it("leaves out pods on a node that is gone, so the API does not refuse the snapshot", () => {
    const nodes = fixtureNodes().filter((n) => n.metadata?.name !== "worker-1");
    const { snapshot, orphanPods } = collectSnapshot(meta, nodes, fixturePods());
    expect(orphanPods).toContain("openshift-ingress/router-default-5d8f7c9b4-x2x7q");
    expect(snapshot.pods.some((p) => p.node === "worker-1")).toBe(false);
    expect(parseSnapshot(snapshot).ok).toBe(true);
  });

  it("reports a contract violation instead of producing a snapshot the API would refuse", () => {
    const pod = fixturePod("node-exporter");
    pod.spec.containers[0].ports[0].protocol = "QUIC";
    const validation = validateSnapshot(collectSnapshot(meta, fixtureNodes(), [pod]).snapshot);
    expect(validation).toMatchObject({ ok: false, code: "UNKNOWN_PROTOCOL" });
  });
});

function rs(name: string) {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name,
    uid: "u",
    controller: true,
    blockOwnerDeletion: true,
  };
}

function sortPorts<T extends { container: string; protocol: string; hostPort: number; hostIP: string }>(
  ports: T[],
) {
  return [...ports].sort((a, b) =>
    `${a.container}|${a.protocol}|${a.hostIP}|${a.hostPort}`.localeCompare(
      `${b.container}|${b.protocol}|${b.hostIP}|${b.hostPort}`,
    ),
  );
}
