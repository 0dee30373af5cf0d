/** Small view builders for the planning tables: one line per node, pod or allocation. */
import type { AllocationView, NodeView, PodView } from "../../../src/domain/views.js";

export const node = (name: string, extra: Partial<NodeView> = {}): NodeView => ({
  name,
  labels: {},
  unschedulable: false,
  ready: true,
  taints: [],
  ...extra,
});

/** `ports` as 80, "UDP/53" or "10.0.0.1:80" (TCP unless a protocol prefix says otherwise). */
export function pod(
  name: string,
  nodeName: string | null,
  ports: (number | string)[],
  owner: [kind: string, name: string] | null,
  extra: Partial<PodView> = {},
): PodView {
  return {
    namespace: "ns",
    name,
    node: nodeName,
    ownerKind: owner?.[0] ?? null,
    ownerName: owner?.[1] ?? null,
    hostNetwork: false,
    ports: ports.map((spec) => ({ container: "main", ...parsePort(spec) })),
    nodeSelector: {},
    tolerations: [],
    requiredNodeAffinity: null,
    ...extra,
  };
}

function parsePort(spec: number | string) {
  if (typeof spec === "number") return { protocol: "TCP", hostIP: "0.0.0.0", hostPort: spec };
  const [, protocol = "TCP", hostIP = "0.0.0.0", port = "0"] =
    /^(?:(TCP|UDP|SCTP)\/)?(?:([^/]+):)?(\d+)$/.exec(spec) ?? [];
  return { protocol, hostIP, hostPort: Number(port) };
}

/** What ingest stores for bound pods: one allocation per declared port. */
export const allocationsOf = (pods: readonly PodView[]): AllocationView[] =>
  pods.flatMap(({ node, namespace, name, ownerKind, ownerName, hostNetwork, ports }) =>
    node === null
      ? []
      : ports.map(({ container, protocol, hostIP, hostPort }) => ({
          node,
          namespace,
          pod: name,
          ownerKind,
          ownerName,
          container,
          protocol,
          hostIP,
          hostPort,
          hostNetwork,
        })),
  );
