/**
 * Shared port sets: workloads of one cluster that compete for the same host ports (by the
 * scheduler's rule: protocol and port equal, IPs equal or either 0.0.0.0) on nodes eligible for
 * both. Their headroom is low for one cause — each takes the nodes the other needs — and lowering
 * replicas does not remove it (two IngressControllers on 80/443/1936 over the same six workers have
 * six nodes between them whatever their replicas). The cure is to move one of them to other ports,
 * or to give them node placements that do not overlap; so the finding names the set, and the rows
 * of its workloads advise no scale-down for it.
 *
 * An IngressController and its own router Deployment are one workload here: the Deployment's row
 * is `partOf` the controller, whose row speaks for both (one shortage, one row to alert on).
 *
 * DaemonSets and static pods have no headroom row, but they compete all the same (a Traefik
 * Deployment on 9100 beside node-exporter's DaemonSet has no node left, whatever its replicas): they
 * join a set as members that hold their nodes and are never the one advised to move.
 */

import type { WorkloadHeadroom } from "./headroom.js";
import { type HostPortRef, hostPortsConflict } from "./ports.js";
import { isBlockerOnly, type WorkloadRef, workloadKey, workloadOf } from "./workload.js";

export interface SharedPortSetMember extends WorkloadRef {
  replicas: number;
  pending: number;
  /** an IngressController's spec.nodePlacement.nodeSelector (null: the CRD's default, workers) */
  nodeSelector?: Record<string, string> | null;
}

export interface SharedPortSet {
  /** two or more, in workloadKey order */
  workloads: SharedPortSetMember[];
  /** the ports they compete for (the first member's spelling) */
  ports: HostPortRef[];
  /** eligible nodes every pair of them shares */
  nodes: number;
}

export interface ControllerOfRouter {
  namespace: string;
  name: string;
  nodeSelector: Record<string, string> | null;
  router: WorkloadRef;
}

export interface SharedPortSetAnalysis {
  findings: SharedPortSet[];
  /** router Deployment key → the IngressController whose row speaks for it */
  partOf: Map<string, WorkloadRef>;
}

/** A DaemonSet or static pod as a set member: the ports it holds and the nodes it holds them on. */
export interface PerNodeHolder extends WorkloadRef {
  ports: HostPortRef[];
  nodes: string[];
}

/** The DaemonSets and static pods among a cluster's allocations, each with its ports and nodes. */
export function perNodeHolders(
  allocations: Iterable<{
    namespace: string;
    pod: string;
    ownerKind: string | null;
    ownerName: string | null;
    node: string;
    protocol: HostPortRef["protocol"];
    hostIP: string;
    hostPort: number;
  }>,
): PerNodeHolder[] {
  const holders = new Map<
    string,
    { ref: WorkloadRef; ports: Map<string, HostPortRef>; nodes: Set<string> }
  >();
  for (const a of allocations) {
    const ref = workloadOf(a);
    if (!isBlockerOnly(ref)) continue;
    const key = workloadKey(ref);
    let holder = holders.get(key);
    if (!holder) {
      holder = { ref, ports: new Map(), nodes: new Set() };
      holders.set(key, holder);
    }
    holder.ports.set(`${a.protocol}/${a.hostIP}/${a.hostPort}`, {
      protocol: a.protocol,
      hostIP: a.hostIP,
      hostPort: a.hostPort,
    });
    holder.nodes.add(a.node);
  }
  return [...holders.values()].map((h) => ({ ...h.ref, ports: [...h.ports.values()], nodes: [...h.nodes] }));
}

interface Candidate extends WorkloadRef {
  ports: readonly HostPortRef[];
  eligibleNodes: readonly string[];
  replicas: number;
  pending: number;
  /** a DaemonSet or static pod: holds its nodes, has no row of its own */
  perNode: boolean;
}

const byKey = (a: WorkloadRef, b: WorkloadRef) =>
  workloadKey(a) < workloadKey(b) ? -1 : workloadKey(a) > workloadKey(b) ? 1 : 0;

const portId = (p: HostPortRef) => `${p.protocol}/${p.hostPort}`;

/**
 * The shared port sets among headroom rows (IngressController rows included). Pairs that compete
 * for the same ports over the same nodes are one finding (three controllers on 80/443/1936 over the
 * same workers are one set, not three pairs). Candidate pairs come from an index by (protocol,
 * port), so workloads on ports nobody else uses cost nothing.
 */
export function sharedPortSets(
  rows: readonly WorkloadHeadroom[],
  /** the cluster's IngressControllers, each with its router Deployment (ingress-controllers.ts's routerWorkload) */
  controllers: readonly ControllerOfRouter[],
  /** the cluster's DaemonSets and static pods (perNodeHolders): members, never the one to move */
  perNode: readonly PerNodeHolder[] = [],
): SharedPortSetAnalysis {
  const partOf = new Map<string, WorkloadRef>();
  const selectorOf = new Map<string, Record<string, string> | null>();
  const withRow = new Set(rows.filter((r) => r.kind === "IngressController").map(workloadKey));
  for (const ic of controllers) {
    const ref = { namespace: ic.namespace, kind: "IngressController", name: ic.name };
    if (!withRow.has(workloadKey(ref))) continue;
    partOf.set(workloadKey(ic.router), ref);
    selectorOf.set(workloadKey(ref), ic.nodeSelector);
  }
  const members: Candidate[] = [
    ...rows.filter((r) => !partOf.has(workloadKey(r))).map((r) => ({ ...r, perNode: false })),
    ...perNode.map((h) => ({
      namespace: h.namespace,
      kind: h.kind,
      name: h.name,
      ports: h.ports,
      eligibleNodes: h.nodes,
      replicas: h.nodes.length,
      pending: 0,
      perNode: true,
    })),
  ];
  const byPort = new Map<string, number[]>();
  members.forEach((row, i) => {
    for (const port of new Set(row.ports.map(portId))) byPort.set(port, [...(byPort.get(port) ?? []), i]);
  });
  // Each member's eligible set built once, however many pairs it is in.
  const eligibleSets = new Map<number, Set<string>>();
  const eligibleOf = (i: number) => {
    let set = eligibleSets.get(i);
    if (!set) {
      set = new Set((members[i] as Candidate).eligibleNodes);
      eligibleSets.set(i, set);
    }
    return set;
  };
  const pairs = new Set<string>();
  for (const indexes of byPort.values())
    for (let x = 0; x < indexes.length; x++)
      for (let y = x + 1; y < indexes.length; y++) pairs.add(`${indexes[x]}:${indexes[y]}`);

  const groups = new Map<string, { members: Set<number>; ports: HostPortRef[]; nodes: number }>();
  for (const pair of pairs) {
    const [i, j] = pair.split(":").map(Number) as [number, number];
    const [a, b] = [members[i], members[j]] as [Candidate, Candidate];
    // Two per-node holders have no headroom row to speak to: their clash is a conflict, not advice.
    if (a.perNode && b.perNode) continue;
    const ports = a.ports.filter((p) => b.ports.some((q) => hostPortsConflict(p, q)));
    if (ports.length === 0) continue;
    const shared = a.eligibleNodes.filter((n) => eligibleOf(j).has(n));
    if (shared.length === 0) continue;
    const key = `${ports.map(portId).join(",")}|${shared.join("\u0000")}`;
    const group = groups.get(key);
    if (group) group.members.add(i).add(j);
    else groups.set(key, { members: new Set([i, j]), ports, nodes: shared.length });
  }
  const findings = [...groups.values()].map((g) => ({
    workloads: [...g.members]
      .map((i) => members[i] as Candidate)
      .sort(byKey)
      .map((w): SharedPortSetMember => {
        const base = {
          namespace: w.namespace,
          kind: w.kind,
          name: w.name,
          replicas: w.replicas,
          pending: w.pending,
        };
        const key = workloadKey(w);
        return selectorOf.has(key) ? { ...base, nodeSelector: selectorOf.get(key) ?? null } : base;
      }),
    ports: g.ports,
    nodes: g.nodes,
  }));
  findings.sort((a, b) => byKey(a.workloads[0] as WorkloadRef, b.workloads[0] as WorkloadRef));
  return { findings, partOf };
}

/**
 * The member whose row lists a set once (in the answer's `sharedPortSets`, on /metrics): the first
 * with a headroom row, which a DaemonSet or static pod never has.
 */
export const listingMember = (set: { workloads: readonly WorkloadRef[] }): WorkloadRef | undefined =>
  set.workloads.find((w) => !isBlockerOnly(w));

/** The findings a workload is a member of. */
export const findingsOf = (findings: readonly SharedPortSet[], w: WorkloadRef): SharedPortSet[] =>
  findings.filter((f) => f.workloads.some((m) => workloadKey(m) === workloadKey(w)));

const DEFAULT_INGRESS_CONTROLLER = "default";

/** "80/443/1936" when every port is TCP, else "53/UDP, 53/TCP". */
export function portsText(ports: readonly HostPortRef[]): string {
  const numbers = [...new Set(ports.map((p) => p.hostPort))];
  return ports.every((p) => p.protocol === "TCP")
    ? numbers.join("/")
    : ports.map((p) => `${p.hostPort}/${p.protocol}`).join(", ");
}

function namesText(workloads: readonly WorkloadRef[]): string {
  const sameKind = workloads.every((w) => w.kind === workloads[0]?.kind);
  const names = workloads.map((w) => (sameKind ? w.name : `${w.kind} ${w.name}`));
  return names.length <= 2
    ? names.join(" and ")
    : `${names.slice(0, -1).join(", ")} and ${names.at(-1) as string}`;
}

/**
 * The member to move: never a DaemonSet or static pod while another will do (they hold a port on
 * every node they run on, by design), an IngressController before other kinds (its move is one plan
 * away), never the `default` controller when another will do (it serves the cluster's own routes),
 * then the one with the most Pending replicas (it is the one not fitting), then the last by name.
 */
export function memberToMove(finding: SharedPortSet): SharedPortSetMember {
  const ranked = [...finding.workloads].sort(
    (a, b) =>
      Number(isBlockerOnly(a)) - Number(isBlockerOnly(b)) ||
      Number(b.kind === "IngressController") - Number(a.kind === "IngressController") ||
      Number(a.name === DEFAULT_INGRESS_CONTROLLER) - Number(b.name === DEFAULT_INGRESS_CONTROLLER) ||
      b.pending - a.pending ||
      -byKey(a, b),
  );
  return ranked[0] as SharedPortSetMember;
}

export interface SharedPortSetAdvice {
  /** "default and internal compete for 80/443/1936 on the same 6 nodes" */
  summary: string;
  /** the member advised to move */
  move: WorkloadRef;
  /** what to do, most direct first; never a scale-down */
  advice: string[];
}

const selectorFlag = (selector: Record<string, string>) =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** The finding in words, with the command that moves one member and the other way out. */
export function sharedPortSetAdvice(finding: SharedPortSet, cluster: string): SharedPortSetAdvice {
  const ports = portsText(finding.ports);
  const summary = `${namesText(finding.workloads)} compete for ${ports} on the same ${finding.nodes} node${finding.nodes === 1 ? "" : "s"}`;
  const move = memberToMove(finding);
  const others = namesText(finding.workloads.filter((w) => workloadKey(w) !== workloadKey(move)));
  const separate = `separate their node placements (nodeSelectors matching no common node), so ${move.name} and ${others} stop taking each other's nodes`;
  const ref = { namespace: move.namespace, kind: move.kind, name: move.name };
  if (move.kind === "IngressController") {
    const selector = move.nodeSelector ? ` --node-selector ${selectorFlag(move.nodeSelector)}` : "";
    return {
      summary,
      move: ref,
      advice: [
        `move ${move.name} to a free port set: portolan plan ingresscontroller ${move.name} --move --cluster ${cluster} --replicas ${move.replicas}${selector} -o yaml | oc apply -f -`,
        separate,
      ],
    };
  }
  return {
    summary,
    move: ref,
    advice: [
      `give ${move.kind} ${move.namespace}/${move.name} other host ports: portolan plan free --cluster ${cluster} --width ${finding.ports.length} finds a free range`,
      separate,
    ],
  };
}

/** A scale-down fix as rollout.ts words it. */
const SCALE_DOWN = /^lower replicas to /;

/**
 * A row's advice once its shared port sets are known: no scale-down for a shortage the set causes
 * (no `oc patch` of replicas, no "lower replicas" fix); the set's own advice comes first instead.
 */
export function withoutScaleDown<R extends { fixes: string[] }>(
  advice: { patch: string | null; rollout: R },
  sets: readonly Pick<SharedPortSetAdvice, "advice">[],
): { patch: string | null; rollout: R } {
  const first = sets[0];
  if (!first) return advice;
  const { rollout } = advice;
  const fixes = rollout.fixes.filter((fix) => !SCALE_DOWN.test(fix));
  return {
    patch: null,
    rollout:
      fixes.length === 0 && rollout.fixes.length === 0
        ? rollout
        : { ...rollout, fixes: [...first.advice, ...fixes] },
  };
}
