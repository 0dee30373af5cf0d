import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import {
  INGRESS_DEFAULT_NODE_SELECTOR,
  type ManifestReading,
  parseClusterSelector,
  readManifest,
} from "../../../src/contract/manifest.js";

const read = (yaml: string): ManifestReading => readManifest(parseAllDocuments(yaml).map((d) => d.toJS()));

/** A pod template's spec under `kind`, as each kind nests it. */
const template = (spec: string) => `
  template:
    spec:
${spec
  .trim()
  .split("\n")
  .map((l) => `      ${l}`)
  .join("\n")}`;

const HOST_PORT_CONTAINER = `
containers:
  - name: proxy
    image: envoy
    ports:
      - {containerPort: 8080, hostPort: 18080}
      - {containerPort: 9901}`;

const tcp = (hostPort: number, hostIP = "0.0.0.0") => ({ hostPort, protocol: "TCP", hostIP });

describe("reading a manifest's host-port workloads", () => {
  it.each<[string, string, Record<string, unknown>]>([
    [
      "a Deployment: hostPort ports only, replicas, node selector, tolerations, required affinity",
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: edge, namespace: team-a}
spec:
  replicas: 3
${template(`${HOST_PORT_CONTAINER}
nodeSelector: {node-role.kubernetes.io/edge: ""}
tolerations: [{key: edge, operator: Exists, effect: NoSchedule}]
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a, b]}]}]`)}`,
      {
        kind: "Deployment",
        namespace: "team-a",
        name: "edge",
        ports: [tcp(18080)],
        replicas: 3,
        everyEligibleNode: false,
        nodeSelector: { "node-role.kubernetes.io/edge": "" },
        tolerations: [{ key: "edge", operator: "Exists", effect: "NoSchedule" }],
        requiredNodeAffinity: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] }],
        },
      },
    ],
    [
      "a hostNetwork DaemonSet template: every containerPort is a host port, on every eligible node",
      `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring}
spec:
${template(`hostNetwork: true
containers:
  - name: exporter
    ports: [{containerPort: 9100, protocol: TCP}, {containerPort: 9101, protocol: UDP, hostIP: 10.0.0.1}]`)}`,
      {
        kind: "DaemonSet",
        everyEligibleNode: true,
        ports: [tcp(9100), { hostPort: 9101, protocol: "UDP", hostIP: "10.0.0.1" }],
      },
    ],
    [
      "a sidecar init container (restartPolicy Always) holds its port; a plain init container does not",
      `kind: StatefulSet
metadata: {name: db}
spec:
${template(`initContainers:
  - {name: setup, ports: [{containerPort: 7000, hostPort: 7000}]}
  - {name: mesh, restartPolicy: Always, ports: [{containerPort: 15001, hostPort: 15001}]}
containers: [{name: db, ports: [{containerPort: 5432, hostPort: 5432}]}]`)}`,
      { kind: "StatefulSet", namespace: null, replicas: 1, ports: [tcp(15001), tcp(5432)] },
    ],
    [
      "an OpenShift DeploymentConfig",
      `apiVersion: apps.openshift.io/v1
kind: DeploymentConfig
metadata: {name: legacy, namespace: apps}
spec:
  replicas: 2
${template(HOST_PORT_CONTAINER)}`,
      { kind: "DeploymentConfig", replicas: 2, ports: [tcp(18080)] },
    ],
    [
      "a ReplicationController counts its replicas (default 1)",
      `kind: ReplicationController
metadata: {name: rc}
spec:
${template(HOST_PORT_CONTAINER)}`,
      { kind: "ReplicationController", replicas: 1 },
    ],
    [
      "a CronJob: its job template's parallelism is the replicas",
      `apiVersion: batch/v1
kind: CronJob
metadata: {name: scan, namespace: ops}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      parallelism: 2
      template:
        spec:
          restartPolicy: Never
          containers: [{name: scan, ports: [{containerPort: 8125, hostPort: 8125, protocol: UDP}]}]`,
      { kind: "CronJob", replicas: 2, ports: [{ hostPort: 8125, protocol: "UDP", hostIP: "0.0.0.0" }] },
    ],
    [
      "a Job without parallelism runs one pod",
      `kind: Job
metadata: {name: once}
spec:
${template(HOST_PORT_CONTAINER)}`,
      { kind: "Job", replicas: 1 },
    ],
    [
      "a bare Pod",
      `kind: Pod
metadata: {name: debug, namespace: default}
spec:
  hostNetwork: true
  containers: [{name: c, ports: [{containerPort: 2222}]}]`,
      { kind: "Pod", replicas: 1, ports: [tcp(2222)] },
    ],
    [
      "an IngressController with HostNetwork and nothing else set: 80/443/1936, 2 replicas, on workers",
      `apiVersion: operator.openshift.io/v1
kind: IngressController
metadata: {name: shard-b, namespace: openshift-ingress-operator}
spec:
  domain: apps-b.example.com
  endpointPublishingStrategy: {type: HostNetwork}`,
      {
        kind: "IngressController",
        name: "shard-b",
        ports: [tcp(80), tcp(443), tcp(1936)],
        replicas: 2,
        nodeSelector: INGRESS_DEFAULT_NODE_SELECTOR,
        tolerations: [],
        requiredNodeAffinity: null,
      },
    ],
    [
      "an IngressController's own ports (0 is the default), replicas and nodePlacement",
      `apiVersion: operator.openshift.io/v1
kind: IngressController
metadata: {name: shard-c, namespace: openshift-ingress-operator}
spec:
  replicas: 3
  endpointPublishingStrategy:
    type: HostNetwork
    hostNetwork: {httpPort: 10080, httpsPort: 10443, statsPort: 0, protocol: PROXY}
  nodePlacement:
    nodeSelector:
      matchLabels: {node-role.kubernetes.io/infra: ""}
      matchExpressions: [{key: zone, operator: NotIn, values: [c]}]
    tolerations: [{key: node-role.kubernetes.io/infra, operator: Exists, effect: NoSchedule}]`,
      {
        ports: [tcp(10080), tcp(10443), tcp(1936)],
        replicas: 3,
        nodeSelector: { "node-role.kubernetes.io/infra": "" },
        tolerations: [{ key: "node-role.kubernetes.io/infra", operator: "Exists", effect: "NoSchedule" }],
        requiredNodeAffinity: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["c"] }] }],
        },
      },
    ],
  ])("%s", (_name, yaml, expected) => {
    const reading = read(yaml);
    expect(reading.issues).toEqual([]);
    expect(reading.workloads).toHaveLength(1);
    expect(reading.workloads[0]).toMatchObject({ document: 1, path: "", ...expected });
  });

  it("refuses an IngressController whose ports coincide (httpsPort defaulted to 443), naming the fields", () => {
    const reading = read(`apiVersion: operator.openshift.io/v1
kind: IngressController
metadata: {name: shard-d, namespace: openshift-ingress-operator}
spec:
  endpointPublishingStrategy:
    type: HostNetwork
    hostNetwork: {httpPort: 443}`);
    expect(reading.workloads).toEqual([]);
    expect(reading.issues).toEqual([
      {
        document: 1,
        path: "spec.endpointPublishingStrategy.hostNetwork",
        message:
          "httpPort and httpsPort are both 443: its router would listen twice on one host port, so none could run; give each its own port",
      },
    ]);
  });

  it("reads every document of a stream and every item of a List, each named by document and path", () => {
    const reading = read(`kind: Deployment
metadata: {name: a}
spec:
${template(HOST_PORT_CONTAINER)}
---
apiVersion: v1
kind: Service
metadata: {name: a}
---
apiVersion: v1
kind: List
items:
  - kind: ConfigMap
    metadata: {name: x}
  - kind: Pod
    metadata: {name: b}
    spec: {containers: [{name: c, ports: [{containerPort: 1, hostPort: 7001}]}]}
`);
    expect(reading.issues).toEqual([]);
    expect(reading.workloads.map((w) => [w.document, w.path, w.kind, w.name])).toEqual([
      [1, "", "Deployment", "a"],
      [3, "items.1", "Pod", "b"],
    ]);
    expect(reading.notes).toEqual([
      { document: 2, path: "", message: "kind Service holds no host ports here: skipped" },
      { document: 3, path: "items.0", message: "kind ConfigMap holds no host ports here: skipped" },
    ]);
  });

  it.each<[string, string, string]>([
    [
      "a workload without host ports",
      `kind: Deployment\nmetadata: {name: web}\nspec:\n${template("containers: [{name: c, ports: [{containerPort: 80}]}]")}`,
      "Deployment/web declares no host ports: nothing to check",
    ],
    [
      "scaled to zero",
      `kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 0\n${template(HOST_PORT_CONTAINER)}`,
      "Deployment/web has 0 replicas: nothing to check",
    ],
    [
      "an IngressController on a load balancer",
      "kind: IngressController\nmetadata: {name: default}\nspec: {endpointPublishingStrategy: {type: LoadBalancerService}}",
      "IngressController with the LoadBalancerService strategy holds no host ports: nothing to check",
    ],
    ["an object without a kind", "metadata: {name: x}", "no kind: skipped"],
  ])("notes %s and checks nothing", (_name, yaml, note) => {
    const reading = read(yaml);
    expect(reading.workloads).toEqual([]);
    expect(reading.issues).toEqual([]);
    expect(reading.notes.map((n) => n.message)).toEqual([note]);
  });

  it.each<[string, string, { document: number; path: string }]>([
    [
      "a port that is not a number",
      `kind: Deployment\nmetadata: {name: web}\nspec:\n${template('containers: [{name: c, ports: [{containerPort: "80", hostPort: 80}]}]')}`,
      { document: 1, path: "spec.template.spec.containers.0.ports.0.containerPort" },
    ],
    [
      "a template without containers, in the second document",
      `kind: Pod\nmetadata: {name: ok}\nspec: {containers: [{name: c}]}\n---\nkind: DaemonSet\nmetadata: {name: ds}\nspec: {template: {spec: {}}}`,
      { document: 2, path: "spec.template.spec.containers" },
    ],
    [
      "a toleration with an unknown operator, inside a List",
      `kind: List\nitems:\n  - kind: Pod\n    metadata: {name: p}\n    spec: {containers: [{name: c}], tolerations: [{operator: Sometimes}]}`,
      { document: 1, path: "items.0.spec.tolerations.0.operator" },
    ],
    ["an object without a name", "kind: Deployment\nmetadata: {}", { document: 1, path: "metadata.name" }],
    [
      "a malformed target annotation",
      `kind: Pod\nmetadata: {name: p, annotations: {portolan.dev/clusters: "env"}}\nspec: {containers: [{name: c}]}`,
      { document: 1, path: "metadata.annotations.portolan.dev/clusters" },
    ],
    ["a document that is not an object", "just text", { document: 1, path: "" }],
  ])("refuses %s with the document and path", (_name, yaml, where) => {
    expect(read(yaml).issues[0]).toMatchObject(where);
  });

  it("takes the target clusters from the portolan.dev/clusters annotation", () => {
    const reading = read(`kind: Pod
metadata: {name: p, annotations: {portolan.dev/clusters: "env=prod, tier=edge"}}
spec: {containers: [{name: c, ports: [{containerPort: 1, hostPort: 7001}]}]}`);
    expect(reading.workloads[0]?.clusterSelector).toEqual({ env: "prod", tier: "edge" });
  });

  it.each([
    ["env=prod", { env: "prod" }],
    ["node-role.kubernetes.io/worker=", { "node-role.kubernetes.io/worker": "" }],
    ["env", "not key=value"],
    ["=prod", "not key=value"],
  ])("parses the cluster selector %s", (text, expected) => {
    const parsed = parseClusterSelector(text);
    if (typeof expected === "string") expect(parsed).toEqual(expect.stringContaining(expected));
    else expect(parsed).toEqual(expected);
  });
});

describe("an IngressController's defaults", () => {
  it("are the shipped CRD's defaults for the HostNetwork ports", () => {
    const crd = parse(
      readFileSync(
        "/work/shared/openshift/ingresscontrollers.operator.openshift.io-Default.crd.yaml",
        "utf8",
      ),
    ) as {
      spec: {
        versions: {
          schema: {
            openAPIV3Schema: {
              properties: {
                spec: {
                  properties: {
                    endpointPublishingStrategy: {
                      properties: { hostNetwork: { properties: Record<string, { default?: number }> } };
                    };
                  };
                };
              };
            };
          };
        }[];
      };
    };
    const ports =
      crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties.endpointPublishingStrategy
        .properties.hostNetwork.properties ?? {};
    const reading = read(
      "kind: IngressController\nmetadata: {name: x}\nspec: {endpointPublishingStrategy: {type: HostNetwork}}",
    );
    expect(reading.workloads[0]?.ports.map((p) => p.hostPort)).toEqual([
      ports.httpPort?.default,
      ports.httpsPort?.default,
      ports.statsPort?.default,
    ]);
  });
});
