/**
 * IngressController (operator.openshift.io/v1) → the contract's ingressControllers item, in canonical
 * form. Pure. The operator's rules are applied here so the server sees what the router really does:
 * the effective strategy is the status's (the spec's until the operator has reported), HostNetwork
 * ports 0 or unset are the CRD's defaults, and the router runs as Deployment router-<name> in
 * openshift-ingress.
 */
import { canonicalIngressController } from "../../../src/contract/canonical.js";
import { contractToleration } from "../../../src/contract/pod-spec-ports.js";
import type { SnapshotIngressController } from "../../../src/contract/snapshot.js";
import type {
  KubeEndpointPublishingStrategy,
  KubeIngressController,
  KubeLabelSelector,
} from "./kube-types.js";

/** Where the ingress operator runs every IngressController's router Deployment. */
export const ROUTER_NAMESPACE = "openshift-ingress";
const ROUTER_PREFIX = "router-";
/** A Deployment name is a DNS-1123 subdomain: at most 253 characters, prefix included. */
const MAX_DEPLOYMENT_NAME = 253;

export const ingressControllerKey = (object: KubeIngressController): string =>
  `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;

export function toSnapshotIngressController(object: KubeIngressController): SnapshotIngressController | null {
  const name = object.metadata?.name;
  const namespace = object.metadata?.namespace;
  if (!name || !namespace) return null;
  const { spec, status } = object;
  const strategy = status?.endpointPublishingStrategy ?? spec?.endpointPublishingStrategy;
  const type = strategy?.type || null;
  const routerName = ROUTER_PREFIX + name;
  return canonicalIngressController({
    namespace,
    name,
    replicas: count(spec?.replicas),
    availableReplicas: count(status?.availableReplicas),
    endpointPublishingStrategy: type,
    hostNetwork: type === "HostNetwork" ? hostNetworkPorts(strategy?.hostNetwork) : null,
    nodeSelector: selectorAsMap(spec?.nodePlacement?.nodeSelector),
    tolerations: (spec?.nodePlacement?.tolerations ?? []).map(contractToleration),
    // A name too long for the prefix cannot have a router Deployment (the operator would fail too).
    deployment:
      routerName.length <= MAX_DEPLOYMENT_NAME ? { namespace: ROUTER_NAMESPACE, name: routerName } : null,
  });
}

/** Replica counts: a non-negative integer, or null when unset (or not a count at all). */
function count(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null;
}

/** The CRD's defaults: 0 or unset → 80 / 443 / 1936; protocol "" (or unset) → TCP. */
function hostNetworkPorts(
  ports: KubeEndpointPublishingStrategy["hostNetwork"],
): NonNullable<SnapshotIngressController["hostNetwork"]> {
  const port = (value: number | undefined, byDefault: number) =>
    typeof value === "number" && Number.isInteger(value) && value > 0 && value <= 65535 ? value : byDefault;
  return {
    httpPort: port(ports?.httpPort, 80),
    httpsPort: port(ports?.httpsPort, 443),
    statsPort: port(ports?.statsPort, 1936),
    protocol: ports?.protocol === "PROXY" ? "PROXY" : "TCP",
  };
}

/**
 * The router's node selector as the operator computes it (metav1.LabelSelectorAsMap): matchLabels plus
 * each `In` expression with a single value; null when nodePlacement.nodeSelector is unset, which
 * means the CRD's default placement (linux workers). Expressions a map cannot hold are left out.
 */
function selectorAsMap(selector: KubeLabelSelector | undefined): Record<string, string> | null {
  if (!selector) return null;
  const map: Record<string, string> = { ...(selector.matchLabels ?? {}) };
  for (const expression of selector.matchExpressions ?? []) {
    const [value] = expression.values ?? [];
    if (expression.operator === "In" && expression.values?.length === 1 && value !== undefined)
      map[expression.key] = value;
  }
  return map;
}
