/**
 * Delta ingest: the changes since the cluster's last accepted state (src/contract/delta.ts), applied
 * to that state's open facts (from this process's BaseStates, else read back) and written exactly as
 * the whole snapshot of the resulting state would be. A base other than the last accepted state hash
 * is refused (409 BASE_MISMATCH), and a resulting state over the contract's bounds with the code a
 * whole snapshot of it would get, before anything is written. The delta's `hash` is stored as the
 * agent's claim (the next delta's base), never as proof of the state: see last_hash_claimed.
 */

import {
  canonicalIngressControllers,
  canonicalNode,
  canonicalNodeListeners,
  canonicalPod,
} from "../contract/canonical.js";
import type { SnapshotDelta } from "../contract/delta.js";
import { brokenStateBound } from "../contract/state-bounds.js";
import { bulkInsertMany } from "../db/bulk-insert.js";
import {
  allocationFactCount,
  applyFactDelta,
  factsOfState,
  podsOnUnknownNodes,
  projectionsUnchanged,
  reportsOnUnknownNodes,
  stateAllocations,
  stateSize,
} from "../domain/fact-state.js";
import {
  diffIntervals,
  factsFromState,
  type IntervalDiff,
  type PodFact,
  type SnapshotFacts,
} from "../domain/history.js";
import { listenerTally } from "../domain/listener-tally.js";
import { loadFactState } from "./base-states.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { type PerTable, projectionTables, stateTables } from "./history-tables.js";
import {
  type Agent,
  admit,
  checkEnvelope,
  type IngestResult,
  inTurn,
  lockCluster,
  projections,
  writesOf,
} from "./ingest.js";
import { logPush, openRows, runUpdates } from "./ingest-sql.js";

export async function ingestDelta(
  ctx: ServiceContext,
  agent: Agent,
  delta: SnapshotDelta,
): Promise<IngestResult> {
  const observedAt = checkEnvelope(ctx, agent, delta);
  const { nodes, pods } = delta.delta;
  // The upserted objects' facts, built before the transaction as a whole snapshot's are.
  const upserts = factsFromState({
    cluster: delta.cluster,
    nodes: nodes.upsert.map(canonicalNode),
    pods: pods.upsert.map(canonicalPod),
    ingressControllers: canonicalIngressControllers(delta.delta.ingressControllers ?? []),
    nodeListeners: delta.delta.nodeListeners.upsert.map(canonicalNodeListeners),
  });
  const heartbeat = isHeartbeat(delta);
  return inTurn(
    ctx,
    agent,
    delta.delta.hash,
    () => deltaTransaction(ctx, agent, { delta, observedAt, upserts, heartbeat }),
    heartbeat ? "kept" : "claimed",
  );
}

/**
 * A delta that says nothing changed: `hash == base` and no changes at all. One that carries changes
 * is applied whatever its hash says, so a wrong hash cannot make the server skip them.
 */
function isHeartbeat({ delta }: SnapshotDelta): boolean {
  return (
    delta.hash === delta.base &&
    delta.nodes.upsert.length === 0 &&
    delta.nodes.remove.length === 0 &&
    delta.pods.upsert.length === 0 &&
    delta.pods.remove.length === 0 &&
    delta.ingressControllers === undefined &&
    delta.nodeListeners.upsert.length === 0 &&
    delta.nodeListeners.remove.length === 0
  );
}

interface DeltaPush {
  delta: SnapshotDelta;
  observedAt: Date;
  upserts: SnapshotFacts;
  heartbeat: boolean;
}

async function deltaTransaction(ctx: ServiceContext, agent: Agent, push: DeltaPush) {
  const { delta, observedAt } = push;
  const { base, hash } = delta.delta;
  return ctx.db.transaction(async (tx) => {
    const [cluster, prefetched] = await Promise.all([
      lockCluster(tx, agent),
      // The projections' open rows: a delta's own facts end by natural key, these by fingerprint.
      !push.heartbeat ? openRows(tx, agent.clusterId, projectionTables) : null,
    ]);
    const retransmitted = admit(cluster, agent, { observedAt, hash, observedAtText: delta.observedAt });
    if (retransmitted) return { result: retransmitted };
    if (base !== cluster?.last_snapshot_hash) {
      throw new ServiceError(
        "CONFLICT",
        "BASE_MISMATCH",
        `the delta's base ${base.slice(0, 12)}… is not this cluster's last accepted state; send the whole snapshot`,
      );
    }
    const receivedAt = ctx.now().toISOString();
    if (push.heartbeat) {
      // Same state: as for an unchanged whole snapshot, nothing but the log row is written.
      const snapshotId = await logPush(tx, {
        clusterId: agent.clusterId,
        observedAt,
        receivedAt,
        hash,
        hashClaimed: "previous",
        changed: false,
        agent: delta.agent,
        counts: "previous",
        opened: 0,
        closed: 0,
        portSummary: null,
        listeners: null,
      });
      return { result: { changed: false, opened: 0, closed: 0, snapshotId } };
    }
    const state = ctx.baseStates?.take(agent.clusterId, base) ?? (await loadFactState(tx, agent.clusterId));
    const changes = applyFactDelta(state, {
      upserts: push.upserts,
      removeNodes: delta.delta.nodes.remove,
      removePods: delta.delta.pods.remove,
      // Absent: unchanged; present: the whole new list (built with the upserts).
      ingressControllers: delta.delta.ingressControllers ? push.upserts.ingressControllers : undefined,
      removeReports: delta.delta.nodeListeners.remove,
    });
    // The bounds hold for the state the delta produces, as they do for a whole snapshot's.
    const broken = brokenStateBound(stateSize(state));
    if (broken) {
      throw new ServiceError(
        "BAD_REQUEST",
        broken.code,
        `the state this delta would produce has ${broken.count} ${broken.what}; at most ${broken.max}`,
      );
    }
    const dangling = podsOnUnknownNodes(
      state,
      changes.nodes.close.length > 0 ? state.pods.values() : push.upserts.pods,
    );
    if (dangling.length > 0) {
      const pod = dangling[0] as PodFact;
      throw new ServiceError(
        "BAD_REQUEST",
        "UNKNOWN_NODE",
        `after the delta, pod ${pod.namespace}/${pod.name} is on node "${pod.node}", which the state does not have`,
      );
    }
    const unobservable = reportsOnUnknownNodes(state);
    if (unobservable.length > 0) {
      throw new ServiceError(
        "BAD_REQUEST",
        "UNKNOWN_NODE",
        `after the delta, node "${unobservable[0]}" has a listener report but the state does not have the node`,
      );
    }
    // Headroom, counts and port summary read the whole cluster: recomputed unless the changes cannot
    // move them (the same workloads, nodes and ports: the same counts too).
    const projected = projectionsUnchanged(state, changes) ? null : projections(factsOfState(state));
    const diffs: Partial<PerTable<IntervalDiff<object>>> = {};
    const keyed: Partial<PerTable<readonly object[]>> = {};
    for (const h of stateTables) {
      diffs[h.name] = { close: [], open: changes[h.facts].open };
      keyed[h.name] = changes[h.facts].close;
    }
    for (const h of projected ? projectionTables : []) {
      const next: readonly { fp: string }[] = projected?.[h.facts] ?? [];
      diffs[h.name] = diffIntervals(prefetched?.[h.name] ?? [], next);
    }
    const { updates, inserts, opened, closed } = writesOf(agent.clusterId, observedAt, diffs, keyed);
    // A delta naming a new hash changed the state, as a whole snapshot with a new hash would have;
    // one naming its base but carrying changes changed it if any of its own facts ended or began.
    const changed =
      hash !== base ||
      stateTables.some((h) => changes[h.facts].close.length + changes[h.facts].open.length > 0);
    const [, snapshotId] = await Promise.all([
      runUpdates(tx, updates),
      logPush(tx, {
        clusterId: agent.clusterId,
        observedAt,
        receivedAt,
        hash,
        hashClaimed: true,
        changed,
        agent: delta.agent,
        counts: {
          nodes: state.nodes.size,
          pods: state.pods.size,
          allocations: allocationFactCount(state),
        },
        opened,
        closed,
        portSummary: projected?.portSummary ?? null,
        // Only listeners and allocations move the tally: other changes keep the stored figures.
        listeners: (["nodeListeners", "nodePortRanges", "allocations"] as const).some(
          (k) => changes[k].open.length + changes[k].close.length > 0,
        )
          ? listenerTally(state.reports.values(), stateAllocations(state))
          : null,
      }),
      bulkInsertMany(tx, inserts),
    ]);
    return { result: { changed, opened, closed, snapshotId }, state };
  });
}
