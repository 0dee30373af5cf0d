/**
 * The open facts of recently pushed clusters, by the state hash they stand for, so a delta push is
 * applied to memory instead of to the cluster's whole history read back. Only an accelerator: the
 * locked cluster row decides which state is current, and a miss reads the open facts from the
 * database (loadFactState). Facts are a function of the state, so an entry whose hash is the current
 * one is right whichever process wrote it. Bounded by facts held; the least recently pushed go first.
 */
import { type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { rawRows } from "../db/raw.js";
import { ingressControllerVersions, nodeVersions, podVersions, portAllocations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { type FactState, factCount, podKeyOf } from "../domain/fact-state.js";
import type { AllocationFact, IngressControllerFact, NodeFact, PodFact } from "../domain/history.js";

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

/**
 * `column AS "field"` for every field of a fact: the rows come back as the domain's facts themselves,
 * and a field added to the fact does not compile until it is read back here.
 */
function factColumns<T>(columns: { [K in keyof T]-?: PgColumn }): SQL {
  return sql.join(
    Object.entries<PgColumn>(columns).map(([field, column]) => sql`${column} AS ${sql.identifier(field)}`),
    sql`, `,
  );
}

/** The cluster's open facts read back (four statements in one pipeline), fingerprints as stored. */
export async function loadFactState(tx: Db, clusterId: number): Promise<FactState> {
  const open = (t: { clusterId: PgColumn; validTo: PgColumn }) =>
    sql`${t.clusterId} = ${clusterId} AND ${t.validTo} IS NULL`;
  const n = nodeVersions;
  const p = podVersions;
  const a = portAllocations;
  const ic = ingressControllerVersions;
  const [nodes, pods, allocations, ingressControllers] = await Promise.all([
    rawRows<NodeFact>(
      tx,
      sql`SELECT ${factColumns<NodeFact>({
        name: n.name,
        labels: n.labels,
        unschedulable: n.unschedulable,
        ready: n.ready,
        taints: n.taints,
        addresses: n.addresses,
        fp: n.fp,
      })} FROM ${n} WHERE ${open(n)}`,
    ),
    rawRows<PodFact>(
      tx,
      sql`SELECT ${factColumns<PodFact>({
        namespace: p.namespace,
        name: p.name,
        node: p.node,
        phase: p.phase,
        hostNetwork: p.hostNetwork,
        ownerKind: p.ownerKind,
        ownerName: p.ownerName,
        ports: p.ports,
        nodeSelector: p.nodeSelector,
        tolerations: p.tolerations,
        requiredNodeAffinity: p.requiredNodeAffinity,
        schedulingMessage: p.schedulingMessage,
        unschedulable: p.unschedulable,
        fp: p.fp,
      })} FROM ${p} WHERE ${open(p)}`,
    ),
    rawRows<AllocationFact>(
      tx,
      sql`SELECT ${factColumns<AllocationFact>({
        node: a.node,
        namespace: a.namespace,
        pod: a.pod,
        ownerKind: a.ownerKind,
        ownerName: a.ownerName,
        container: a.container,
        containerPort: a.containerPort,
        protocol: a.protocol,
        hostIP: a.hostIp,
        hostPort: a.hostPort,
        hostNetwork: a.hostNetwork,
        fp: a.fp,
      })} FROM ${a} WHERE ${open(a)}`,
    ),
    rawRows<IngressControllerFact>(
      tx,
      sql`SELECT ${factColumns<IngressControllerFact>({
        namespace: ic.namespace,
        name: ic.name,
        replicas: ic.replicas,
        availableReplicas: ic.availableReplicas,
        endpointPublishingStrategy: ic.endpointPublishingStrategy,
        hostNetwork: ic.hostNetwork,
        nodeSelector: ic.nodeSelector,
        tolerations: ic.tolerations,
        deployment: ic.deployment,
        fp: ic.fp,
      })} FROM ${ic} WHERE ${open(ic)} ORDER BY ${ic.namespace} COLLATE "C", ${ic.name} COLLATE "C"`,
    ),
  ]);
  const state: FactState = { nodes: new Map(), pods: new Map(), allocations: new Map(), ingressControllers };
  for (const node of nodes) state.nodes.set(node.name, node);
  for (const pod of pods) state.pods.set(podKeyOf(pod.namespace, pod.name), pod);
  for (const allocation of allocations) {
    const key = podKeyOf(allocation.namespace, allocation.pod);
    const list = state.allocations.get(key);
    if (list) list.push(allocation);
    else state.allocations.set(key, [allocation]);
  }
  return state;
}
