/**
 * The host-port workloads of the demo fleet, with the ports their real manifests declare
 * (/work/shared/design/workloads.md names the source of each).
 */
import {
  type DemoIngressController,
  type NodeSpec,
  type PortSpec,
  TOLERATE_ALL,
  type WorkloadSpec,
} from "./kube.js";

/** An OpenShift IngressController with the HostNetwork strategy: Deployment `router-<name>`. */
export function openshiftRouter(
  name: string,
  ports: { http: number; https: number; stats: number },
  nodeSelector: Record<string, string>,
): WorkloadSpec {
  return {
    namespace: "openshift-ingress",
    name: `router-${name}`,
    hostNetwork: true,
    ports: [
      { container: "router", port: ports.http },
      { container: "router", port: ports.https },
      { container: "router", port: ports.stats },
    ],
    nodeSelector,
  };
}

/** The IngressController behind openshiftRouter(name, …), as the agent reports it. */
export function ingressController(
  name: string,
  ports: { http: number; https: number; stats: number },
  nodeSelector: Record<string, string>,
  replicas: { spec: number; available: number },
): DemoIngressController {
  return {
    namespace: "openshift-ingress-operator",
    name,
    replicas: replicas.spec,
    availableReplicas: replicas.available,
    endpointPublishingStrategy: "HostNetwork",
    hostNetwork: { httpPort: ports.http, httpsPort: ports.https, statsPort: ports.stats, protocol: "TCP" },
    nodeSelector,
    tolerations: [],
    deployment: { namespace: "openshift-ingress", name: `router-${name}` },
  };
}

export const DEFAULT_ROUTER_PORTS = { http: 80, https: 443, stats: 1936 };

export const openshiftNodeExporter: WorkloadSpec = {
  namespace: "openshift-monitoring",
  name: "node-exporter",
  hostNetwork: true,
  ports: [{ container: "kube-rbac-proxy", port: 9100 }],
  tolerations: TOLERATE_ALL,
};

export const helmNodeExporter: WorkloadSpec = {
  namespace: "monitoring",
  name: "prometheus-node-exporter",
  hostNetwork: true,
  ports: [{ container: "node-exporter", port: 9100 }],
  tolerations: TOLERATE_ALL,
};

export const ovnkubeNode: WorkloadSpec = {
  namespace: "openshift-ovn-kubernetes",
  name: "ovnkube-node",
  hostNetwork: true,
  ports: [
    { container: "kube-rbac-proxy-node", port: 9103 },
    { container: "kube-rbac-proxy-ovn-metrics", port: 9105 },
  ],
  tolerations: TOLERATE_ALL,
};

export const datadogAgent: WorkloadSpec = {
  namespace: "datadog",
  name: "datadog-agent",
  hostNetwork: false,
  ports: [
    { container: "agent", port: 8125, protocol: "UDP" },
    { container: "trace-agent", port: 8126 },
  ],
  tolerations: TOLERATE_ALL,
};

export const metallbSpeaker: WorkloadSpec = {
  namespace: "metallb-system",
  name: "speaker",
  hostNetwork: true,
  ports: [
    { container: "speaker", port: 7472 },
    { container: "speaker", port: 7946 },
    { container: "speaker", port: 7946, protocol: "UDP" },
  ],
  tolerations: TOLERATE_ALL,
};

export const nodeLocalDns: WorkloadSpec = {
  namespace: "kube-system",
  name: "node-local-dns",
  hostNetwork: true,
  ports: [
    { container: "node-cache", port: 53, protocol: "UDP", hostIP: "169.254.20.10" },
    { container: "node-cache", port: 53, protocol: "TCP", hostIP: "169.254.20.10" },
    { container: "node-cache", port: 9253 },
  ],
  tolerations: TOLERATE_ALL,
};

export const cilium: WorkloadSpec = {
  namespace: "kube-system",
  name: "cilium",
  hostNetwork: true,
  ports: [
    { container: "cilium-agent", port: 4240 },
    { container: "cilium-agent", port: 4244 },
    { container: "cilium-agent", port: 9962 },
  ],
  tolerations: TOLERATE_ALL,
};

export const ciliumOperator: WorkloadSpec = {
  namespace: "kube-system",
  name: "cilium-operator",
  hostNetwork: true,
  ports: [{ container: "cilium-operator", port: 9963 }],
  tolerations: TOLERATE_ALL,
};

/** hostNetwork agents that declare no port: the scheduler cannot see what they listen on. */
export const undeclared = (namespace: string, name: string): WorkloadSpec => ({
  namespace,
  name,
  hostNetwork: true,
  ports: [],
  tolerations: TOLERATE_ALL,
});

export const calicoTypha: WorkloadSpec = {
  namespace: "calico-system",
  name: "calico-typha",
  hostNetwork: true,
  ports: [{ container: "calico-typha", port: 5473 }],
  tolerations: TOLERATE_ALL,
};

/** Traefik with hostNetwork: its metrics default to 9100, node-exporter's port. */
export const traefikHostNetwork: WorkloadSpec = {
  namespace: "traefik",
  name: "traefik",
  hostNetwork: true,
  ports: [
    { container: "traefik", port: 80 },
    { container: "traefik", port: 443 },
    { container: "traefik", port: 9100 },
  ],
};

/** k3s ServiceLB: one hostPort DaemonSet per LoadBalancer Service. */
export const svclbTraefik: WorkloadSpec = {
  namespace: "kube-system",
  name: "svclb-traefik",
  hostNetwork: false,
  ports: [
    { container: "lb-tcp-80", port: 80 },
    { container: "lb-tcp-443", port: 443 },
  ],
  tolerations: TOLERATE_ALL,
};

const staticPod = (namespace: string, name: string, ports: PortSpec[]): WorkloadSpec => ({
  namespace,
  name,
  hostNetwork: true,
  ports,
  tolerations: TOLERATE_ALL,
});

/** The control plane's static pods with declared ports, as each distribution names them. */
export function controlPlaneStaticPods(distribution: "openshift" | "kubernetes"): WorkloadSpec[] {
  if (distribution === "openshift") {
    return [
      staticPod("openshift-kube-controller-manager", "kube-controller-manager", [
        { container: "kube-controller-manager", port: 10257 },
        { container: "cluster-policy-controller", port: 10357 },
      ]),
      staticPod("openshift-kube-scheduler", "openshift-kube-scheduler", [
        { container: "kube-scheduler", port: 10259 },
      ]),
    ];
  }
  return [
    staticPod("kube-system", "etcd", [
      { container: "etcd", port: 2379 },
      { container: "etcd", port: 2380 },
    ]),
    staticPod("kube-system", "kube-controller-manager", [
      { container: "kube-controller-manager", port: 10257 },
    ]),
    staticPod("kube-system", "kube-scheduler", [{ container: "kube-scheduler", port: 10259 }]),
  ];
}

/** Node specs named `<cluster>-<role>-<i>`, spread over three zones, on the cluster's /16. */
export function nodeSpecs(
  cluster: string,
  clusterIndex: number,
  region: string,
  counts: Partial<Record<"control-plane" | "infra" | "worker", number>>,
): NodeSpec[] {
  const specs: NodeSpec[] = [];
  const zones = ["a", "b", "c"];
  let host = 10;
  for (const role of ["control-plane", "infra", "worker"] as const) {
    const prefix = role === "control-plane" ? "cp" : role;
    for (let i = 0; i < (counts[role] ?? 0); i++) {
      specs.push({
        name: `${cluster}-${prefix}-${i}`,
        role,
        zone: `${region}${zones[i % 3]}`,
        ip: `10.${clusterIndex}.${Math.floor(host / 250)}.${host % 250}`,
      });
      host++;
    }
  }
  return specs;
}
