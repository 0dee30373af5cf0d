/**
 * The upstream Kubernetes and k3s clusters of the demo fleet: a node-exporter/Traefik clash on 9100,
 * an edge agent gone silent, a port that moved, and a conflict that lasted an afternoon.
 */
import { node, noFreePorts, PodFactory } from "./kube.js";
import type { ClusterScript, ScriptContext } from "./script.js";
import { during } from "./timeline.js";
import {
  calicoTypha,
  cilium,
  ciliumOperator,
  controlPlaneStaticPods,
  datadogAgent,
  helmNodeExporter,
  metallbSpeaker,
  nodeLocalDns,
  nodeSpecs,
  svclbTraefik,
  traefikHostNetwork,
  undeclared,
} from "./workloads.js";

/** Where the demo's escaping probe lives: free text a dashboard must show as text, never as HTML. */
export const HTML_PROBE = "<img src=x onerror=alert(1)>";

export function stageEu1({ seed, timeline }: ScriptContext): ClusterScript {
  const name = "stage-eu-1";
  const region = "eu-central-1";
  const specs = nodeSpecs(name, 3, region, { "control-plane": 3, worker: 8 });
  const exporterInstalled = timeline.at(5, 9);
  const cordonedFrom = timeline.at(29, 6.5);
  const cordoned = `${name}-worker-7`;
  const pods = new PodFactory(seed, name);
  const controlPlane = specs.filter((s) => s.role === "control-plane");
  const traefikNodes = [`${name}-worker-0`, `${name}-worker-1`];
  // The DaemonSet's pod on a Traefik node cannot start: Traefik's metrics already hold 9100 there.
  const clash = noFreePorts(specs.length, 1, [
    `${specs.length - 1} node(s) didn't match Pod's node affinity/selector`,
  ]);
  return {
    name,
    labels: { env: "stage", region, distribution: "kubernetes", team: "platform" },
    changes: [exporterInstalled, cordonedFrom],
    events: [
      {
        at: exporterInstalled,
        cluster: name,
        kind: "port-clash",
        summary: `prometheus-node-exporter installed: its pods on ${traefikNodes.join(" and ")} stay Pending, Traefik's hostNetwork metrics hold 9100 there`,
      },
      {
        at: cordonedFrom,
        cluster: name,
        kind: "drain",
        summary: `${cordoned} cordoned for a disk replacement, still cordoned`,
      },
    ],
    stateAt(t) {
      const now = specs.map((s) => ({ ...s, cordoned: s.name === cordoned && during(t, cordonedFrom) }));
      return {
        nodes: now.map((s) => node(s, "kubernetes", region)),
        pods: [
          ...pods.deployment(
            traefikHostNetwork,
            traefikNodes.map((n) => ({ node: n })),
          ),
          ...(during(t, exporterInstalled)
            ? pods.daemonSet(helmNodeExporter, specs, 1, new Map(traefikNodes.map((n) => [n, clash])))
            : []),
          ...pods.daemonSet(undeclared("calico-system", "calico-node"), specs),
          ...pods.daemonSet(undeclared("kube-system", "kube-proxy"), specs),
          ...pods.deployment(calicoTypha, [{ node: `${name}-worker-2` }, { node: `${name}-worker-5` }]),
          ...pods.daemonSet(metallbSpeaker, specs),
          ...pods.daemonSet(nodeLocalDns, specs),
          ...pods.daemonSet(datadogAgent, specs),
          ...controlPlaneStaticPods("kubernetes").flatMap((w) =>
            controlPlane.map((c) => pods.staticPod(w, c.name)),
          ),
        ],
      };
    },
  };
}

export function edgeAp1({ seed, timeline }: ScriptContext): ClusterScript {
  const name = "edge-ap-1";
  const region = "ap-southeast-1";
  const specs = nodeSpecs(name, 4, region, { "control-plane": 1, worker: 5 });
  const silentFrom = timeline.ago(48);
  const pods = new PodFactory(seed, name);
  return {
    name,
    labels: { env: "prod", region, distribution: "k3s", team: "edge" },
    changes: [],
    silentFrom,
    events: [
      {
        at: silentFrom,
        cluster: name,
        kind: "agent-silent",
        summary: "the agent's last push: the site's uplink went down and nothing was heard since",
      },
    ],
    stateAt() {
      return {
        nodes: specs.map((s) => node(s, "k3s", region)),
        pods: [...pods.daemonSet(svclbTraefik, specs), ...pods.daemonSet(helmNodeExporter, specs)],
      };
    },
  };
}

export function devEu1({ seed, timeline }: ScriptContext): ClusterScript {
  const name = "dev-eu-1";
  const region = "eu-west-1";
  const specs = nodeSpecs(name, 5, region, { "control-plane": 1, worker: 6 });
  const probeNode = `${name}-worker-5`;
  const withProbe = specs.map((s) =>
    s.name === probeNode ? { ...s, extraAddresses: [{ type: "ExternalDNS", address: HTML_PROBE }] } : s,
  );
  const portMoved = timeline.at(12, 14);
  const conflictFrom = timeline.at(18, 13);
  const conflictTo = timeline.at(18, 16.33);
  const probeFrom = timeline.at(29, 8);
  const pods = new PodFactory(seed, name);
  const workers = specs.filter((s) => s.role === "worker");
  const blackbox = (port: number) => ({
    namespace: "monitoring",
    name: "blackbox-exporter",
    hostNetwork: true,
    ports: [{ container: "blackbox-exporter", port }],
  });
  const apmCollector = (port: number) => ({
    namespace: "observability",
    name: "apm-collector",
    hostNetwork: false,
    ports: [{ container: "collector", port }],
  });
  const xssProbe = {
    namespace: "xss-probe",
    name: "xss-probe",
    hostNetwork: true,
    ports: [{ container: "probe", port: 9962 }],
  };
  const taintedControlPlane = "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }";
  return {
    name,
    labels: { env: "dev", region, distribution: "kubernetes", team: "apps" },
    changes: [portMoved, conflictFrom, conflictTo, probeFrom],
    events: [
      {
        at: portMoved,
        cluster: name,
        kind: "port-moved",
        summary:
          "blackbox-exporter moved from hostPort 9101 to 9102 (9101 is kube-prometheus' exporter port)",
      },
      {
        at: conflictFrom,
        cluster: name,
        kind: "conflict",
        summary:
          "apm-collector asked for hostPort 8126, held by datadog-agent on every worker: Pending until it moved to 8127",
      },
    ],
    stateAt(t) {
      const apm = during(t, conflictFrom, conflictTo)
        ? pods.deployment(apmCollector(8126), [{ pending: noFreePorts(7, 6, [taintedControlPlane]) }])
        : during(t, conflictTo)
          ? pods.deployment(apmCollector(8127), [{ node: `${name}-worker-2` }], 2)
          : [];
      return {
        nodes: withProbe.map((s) => node(s, "kubernetes", region)),
        pods: [
          ...pods.daemonSet(cilium, specs),
          ...pods.deployment(ciliumOperator, [{ node: `${name}-worker-0` }, { node: `${name}-worker-1` }]),
          ...pods.daemonSet(metallbSpeaker, specs),
          ...pods.daemonSet(nodeLocalDns, specs),
          ...pods.daemonSet(datadogAgent, specs),
          ...(during(t, portMoved)
            ? pods.daemonSet(blackbox(9102), workers, 2)
            : pods.daemonSet(blackbox(9101), workers, 1)),
          ...apm,
          ...(during(t, probeFrom)
            ? pods.deployment(xssProbe, [
                { pending: `${noFreePorts(7, 6, [taintedControlPlane])} ${HTML_PROBE}` },
              ])
            : []),
          ...controlPlaneStaticPods("kubernetes").flatMap((w) =>
            specs.filter((s) => s.role === "control-plane").map((c) => pods.staticPod(w, c.name)),
          ),
        ],
      };
    },
  };
}
