/**
 * The open facts of recently pushed clusters, by the state hash they stand for, so a delta push is
 * applied to memory instead of to the cluster's whole history read back. Only an accelerator: the
 * locked cluster row decides which state is current, and a miss reads the open facts from the
 * database (loadFactState). Facts are a function of the state, so an entry whose hash is the current
 * one is right whichever process wrote it. Bounded by facts held; the least recently pushed go first.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { NodeAffinity, Protocol, Taint, Toleration } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import type { Db } from "../db/types.js";
import { type FactState, factCount, podKeyOf, reportsOf } from "../domain/fact-state.js";
import type {
  AllocationFact,
  DeclaredPort,
  IngressControllerFact,
  NodeFact,
  PodFact,
} from "../domain/history.js";
import type { NodeListenerFact, NodePortRangeFact } from "../domain/node-listeners.js";
import { factKey, type HistoryTableDeclaration, historyTables } from "./history-tables.js";

/** About two 5,000-node clusters (~115,000 facts each, ~70 MB); a Worker isolate is given less. */
export const DEFAULT_MAX_BASE_FACTS = 250_000;
/** A Worker isolate has 128 MB in all: room for a few hundred nodes' facts. */
export const WORKER_MAX_BASE_FACTS = 20_000;

interface Entry {
  hash: string;
  state: FactState;
  facts: number;
}

export class BaseStates {
  private readonly entries = new Map<number, Entry>();
  private held = 0;

  /**
   * One state is kept only up to half the budget: its facts sit beside those of the cluster's next
   * whole push until that push commits, and a state past that (the largest legal snapshots: 10,000
   * nodes, 150,000 pods) would take the server over its memory target. Deltas to such a cluster read
   * its open facts from the database instead.
   */
  private readonly maxStateFacts: number;

  constructor(private readonly maxFacts = DEFAULT_MAX_BASE_FACTS) {
    this.maxStateFacts = Math.floor(maxFacts / 2);
  }

  /** The cluster's facts if they stand for `hash`, handed over (the caller puts back what it commits). */
  take(clusterId: number, hash: string): FactState | undefined {
    const entry = this.entries.get(clusterId);
    if (!entry) return undefined;
    this.drop(clusterId, entry);
    return entry.hash === hash ? entry.state : undefined;
  }

  put(clusterId: number, hash: string, state: FactState): void {
    const old = this.entries.get(clusterId);
    if (old) this.drop(clusterId, old);
    const facts = factCount(state);
    if (facts > this.maxStateFacts) return;
    for (const [id, entry] of this.entries) {
      if (this.held + facts <= this.maxFacts) break;
      this.drop(id, entry);
    }
    this.entries.set(clusterId, { hash, state, facts });
    this.held += facts;
  }

  private drop(clusterId: number, entry: Entry): void {
    this.entries.delete(clusterId);
    this.held -= entry.facts;
  }
}

interface NodeRow {
  name: string;
  labels: Record<string, string>;
  unschedulable: boolean;
  ready: boolean;
  taints: Taint[];
  addresses: { type: string; address: string }[];
  fp: string;
}

interface PodRow {
  namespace: string;
  name: string;
  node: string | null;
  phase: string;
  host_network: boolean;
  owner_kind: string | null;
  owner_name: string | null;
  ports: DeclaredPort[];
  node_selector: Record<string, string>;
  tolerations: Toleration[];
  required_node_affinity: NodeAffinity | null;
  scheduling_message: string | null;
  unschedulable: boolean;
  fp: string;
}

interface AllocationRow {
  node: string;
  namespace: string;
  pod: string;
  owner_kind: string | null;
  owner_name: string | null;
  container: string;
  container_port: number;
  protocol: Protocol;
  host_ip: string;
  host_port: number;
  host_network: boolean;
  fp: string;
}

interface IngressControllerRow {
  namespace: string;
  name: string;
  replicas: number | null;
  available_replicas: number | null;
  endpoint_publishing_strategy: string | null;
  host_network: IngressControllerFact["hostNetwork"];
  node_selector: Record<string, string> | null;
  tolerations: Toleration[];
  deployment: IngressControllerFact["deployment"];
  fp: string;
}

const FRAME = new Set(["id", "clusterId", "validFrom", "validTo"]);

/** A history table's open facts read back as its fact builder made them: every column but the frame's, by the facts' keys. */
function openFacts<T>(tx: Db, clusterId: number, name: string): Promise<T[]> {
  const h = historyTables.find((t) => t.name === name) as HistoryTableDeclaration;
  const columns = Object.entries(getTableColumns(h.table)).filter(([key]) => !FRAME.has(key));
  const select = sql.join(
    columns.map(([key, column]) => sql`${sql.identifier(column.name)} AS ${sql.identifier(factKey(h, key))}`),
    sql`, `,
  );
  return rawRows<T>(
    tx,
    sql`SELECT ${select} FROM ${h.table} WHERE cluster_id = ${clusterId} AND valid_to IS NULL`,
  );
}

/** The cluster's open facts read back (one statement per table, in one pipeline), fingerprints as stored. */
export async function loadFactState(tx: Db, clusterId: number): Promise<FactState> {
  const open = sql`cluster_id = ${clusterId} AND valid_to IS NULL`;
  const [nodes, pods, allocations, controllers, nodeListeners, nodePortRanges] = await Promise.all([
    rawRows<NodeRow>(
      tx,
      sql`SELECT name, labels, unschedulable, ready, taints, addresses, fp FROM node_versions WHERE ${open}`,
    ),
    rawRows<PodRow>(
      tx,
      sql`SELECT namespace, name, node, phase, host_network, owner_kind, owner_name, ports, node_selector,
            tolerations, required_node_affinity, scheduling_message, unschedulable, fp
          FROM pod_versions WHERE ${open}`,
    ),
    rawRows<AllocationRow>(
      tx,
      sql`SELECT node, namespace, pod, owner_kind, owner_name, container, container_port, protocol, host_ip,
            host_port, host_network, fp
          FROM port_allocations WHERE ${open}`,
    ),
    rawRows<IngressControllerRow>(
      tx,
      sql`SELECT namespace, name, replicas, available_replicas, endpoint_publishing_strategy, host_network,
            node_selector, tolerations, deployment, fp
          FROM ingress_controller_versions WHERE ${open} ORDER BY namespace COLLATE "C", name COLLATE "C"`,
    ),
    openFacts<NodeListenerFact>(tx, clusterId, "nodeListeners"),
    openFacts<NodePortRangeFact>(tx, clusterId, "nodePortRanges"),
  ]);
  const state: FactState = {
    nodes: new Map(),
    pods: new Map(),
    allocations: new Map(),
    ingressControllers: controllers.map((c) => ({
      fp: c.fp,
      namespace: c.namespace,
      name: c.name,
      replicas: c.replicas,
      availableReplicas: c.available_replicas,
      endpointPublishingStrategy: c.endpoint_publishing_strategy,
      hostNetwork: c.host_network,
      nodeSelector: c.node_selector,
      tolerations: c.tolerations,
      deployment: c.deployment,
    })),
    reports: reportsOf({ nodeListeners, nodePortRanges }),
  };
  for (const n of nodes) state.nodes.set(n.name, n satisfies NodeFact);
  for (const p of pods) {
    const fact: PodFact = {
      fp: p.fp,
      namespace: p.namespace,
      name: p.name,
      node: p.node,
      phase: p.phase,
      hostNetwork: p.host_network,
      ownerKind: p.owner_kind,
      ownerName: p.owner_name,
      ports: p.ports,
      nodeSelector: p.node_selector,
      tolerations: p.tolerations,
      requiredNodeAffinity: p.required_node_affinity,
      schedulingMessage: p.scheduling_message,
      unschedulable: p.unschedulable,
    };
    state.pods.set(podKeyOf(p.namespace, p.name), fact);
  }
  for (const a of allocations) {
    const fact: AllocationFact = {
      fp: a.fp,
      node: a.node,
      namespace: a.namespace,
      pod: a.pod,
      ownerKind: a.owner_kind,
      ownerName: a.owner_name,
      container: a.container,
      containerPort: a.container_port,
      protocol: a.protocol,
      hostIP: a.host_ip,
      hostPort: a.host_port,
      hostNetwork: a.host_network,
    };
    const key = podKeyOf(a.namespace, a.pod);
    const list = state.allocations.get(key);
    if (list) list.push(fact);
    else state.allocations.set(key, [fact]);
  }
  return state;
}
