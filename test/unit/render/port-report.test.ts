import { describe, expect, it } from "vitest";
import type { ClusterPortMap } from "../../../src/domain/port-report-content.js";
import { heldOnText, observedText, renderPortReport } from "../../../src/render/port-report.js";

const map: ClusterPortMap = {
  cluster: "prod-eu-1",
  asOf: "2026-11-27T10:00:00.000Z",
  stale: false,
  schedulableNodes: 3,
  ports: [
    {
      protocol: "TCP",
      hostPort: 80,
      hostIP: "0.0.0.0",
      workloads: [{ namespace: "openshift-ingress", kind: "Deployment", name: "router-default", pods: 3 }],
      workloadCount: 1,
      heldCount: 3,
      nodes: ["w1", "w2", "w3"],
      eligibleNodes: 3,
      freeCount: 0,
      freeNodes: [],
    },
    {
      protocol: "UDP",
      hostPort: 53,
      hostIP: "169.254.20.10",
      workloads: [{ namespace: "kube-system", kind: "DaemonSet", name: "node-local-dns", pods: 2 }],
      workloadCount: 1,
      heldCount: 2,
      nodes: ["w1", "w2"],
      eligibleNodes: 3,
      freeCount: 1,
      freeNodes: ["w3"],
    },
  ],
  ingressControllers: [],
};

describe("heldOnText", () => {
  const six = ["w1", "w2", "w3", "w4", "w5", "w6"];
  it.each([
    ["every eligible node holds it", six, 6, [], "all 6 eligible nodes"],
    ["two holders cordoned or NotReady", six, 4, [], "6: w1, w2, w3, w4, w5, w6"],
    ["a free eligible node left", ["w1", "w2"], 3, ["w3"], "2: w1, w2"],
    ["no eligible node at all", ["w1"], 0, [], "1: w1"],
    ["as many holders as eligible nodes, one free", ["w1", "w2"], 2, ["w3"], "2: w1, w2"],
  ])("%s", (_, nodes, eligibleNodes, freeNodes, text) => {
    expect(heldOnText({ heldCount: nodes.length, nodes, eligibleNodes, freeCount: freeNodes.length })).toBe(
      text,
    );
  });

  it("names the first holders and counts the rest when the list was cut", () => {
    expect(heldOnText({ heldCount: 5000, nodes: ["w1", "w2"], eligibleNodes: 5000, freeCount: 1 })).toBe(
      "5000: w1, w2, +4998 more",
    );
  });
});

describe("port allocation report", () => {
  it("renders the Markdown table teams keep by hand", () => {
    const text = renderPortReport([map], "markdown");
    expect(text).toContain("## prod-eu-1");
    expect(text).toContain(
      "| 80 | TCP | 0.0.0.0 | openshift-ingress/router-default (Deployment) | all 3 eligible nodes | 0 |",
    );
    expect(text).toContain(
      "| 53 | UDP | 169.254.20.10 | kube-system/node-local-dns (DaemonSet) | 2: w1, w2 | 1 |",
    );
  });

  it("renders CSV with a header and quoted fields where needed", () => {
    const lines = renderPortReport([{ ...map, cluster: "a,b" }], "csv")
      .trim()
      .split("\n");
    expect(lines[0]).toBe(
      "cluster,as_of,port,protocol,host_ip,workloads,nodes_holding,free_slots,free_nodes,observed_only,observed_nodes,observed_processes,observed_classes",
    );
    expect(lines[2]).toBe(
      '"a,b",2026-11-27T10:00:00.000Z,53,UDP,169.254.20.10,kube-system/node-local-dns (DaemonSet),2,1,w3,false,0,,',
    );
  });

  it("counts the free nodes a cut list leaves out", () => {
    const dns = map.ports
      .filter((p) => p.hostPort === 53)
      .map((p) => ({ ...p, freeCount: 40, freeNodes: ["w3", "w4"] }));
    const [, row] = renderPortReport([{ ...map, ports: dns }], "csv")
      .trim()
      .split("\n");
    expect(row?.endsWith(",2,40,w3 w4 +38 more,false,0,,")).toBe(true);
  });

  it("leaves the heading out of the pages after the first, so pages concatenate", () => {
    const first = renderPortReport([map], "csv");
    const next = renderPortReport([{ ...map, cluster: "prod-eu-2" }], "csv", { heading: false });
    expect((first + next).trim().split("\n")).toHaveLength(5);
    expect(renderPortReport([map], "markdown", { heading: false })).not.toContain("# Host port allocation");
  });

  it("renders JSON that parses back to the maps", () => {
    expect(JSON.parse(renderPortReport([map], "json"))).toEqual({ clusters: [map] });
  });

  it("says so when a cluster holds no host ports", () => {
    expect(renderPortReport([{ ...map, ports: [] }], "markdown")).toContain("No host ports are held.");
  });

  it("lists IngressControllers with their declared ports and replicas, and marks declared holds", () => {
    const withRouter: ClusterPortMap = {
      ...map,
      ports: [
        {
          protocol: "TCP",
          hostPort: 10080,
          hostIP: "0.0.0.0",
          workloads: [
            { namespace: "openshift-ingress-operator", kind: "IngressController", name: "shard-b", pods: 0 },
          ],
          workloadCount: 1,
          heldCount: 3,
          nodes: ["w1", "w2", "w3"],
          eligibleNodes: 3,
          freeCount: 0,
          freeNodes: [],
        },
      ],
      ingressControllers: [
        {
          namespace: "openshift-ingress-operator",
          name: "shard-b",
          endpointPublishingStrategy: "HostNetwork",
          hostNetwork: { httpPort: 10080, httpsPort: 10443, statsPort: 11936 },
          replicas: 2,
          availableReplicas: 0,
        },
      ],
    };
    const text = renderPortReport([withRouter], "markdown");
    expect(text).toContain(
      "| openshift-ingress-operator/shard-b | HostNetwork | 10080, 10443, 11936 (declared on every node it selects) | 2 asked, 0 available |",
    );
    expect(text).toContain("openshift-ingress-operator/shard-b (IngressController, declared)");
  });

  it("escapes every Markdown cell a cluster's text reaches: owner names and IngressController fields", () => {
    const hostile = "<script>alert(1)</script>|x";
    const [row] = map.ports;
    if (!row) throw new Error("fixture");
    const text = renderPortReport(
      [
        {
          ...map,
          ports: [{ ...row, workloads: [{ namespace: "ns", kind: "DaemonSet", name: hostile, pods: 3 }] }],
          ingressControllers: [
            {
              namespace: "openshift-ingress-operator",
              name: "edge",
              endpointPublishingStrategy: hostile,
              hostNetwork: null,
              replicas: null,
              availableReplicas: null,
            },
          ],
        },
      ],
      "markdown",
    );
    expect(text).not.toMatch(/<script/i);
    const escaped = "&lt;script&gt;alert(1)&lt;/script&gt;\\|x";
    expect(text).toContain(
      `| openshift-ingress-operator/edge | ${escaped} | none | unset (2) asked, ? available |`,
    );
    expect(text).toContain(`| 80 | TCP | 0.0.0.0 | ns/${escaped} (DaemonSet) | all 3 eligible nodes | 0 |`);
  });
});

describe("a port report page", () => {
  it("continues a cluster's table with rows only, so the pages concatenate into one table", () => {
    const [first, second] = map.ports;
    if (!first || !second) throw new Error("fixture");
    const whole = renderPortReport([{ ...map, totalPorts: 2 }], "markdown");
    const page1 = renderPortReport([{ ...map, ports: [first], totalPorts: 2 }], "markdown");
    const page2 = renderPortReport(
      [{ ...map, ports: [second], totalPorts: 2, continued: true }],
      "markdown",
      {
        heading: false,
      },
    );
    expect(page1 + page2).toBe(whole);
    expect(whole).toContain("2 host ports held (");
  });

  it("says how many workloads a row leaves out", () => {
    const [first] = map.ports;
    if (!first) throw new Error("fixture");
    const text = renderPortReport([{ ...map, ports: [{ ...first, workloadCount: 25 }] }], "markdown");
    expect(text).toContain("openshift-ingress/router-default (Deployment); +24 more");
  });
});

describe("observed listeners in the port report", () => {
  const hostile = "<img src=x|>";
  const observed = {
    nodes: 3,
    listeners: 4,
    processes: ["sshd", hostile],
    classes: ["host-service" as const, "declared" as const],
    loopbackOnly: false,
    willCrashNodes: 1,
    partial: false,
  };
  const [row] = map.ports;
  if (!row) throw new Error("fixture");
  const observedOnly = {
    protocol: "TCP",
    hostPort: 29103,
    hostIP: "",
    workloads: [],
    workloadCount: 0,
    heldCount: 0,
    nodes: [],
    eligibleNodes: 0,
    freeCount: 0,
    freeNodes: [],
    observedOnly: true,
    observed: { ...observed, nodes: 2, processes: ["ovnkube"], loopbackOnly: true, willCrashNodes: 0 },
  };
  const withListeners: ClusterPortMap = { ...map, ports: [{ ...row, observed }, observedOnly] };

  it.each([
    ["nothing observed", null, "–"],
    [
      "a host service on three nodes, in the way on one",
      observed,
      "3 nodes: sshd, <img src=x|> (host-service, declared); undeclared on 1 node a hostNetwork holder could take: a replica there would crash-loop",
    ],
    [
      "a loopback listener read in part",
      {
        ...observed,
        nodes: 1,
        processes: [],
        classes: [],
        loopbackOnly: true,
        willCrashNodes: 0,
        partial: true,
      },
      "1 node: no process; loopback only, still in the way of a wildcard bind; names from the first listeners read",
    ],
  ])("says %s", (_, value, text) => {
    expect(observedText(value)).toBe(text);
  });

  it("writes the observed column beside the holders, escaped, and marks observed-only rows", () => {
    const text = renderPortReport([withListeners], "markdown");
    expect(text).toContain("| Free slots | Observed listeners |");
    expect(text).not.toContain(hostile);
    expect(text).toContain(
      "| all 3 eligible nodes | 0 | 3 nodes: sshd, &lt;img src=x\\|&gt; (host-service, declared); undeclared on 1 node",
    );
    expect(text).toContain(
      "| 29103 | TCP | – | observed only: no pod or IngressController declares it | – | – | 2 nodes: ovnkube (host-service, declared); loopback only, still in the way of a wildcard bind |",
    );
  });

  it("adds the observed columns to the CSV", () => {
    const lines = renderPortReport([withListeners], "csv").trim().split("\n");
    expect(lines[1]?.endsWith(",false,3,sshd <img src=x|>,host-service declared")).toBe(true);
    expect(lines[2]).toBe(
      "prod-eu-1,2026-11-27T10:00:00.000Z,29103,TCP,,,0,0,,true,2,ovnkube,host-service declared",
    );
  });

  it("carries the observed summary and the mark in JSON", () => {
    const parsed = JSON.parse(renderPortReport([withListeners], "json")) as { clusters: ClusterPortMap[] };
    expect(parsed.clusters[0]?.ports[1]).toMatchObject({ observedOnly: true, observed: { nodes: 2 } });
  });
});
