/**
 * Port profiles: the host-port ranges a new proposal (an IngressController, a hostPort workload) must
 * avoid on a cluster, each with the reason and where it is documented. Built in: `kubernetes` and
 * `openshift`. A cluster picks its profile and NodePort range by labels (PROFILE_LABEL,
 * NODE_PORT_RANGE_LABEL); without them, a `distribution` label of openshift or okd means openshift.
 * Reservations in force are added by the services; they are not a property of the profile.
 */
import type { Protocol } from "../contract/snapshot.js";

export const profileNames = ["kubernetes", "openshift"] as const;
export type ProfileName = (typeof profileNames)[number];

export const PROFILE_LABEL = "portolan.dev/port-profile";
export const NODE_PORT_RANGE_LABEL = "portolan.dev/node-port-range";
export const DEFAULT_NODE_PORT_RANGE = { from: 30000, to: 32767 } as const;

export interface PortRange {
  from: number;
  to: number;
}

export interface ExcludedRange extends PortRange {
  /** null: every protocol */
  protocol: Protocol | null;
  reason: string;
  source: string;
}

export interface ProfileSettings {
  profile: ProfileName;
  nodePortRange: PortRange;
  /** ports below 1024 are offered only when asked for */
  allowPrivileged: boolean;
}

const SOURCES = {
  linuxSysctl:
    "https://docs.kernel.org/networking/ip-sysctl.html (ip_unprivileged_port_start, ip_local_port_range)",
  k8sPorts: "https://kubernetes.io/docs/reference/networking/ports-and-protocols/",
  nodePort:
    "https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport (--service-node-port-range)",
  ingressCrd:
    "IngressController CRD, spec.endpointPublishingStrategy.hostNetwork: ports should not coincide with the NodePort range",
  ocpPorts:
    "https://docs.openshift.com/container-platform/latest/installing/installing_bare_metal/installing-bare-metal.html (Network connectivity requirements)",
} as const;

const every = (from: number, to: number, reason: string, source: string): ExcludedRange => ({
  protocol: null,
  from,
  to,
  reason,
  source,
});

/** Ranges every cluster avoids, after privileged ports and the NodePort range. */
const EPHEMERAL_GUESS_REASON = "Linux ephemeral (local) port range: outgoing connections take these";

const KUBERNETES_RANGES: readonly ExcludedRange[] = [
  every(2379, 2380, "etcd client and peer ports on control-plane nodes", SOURCES.k8sPorts),
  every(6443, 6443, "kube-apiserver", SOURCES.k8sPorts),
  every(
    10248,
    10259,
    "kubelet, kube-proxy, kube-controller-manager and kube-scheduler ports (10248–10259)",
    SOURCES.k8sPorts,
  ),
  every(32768, 60999, EPHEMERAL_GUESS_REASON, SOURCES.linuxSysctl),
];

const OPENSHIFT_RANGES: readonly ExcludedRange[] = [
  every(
    9000,
    9999,
    "host-level services on OpenShift nodes (node-exporter 9100, CVO 9099, …)",
    SOURCES.ocpPorts,
  ),
  { protocol: "UDP", from: 4789, to: 4789, reason: "VXLAN overlay", source: SOURCES.ocpPorts },
  {
    protocol: "UDP",
    from: 6081,
    to: 6081,
    reason: "Geneve overlay (OVN-Kubernetes)",
    source: SOURCES.ocpPorts,
  },
  every(22623, 22624, "Machine Config Server on control-plane nodes", SOURCES.ocpPorts),
];

/** The ranges a proposal must avoid under these settings, ordered by first port. */
export function excludedRanges(settings: ProfileSettings): ExcludedRange[] {
  const ranges: ExcludedRange[] = [...KUBERNETES_RANGES];
  if (!settings.allowPrivileged)
    ranges.push(
      every(
        1,
        1023,
        "privileged ports: binding them needs root or CAP_NET_BIND_SERVICE",
        SOURCES.linuxSysctl,
      ),
    );
  const { from, to } = settings.nodePortRange;
  ranges.push(
    every(
      from,
      to,
      "the cluster's NodePort range: Services of type NodePort listen there on every node",
      `${SOURCES.nodePort}; ${SOURCES.ingressCrd}`,
    ),
  );
  if (settings.profile === "openshift") ranges.push(...OPENSHIFT_RANGES);
  return ranges.sort((a, b) => a.from - b.from || a.to - b.to);
}

/**
 * `ranges` with Linux's default ephemeral range (a guess) replaced by the ip_local_port_range each node
 * reported (node_port_range_versions). `reported` is null when some node did not report one: the
 * guess then stays, beside the reported ranges, since that node's range is unknown.
 */
export function withReportedLocalRanges(
  ranges: readonly ExcludedRange[],
  reported: readonly { from: number; to: number }[] | null,
): ExcludedRange[] {
  const kept = reported === null ? [...ranges] : ranges.filter((r) => r.reason !== EPHEMERAL_GUESS_REASON);
  const seen = new Set<string>();
  for (const r of reported ?? []) {
    const key = `${r.from}-${r.to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(
      every(
        r.from,
        r.to,
        "the ip_local_port_range the nodes report: outgoing connections take these",
        SOURCES.linuxSysctl,
      ),
    );
  }
  return kept.sort((a, b) => a.from - b.from || a.to - b.to);
}

export type SettingsResult = { ok: true; settings: ProfileSettings } | { ok: false; message: string };

/**
 * A cluster's profile settings from its labels and the caller's choices (which win). A malformed
 * label is an error, not a silent default: the answer would offer ports the cluster uses.
 */
export function profileSettings(
  labels: Readonly<Record<string, string>>,
  choice: { profile?: ProfileName; allowPrivileged?: boolean } = {},
): SettingsResult {
  const named = labels[PROFILE_LABEL];
  if (named !== undefined && !(profileNames as readonly string[]).includes(named))
    return {
      ok: false,
      message: `label ${PROFILE_LABEL}="${named}" names no profile (${profileNames.join(", ")})`,
    };
  const distribution = labels.distribution?.toLowerCase();
  const inferred: ProfileName =
    distribution === "openshift" || distribution === "okd" ? "openshift" : "kubernetes";
  const range = parseRange(labels[NODE_PORT_RANGE_LABEL]);
  if (range === "invalid")
    return {
      ok: false,
      message: `label ${NODE_PORT_RANGE_LABEL}="${labels[NODE_PORT_RANGE_LABEL]}" is not a range such as 30000-32767`,
    };
  return {
    ok: true,
    settings: {
      profile: choice.profile ?? (named as ProfileName | undefined) ?? inferred,
      nodePortRange: range ?? DEFAULT_NODE_PORT_RANGE,
      allowPrivileged: choice.allowPrivileged ?? false,
    },
  };
}

function parseRange(text: string | undefined): PortRange | "invalid" | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(text);
  if (!match) return "invalid";
  const from = Number(match[1]);
  const to = Number(match[2]);
  return from >= 1 && from <= to && to <= 65535 ? { from, to } : "invalid";
}

/** The excluded ranges that overlap [from, to] on `protocol`. */
export function exclusionsHit(
  ranges: readonly ExcludedRange[],
  protocol: Protocol,
  from: number,
  to: number,
): ExcludedRange[] {
  return ranges.filter(
    (r) => (r.protocol === null || r.protocol === protocol) && r.from <= to && from <= r.to,
  );
}
