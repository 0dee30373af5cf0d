/**
 * The cluster's port allocation map, the document teams keep by hand: per (protocol, hostPort,
 * hostIP) which workloads hold it, on which nodes, and on which nodes one more replica could still
 * take it — nodes eligible for the holding workload (Ready, not cordoned, selectors, affinity,
 * taints) with no conflicting allocation. That is the "router-default: all 6 workers, 0 free" line.
 */
import { runSteps, STEP_CHUNK, type Steps } from "../contract/steps.js";
import { nodeEligibility } from "./eligibility.js";
import { indexByPort, portKey } from "./held-ports.js";
import { hostPortsConflict } from "./ports.js";
import type { AllocationView, ClusterView, PlacementRules, PodView } from "./views.js";
import { type WorkloadRef, workloadKey, workloadOf, workloadOfPod } from "./workload.js";

export type MapAllocation = Pick<
  AllocationView,
  "node" | "namespace" | "pod" | "ownerKind" | "ownerName" | "protocol" | "hostIP" | "hostPort"
>;

export interface PortMapRow {
  protocol: string;
  hostPort: number;
  hostIP: string;
  workloads: (WorkloadRef & { pods: number })[];
  nodes: string[];
  /** nodes eligible for at least one of the holding workloads */
  eligibleNodes: number;
  freeNodes: string[];
}

export interface PortMap {
  schedulableNodes: string[];
  rows: PortMapRow[];
}

/** localeCompare's order (ECMA-402 defines it as this collator's), without its per-call setup. */
const byName = new Intl.Collator().compare;

/** What a map reads: narrower than a full ClusterView, so callers may pass fewer facts. */
export interface PortMapFacts {
  nodes: ClusterView["nodes"];
  allocations: readonly MapAllocation[];
  /**
   * Pods whose placement rules a holding workload's free nodes follow: every pod, or at least the
   * lowest-named pod of each workload (the one that decides, see below).
   */
  pods: readonly Pick<PodView, "namespace" | "name" | "ownerKind" | "ownerName" | keyof PlacementRules>[];
}

/** Equal rules admit equal nodes: workloads sharing a template are judged once, not once each. */
const rulesFingerprint = (rules: PlacementRules) =>
  JSON.stringify([rules.nodeSelector ?? {}, rules.tolerations ?? [], rules.requiredNodeAffinity ?? null]);

export const buildPortMap = (facts: PortMapFacts): PortMap => runSteps(buildPortMapSteps(facts));

/** buildPortMap, stopping between chunks of allocations, nodes and rows (contract/steps.ts). */
export function* buildPortMapSteps(facts: PortMapFacts): Steps<PortMap> {
  const { map } = yield* portMapSteps(facts, false);
  return map;
}

/**
 * summarisePortMap(buildPortMap(facts)) without the map's node lists: per row its counts only, in
 * time of its holders instead of the cluster's nodes (ingest keeps only the summary; the full map
 * of 100,000 rows on 10,000 nodes would be a billion names).
 */
export function* portSummarySteps(facts: PortMapFacts): Steps<PortSummary[]> {
  const { summaries } = yield* portMapSteps(facts, true);
  return summaries;
}

function* portMapSteps(
  { nodes, pods, allocations }: PortMapFacts,
  countsOnly: boolean,
): Steps<{ map: PortMap; summaries: PortSummary[] }> {
  // Sorted once: filtering a sorted list keeps it sorted, so no row sorts its node lists again.
  const sortedNodes = [...nodes].sort((a, b) => byName(a.name, b.name));
  const schedulableNodes = sortedNodes.filter((n) => n.ready && !n.unschedulable).map((n) => n.name);
  const nodeNames = [...new Set(sortedNodes.map((n) => n.name))];
  /** names in byName order: the cluster's nodes filtered, unless some are not the cluster's */
  const inNodeOrder = (names: ReadonlySet<string>) => {
    const known = nodeNames.filter((name) => names.has(name));
    return known.length === names.size ? known : [...names].sort(byName);
  };
  // The placement rules of each workload, from its lowest-named pod (replicas share a template).
  const rulesByWorkload = new Map<string, { name: string; rules: PlacementRules }>();
  for (const pod of pods) {
    const key = workloadKey(workloadOfPod(pod));
    const seen = rulesByWorkload.get(key);
    if (!seen || pod.name < seen.name) rulesByWorkload.set(key, { name: pod.name, rules: pod });
  }
  const eligibleByRules = new Map<string, Set<string>>();
  const eligibleFor = function* (key: string) {
    const rules = rulesByWorkload.get(key)?.rules ?? {};
    const fingerprint = rulesFingerprint(rules);
    let eligible = eligibleByRules.get(fingerprint);
    if (!eligible) {
      eligible = new Set();
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i] as ClusterView["nodes"][number];
        if (nodeEligibility(node, rules).eligible) eligible.add(node.name);
        if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
      }
      eligibleByRules.set(fingerprint, eligible);
    }
    return eligible;
  };

  // Holders gather in a set: a list's `includes` made a DaemonSet's row quadratic in the nodes.
  const rows = new Map<
    string,
    {
      row: PortMapRow;
      holders: Set<string>;
      workloads: Map<string, WorkloadRef & { pods: Set<string> }>;
    }
  >();
  for (let i = 0; i < allocations.length; i++) {
    const a = allocations[i] as MapAllocation;
    if (i % STEP_CHUNK === STEP_CHUNK - 1) yield;
    const rowKey = `${a.protocol}/${a.hostPort}/${a.hostIP}`;
    let entry = rows.get(rowKey);
    if (!entry) {
      entry = {
        row: {
          protocol: a.protocol,
          hostPort: a.hostPort,
          hostIP: a.hostIP,
          workloads: [],
          nodes: [],
          eligibleNodes: 0,
          freeNodes: [],
        },
        holders: new Set(),
        workloads: new Map(),
      };
      rows.set(rowKey, entry);
    }
    entry.holders.add(a.node);
    const workload = workloadOf(a);
    const key = workloadKey(workload);
    let w = entry.workloads.get(key);
    if (!w) {
      w = { ...workload, pods: new Set<string>() };
      entry.workloads.set(key, w);
    }
    // The workload's key holds the namespace, so the pod's name alone tells its pods apart. An
    // IngressController's declared hold has no pod (domain/ingress-controllers.ts).
    if (a.pod !== "") w.pods.add(a.pod);
  }

  const byPort = indexByPort(allocations);
  const result: PortMapRow[] = [];
  const summaries: PortSummary[] = [];
  let sinceStop = 0;
  for (const { row, holders, workloads } of rows.values()) {
    // A row costs about its holders, plus the cluster's nodes when its node lists are built.
    sinceStop += holders.size + (countsOnly ? 1 : nodeNames.length);
    if (sinceStop >= STEP_CHUNK * 10) {
      sinceStop = 0;
      yield;
    }
    const keys = [...workloads.keys()];
    let eligible: ReadonlySet<string>;
    if (keys.length === 1) eligible = yield* eligibleFor(keys[0] as string);
    else {
      const union = new Set<string>();
      for (const key of keys) for (const node of yield* eligibleFor(key)) union.add(node);
      eligible = union;
    }
    // A node is free when none of its allocations conflicts with the row's port (holders included).
    const blocked = new Set<string>();
    for (const a of byPort.get(portKey(row)) ?? []) if (hostPortsConflict(row, a)) blocked.add(a.node);
    if (countsOnly) {
      let blockedEligible = 0;
      for (const node of blocked) if (eligible.has(node)) blockedEligible++;
      const { protocol, hostPort, hostIP } = row;
      summaries.push({
        protocol,
        hostPort,
        hostIP,
        held: holders.size,
        free: eligible.size - blockedEligible,
      });
      continue;
    }
    row.nodes = inNodeOrder(holders);
    row.workloads = [...workloads.values()]
      .map(({ pods: members, ...w }) => ({ ...w, pods: members.size }))
      .sort((x, y) => byName(`${x.namespace}/${x.name}`, `${y.namespace}/${y.name}`));
    row.eligibleNodes = eligible.size;
    row.freeNodes = nodeNames.filter((node) => eligible.has(node) && !blocked.has(node));
    result.push(row);
  }
  result.sort(compareRowKeys);
  summaries.sort(compareRowKeys);
  return { map: { schedulableNodes, rows: result }, summaries };
}

/** The key of a map row: what a page of the map is cut by. */
export type PortRowKey = Pick<PortMapRow, "protocol" | "hostPort" | "hostIP">;

const byCodePoint = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * Rows by port, then protocol and host IP in code-point order: the order SQL's `COLLATE "C"` pages
 * the map in, so a page read from the database and the rows built from it agree.
 */
export function compareRowKeys(x: PortRowKey, y: PortRowKey): number {
  return x.hostPort - y.hostPort || byCodePoint(x.protocol, y.protocol) || byCodePoint(x.hostIP, y.hostIP);
}

/**
 * Node names one answer lists per list. The counts beside them are exact, so a DaemonSet's port on
 * 5,000 nodes costs a row of about 2 KB, not 100 KB; ports.who pages the holders, ports.freeNodes
 * the free nodes.
 */
export const NODE_NAME_SAMPLE = 50;

/**
 * Workloads one answer lists per row: a port may be held by thousands of bare pods (each its own
 * workload), and a row's size must not follow that.
 */
export const WORKLOAD_SAMPLE = 20;

/** A map row as answers carry it: exact counts, and at most NODE_NAME_SAMPLE names per list. */
export interface PortMapEntry extends Omit<PortMapRow, "nodes" | "freeNodes"> {
  /** how many workloads hold the port; `workloads` lists the first WORKLOAD_SAMPLE by name */
  workloadCount: number;
  heldCount: number;
  /** the first holders by name */
  nodes: string[];
  freeCount: number;
  /** the first free nodes by name */
  freeNodes: string[];
}

export function boundedEntry(row: PortMapRow, sample = NODE_NAME_SAMPLE): PortMapEntry {
  return {
    ...row,
    workloadCount: row.workloads.length,
    workloads: row.workloads.slice(0, WORKLOAD_SAMPLE),
    heldCount: row.nodes.length,
    nodes: row.nodes.slice(0, sample),
    freeCount: row.freeNodes.length,
    freeNodes: row.freeNodes.slice(0, sample),
  };
}

/** A cluster's map as answers and reports carry it, its size independent of the cluster's. */
export function boundedPortMap(facts: PortMapFacts, sample = NODE_NAME_SAMPLE) {
  const map = buildPortMap(facts);
  return {
    schedulableNodes: map.schedulableNodes.length,
    ports: map.rows.map((row) => boundedEntry(row, sample)),
  };
}

/** The bounded entries of a page of the map's rows, in row order: facts need hold only their ports. */
export function boundedPortMapPage(
  facts: PortMapFacts,
  page: readonly PortRowKey[],
  sample = NODE_NAME_SAMPLE,
) {
  const map = buildPortMap(facts);
  const text = (key: PortRowKey) => `${key.protocol}/${key.hostPort}/${key.hostIP}`;
  const wanted = new Set(page.map(text));
  return {
    schedulableNodes: map.schedulableNodes.length,
    ports: map.rows.filter((row) => wanted.has(text(row))).map((row) => boundedEntry(row, sample)),
  };
}

/**
 * The host IP of a row only observed listeners hold: no allocation has it (an allocation's unset hostIP
 * is "0.0.0.0"), so such a row never meets a held one in the map's order or its cursors.
 */
export const OBSERVED_ONLY_HOST_IP = "";

/** A row for a port no pod and no IngressController declares, which nodes were observed listening on. */
export function observedOnlyEntry(key: Pick<PortRowKey, "protocol" | "hostPort">): PortMapEntry {
  return {
    protocol: key.protocol,
    hostPort: key.hostPort,
    hostIP: OBSERVED_ONLY_HOST_IP,
    workloads: [],
    workloadCount: 0,
    heldCount: 0,
    nodes: [],
    eligibleNodes: 0,
    freeCount: 0,
    freeNodes: [],
  };
}

/**
 * The page's entries in key order: the built rows, and for a key no allocation builds (a port only
 * observed listeners hold) its observed-only entry, marked.
 */
export function withObservedOnlyEntries(
  entries: readonly PortMapEntry[],
  page: readonly PortRowKey[],
): (PortMapEntry & { observedOnly: boolean })[] {
  const text = (key: PortRowKey) => `${key.protocol}/${key.hostPort}/${key.hostIP}`;
  const built = new Map(entries.map((e) => [text(e), e]));
  const rows: (PortMapEntry & { observedOnly: boolean })[] = [];
  for (const key of page) {
    const entry = built.get(text(key));
    if (entry) rows.push({ ...entry, observedOnly: false });
    // A held key the facts no longer build (a push ended it between the reads) is left out, as before.
    else if (key.hostIP === OBSERVED_ONLY_HOST_IP)
      rows.push({ ...observedOnlyEntry(key), observedOnly: true });
  }
  return rows;
}

/** The compact per-port figures kept on the cluster row for /metrics and the fleet view. */
export interface PortSummary {
  protocol: string;
  hostPort: number;
  hostIP: string;
  held: number;
  free: number;
}

export function summarisePortMap(map: PortMap): PortSummary[] {
  return map.rows.map((r) => ({
    protocol: r.protocol,
    hostPort: r.hostPort,
    hostIP: r.hostIP,
    held: r.nodes.length,
    free: r.freeNodes.length,
  }));
}
