/**
 * A page of the port map built from per-key aggregates instead of one object per allocation: for
 * each key (port, protocol, host IP) of the page's ports its distinct holder nodes and its workloads
 * with their pod counts, as SQL groups them. The answer is buildPortMap's for the page's rows (same
 * holders, workloads, eligible and free nodes), plus, for a page of the cluster's nodes, which of them
 * hold each row's port and which are free for it.
 */

import { nodeEligibility } from "./eligibility.js";
import { portKey } from "./held-ports.js";
import {
  boundedEntry,
  NODE_NAME_SAMPLE,
  type PortMapEntry,
  type PortMapFacts,
  type PortMapRow,
  type PortRowKey,
} from "./port-map.js";
import { hostPortsConflict } from "./ports.js";
import type { PlacementRules } from "./views.js";
import { type WorkloadRef, workloadKey, workloadOfPod } from "./workload.js";

/** localeCompare's order, as buildPortMap sorts names. */
const byName = new Intl.Collator().compare;

/** A key of the map and the distinct nodes holding it (allocations and declared holds alike). */
export interface HeldKey extends PortRowKey {
  holders: readonly string[];
}

/** A workload holding a key, and how many of its pods do (declared holds have no pod). */
export interface HeldKeyWorkload extends PortRowKey, WorkloadRef {
  pods: number;
}

export interface HeldPortFacts {
  nodes: PortMapFacts["nodes"];
  /** every key of the page's ports, not only the page's: a row's free nodes exclude conflicting keys' holders */
  keys: readonly HeldKey[];
  workloads: readonly HeldKeyWorkload[];
  /** the deciding pod of each holding workload (or more pods: the lowest-named of a workload decides) */
  pods: PortMapFacts["pods"];
}

/** Of a page of the cluster's nodes, those holding a row's key and those free for it. */
export interface NodePageCells {
  held: string[];
  free: string[];
}

const keyText = (key: PortRowKey) => `${key.protocol}/${key.hostPort}/${key.hostIP}`;

const rulesFingerprint = (rules: PlacementRules) =>
  JSON.stringify([rules.nodeSelector ?? {}, rules.tolerations ?? [], rules.requiredNodeAffinity ?? null]);

/** The cluster's node names in the map's order (byName), each once. */
export function sortedNodeNames(nodes: PortMapFacts["nodes"]): string[] {
  return [...new Set(nodes.map((n) => n.name))].sort(byName);
}

/**
 * The page's rows in key order (keys nothing holds are left out, as buildPortMap has no row for them),
 * bounded like boundedPortMapPage's, each with its cells on `pageNodes` (names in the map's order).
 */
export function heldPortMapPage(
  facts: HeldPortFacts,
  page: readonly PortRowKey[],
  pageNodes: readonly string[],
  sample = NODE_NAME_SAMPLE,
): { schedulableNodes: number; ports: (PortMapEntry & { pageNodes: NodePageCells })[] } {
  const { nodes } = facts;
  const nodeNames = sortedNodeNames(nodes);
  const schedulableNodes = nodes.filter((n) => n.ready && !n.unschedulable).length;
  const inNodeOrder = (names: ReadonlySet<string>) => {
    const known = nodeNames.filter((name) => names.has(name));
    return known.length === names.size ? known : [...names].sort(byName);
  };
  const rulesByWorkload = new Map<string, { name: string; rules: PlacementRules }>();
  for (const pod of facts.pods) {
    const key = workloadKey(workloadOfPod(pod));
    const seen = rulesByWorkload.get(key);
    if (!seen || pod.name < seen.name) rulesByWorkload.set(key, { name: pod.name, rules: pod });
  }
  const eligibleByRules = new Map<string, ReadonlySet<string>>();
  const eligibleFor = (key: string) => {
    const rules = rulesByWorkload.get(key)?.rules ?? {};
    const fingerprint = rulesFingerprint(rules);
    let eligible = eligibleByRules.get(fingerprint);
    if (!eligible) {
      eligible = new Set(nodes.filter((node) => nodeEligibility(node, rules).eligible).map((n) => n.name));
      eligibleByRules.set(fingerprint, eligible);
    }
    return eligible;
  };
  const holdersByKey = new Map<string, ReadonlySet<string>>();
  const keysByPort = new Map<string, HeldKey[]>();
  for (const key of facts.keys) {
    holdersByKey.set(keyText(key), new Set(key.holders));
    const port = portKey(key);
    keysByPort.set(port, [...(keysByPort.get(port) ?? []), key]);
  }
  const workloadsByKey = new Map<string, HeldKeyWorkload[]>();
  for (const w of facts.workloads) {
    const text = keyText(w);
    workloadsByKey.set(text, [...(workloadsByKey.get(text) ?? []), w]);
  }

  const ports: (PortMapEntry & { pageNodes: NodePageCells })[] = [];
  for (const key of page) {
    const holders = holdersByKey.get(keyText(key));
    if (!holders) continue;
    const workloads = (workloadsByKey.get(keyText(key)) ?? [])
      .map(({ namespace, kind, name, pods }) => ({ namespace, kind, name, pods }))
      .sort((x, y) => byName(`${x.namespace}/${x.name}`, `${y.namespace}/${y.name}`));
    const eligible = new Set<string>();
    for (const w of workloads) for (const node of eligibleFor(workloadKey(w))) eligible.add(node);
    // A node is free when no key of the port that conflicts with this one is held there (this one included).
    const blocked = new Set<string>();
    for (const other of keysByPort.get(portKey(key)) ?? [])
      if (hostPortsConflict(key, other)) for (const node of other.holders) blocked.add(node);
    const isFree = (node: string) => eligible.has(node) && !blocked.has(node);
    const row: PortMapRow = {
      protocol: key.protocol,
      hostPort: key.hostPort,
      hostIP: key.hostIP,
      workloads,
      nodes: inNodeOrder(holders),
      eligibleNodes: eligible.size,
      freeNodes: nodeNames.filter(isFree),
    };
    ports.push({
      ...boundedEntry(row, sample),
      pageNodes: { held: pageNodes.filter((n) => holders.has(n)), free: pageNodes.filter(isFree) },
    });
  }
  return { schedulableNodes, ports };
}

/** A page of the cluster's nodes in the map's order, after a node name (the previous page's nextCursor). */
export interface NodePage {
  names: string[];
  /** the cluster's nodes at the instant */
  total: number;
  /** how many nodes come before the page */
  offset: number;
  /** the nodeCursor of the next page; null: this is the last */
  nextCursor: string | null;
  /** the nodeCursor of the previous page; null: the previous page is the first (no cursor) or there is none */
  prevCursor: string | null;
  hasPrevious: boolean;
}

export function nodePageOf(names: readonly string[], after: string | undefined, limit: number): NodePage {
  // The page starts at the first name past the cursor, so a node gone since the last page moves nothing.
  const start = after === undefined ? 0 : names.findIndex((name) => byName(name, after) > 0);
  const offset = start < 0 ? names.length : start;
  const page = names.slice(offset, offset + limit);
  const previousStart = Math.max(0, offset - limit);
  return {
    names: page,
    total: names.length,
    offset,
    nextCursor: offset + limit < names.length ? (page[page.length - 1] ?? null) : null,
    prevCursor: previousStart > 0 ? (names[previousStart - 1] ?? null) : null,
    hasPrevious: offset > 0,
  };
}
