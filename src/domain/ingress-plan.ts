/**
 * Planning a new HostNetwork IngressController across clusters: one (http, https, stats) port set
 * free on every eligible node of every target cluster, outside every cluster's profile exclusions
 * and every reservation in force; the replicas that keep one eligible node spare; the manifest.
 * Candidates in order: the preferred ports, the ports reserved for this IngressController's name (a
 * plan made with --reserve and applied later prints the same manifest), then the pattern 80+k/443+k/1936+k (k = 10000, 20000, …,
 * then the thousands between: 11000, 12000, …, so a fleet whose 10080 set is taken gets 11080/11443/12936
 * rather than an arbitrary range), then the lowest contiguous triple in the window. `held` is what the services read in SQL: the
 * ports any eligible node of a target cluster holds (allocations and declared ports), for the
 * window and the candidates only.
 */
import type { Toleration } from "../contract/snapshot.js";
import { OPERATOR_NAMESPACE } from "./ingress-controllers.js";
import { type ExcludedRange, exclusionsHit } from "./port-profiles.js";

export type PortTriple = { httpPort: number; httpsPort: number; statsPort: number };
export type ChoiceRule = "preferred" | "reserved" | "pattern" | "contiguous";

export interface PlanCluster {
  name: string;
  excluded: readonly ExcludedRange[];
  /** reservations in force covering this cluster, TCP */
  reserved: readonly { id: number; portFrom: number; portTo: number; owner: string; purpose: string }[];
}

export type PortRefusal =
  | { port: number; reason: "held" }
  /** an observed node of a target cluster listens on it (any address): a router's bind would fail */
  | { port: number; reason: "listened" }
  | { port: number; reason: "excluded"; cluster: string; range: string; why: string; source: string }
  | {
      port: number;
      reason: "reserved";
      cluster: string;
      reservation: number;
      owner: string;
      purpose: string;
    };

export interface Candidate {
  ports: PortTriple;
  rule: ChoiceRule;
}

const PATTERN_STEP = 10_000;
const PATTERN_MINOR_STEP = 1_000;

export const triplePorts = (t: PortTriple) => [t.httpPort, t.httpsPort, t.statsPort];

/** The obvious candidates, in the order they are preferred. */
export function obviousCandidates(preferred: PortTriple | undefined, reserved?: PortTriple): Candidate[] {
  const candidates: Candidate[] = preferred ? [{ ports: preferred, rule: "preferred" }] : [];
  if (reserved) candidates.push({ ports: reserved, rule: "reserved" });
  const pattern = (k: number): Candidate => ({
    ports: { httpPort: 80 + k, httpsPort: 443 + k, statsPort: 1936 + k },
    rule: "pattern",
  });
  for (let k = PATTERN_STEP; 1936 + k <= 65535; k += PATTERN_STEP) candidates.push(pattern(k));
  for (let k = PATTERN_STEP + PATTERN_MINOR_STEP; 1936 + k <= 65535; k += PATTERN_MINOR_STEP)
    if (k % PATTERN_STEP !== 0) candidates.push(pattern(k));
  return candidates;
}

/** Why `port` cannot be offered (empty: it can), checking every target cluster. */
export function refusalsOf(
  port: number,
  clusters: readonly PlanCluster[],
  held: ReadonlySet<number>,
  listened: ReadonlySet<number> = new Set(),
): PortRefusal[] {
  const refusals: PortRefusal[] = [];
  if (held.has(port)) refusals.push({ port, reason: "held" });
  if (listened.has(port)) refusals.push({ port, reason: "listened" });
  for (const c of clusters) {
    for (const r of exclusionsHit(c.excluded, "TCP", port, port)) {
      refusals.push({
        port,
        reason: "excluded",
        cluster: c.name,
        range: r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`,
        why: r.reason,
        source: r.source,
      });
    }
    for (const r of c.reserved) {
      if (r.portFrom <= port && port <= r.portTo)
        refusals.push({
          port,
          reason: "reserved",
          cluster: c.name,
          reservation: r.id,
          owner: r.owner,
          purpose: r.purpose,
        });
    }
  }
  return refusals;
}

export interface PortChoice {
  chosen: Candidate | null;
  /** the obvious candidates passed over, with every port's refusals (patterned sets the profiles exclude are left out) */
  passedOver: { candidate: Candidate; refusals: PortRefusal[] }[];
}

/**
 * The first candidate whose three distinct ports are all free; failing the obvious ones, the lowest
 * contiguous triple in the window (read as `held` covers it).
 */
export function choosePorts(input: {
  preferred?: PortTriple | undefined;
  /** the ports reserved for the planned name (its own reservations are left out of `clusters`' reserved) */
  reservedForName?: PortTriple | undefined;
  clusters: readonly PlanCluster[];
  held: ReadonlySet<number>;
  /** ports an observed node of a target cluster listens on */
  listened?: ReadonlySet<number>;
  window: { from: number; to: number };
}): PortChoice {
  const { clusters, held, window } = input;
  const listened = input.listened ?? new Set<number>();
  const passedOver: PortChoice["passedOver"] = [];
  const free = (port: number) => refusalsOf(port, clusters, held, listened).length === 0;
  for (const candidate of obviousCandidates(input.preferred, input.reservedForName)) {
    const ports = triplePorts(candidate.ports);
    const inWindow = candidate.rule !== "pattern" || ports.every((p) => p >= window.from && p <= window.to);
    if (!inWindow) continue;
    const refusals = ports.flatMap((p) => refusalsOf(p, clusters, held, listened));
    if (refusals.length === 0 && new Set(ports).size === 3) return { chosen: candidate, passedOver };
    // A patterned set inside a profile's excluded ranges (30080 in the NodePort range, …) was never a
    // real option on these clusters: listing it would bury the sets someone actually holds.
    const onlyExcluded = candidate.rule === "pattern" && refusals.every((r) => r.reason === "excluded");
    if (!onlyExcluded) passedOver.push({ candidate, refusals });
  }
  for (let p = window.from; p + 2 <= window.to; p++) {
    if (!free(p)) continue;
    if (!free(p + 1)) {
      p += 1;
      continue;
    }
    if (!free(p + 2)) {
      p += 2;
      continue;
    }
    return {
      chosen: { ports: { httpPort: p, httpsPort: p + 1, statsPort: p + 2 }, rule: "contiguous" },
      passedOver,
    };
  }
  return { chosen: null, passedOver };
}

/** Replicas on a cluster: as asked, or eligible − 1 (at least 1) so one eligible node stays spare. */
export function sparingReplicas(asked: number, eligible: number) {
  const keepingSpare = Math.max(1, eligible - 1);
  const replicas = eligible === 0 ? 0 : Math.min(asked, keepingSpare);
  const arithmetic =
    eligible === 0
      ? "no eligible node: nothing can run here"
      : asked <= eligible - 1
        ? `${asked} asked ≤ ${eligible} eligible − 1 spare: ${asked}`
        : `${asked} asked > ${eligible} eligible − 1 spare: ${replicas}${eligible === 1 ? " (one node, none spare)" : ""}`;
  return { replicas, spare: Math.max(0, eligible - replicas), arithmetic };
}

/** The IngressController to apply (operator.openshift.io/v1), HostNetwork on the chosen ports. */
export function ingressControllerManifest(input: {
  name: string;
  replicas: number;
  ports: PortTriple;
  nodeSelector: Readonly<Record<string, string>>;
  tolerations: readonly Toleration[];
  domain?: string | undefined;
}) {
  return {
    apiVersion: "operator.openshift.io/v1",
    kind: "IngressController",
    metadata: { name: input.name, namespace: OPERATOR_NAMESPACE },
    spec: {
      ...(input.domain ? { domain: input.domain } : {}),
      replicas: input.replicas,
      endpointPublishingStrategy: {
        type: "HostNetwork",
        hostNetwork: { ...input.ports, protocol: "TCP" },
      },
      nodePlacement: {
        nodeSelector: { matchLabels: { ...input.nodeSelector } },
        // The CRD's toleration has no null fields: unset ones are left out.
        tolerations: input.tolerations.map((t) =>
          Object.fromEntries(Object.entries(t).filter(([, v]) => v !== null && v !== undefined && v !== "")),
        ),
      },
    },
  };
}

/** DNS-1123 subdomain length: an IngressController's name is one. */
const MAX_NAME = 253;

/**
 * A name no target cluster uses: NAME-2, NAME-3, … (the first free), shortening NAME when the
 * suffix would pass the length limit. `taken` holds the names in use in the operator's namespace.
 */
export function suggestFreeName(name: string, taken: ReadonlySet<string>): string {
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const base = name.slice(0, MAX_NAME - suffix.length).replace(/[-.]+$/, "");
    const candidate = `${base}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
