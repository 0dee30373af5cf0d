/**
 * Delta ingest: the changes since the cluster's last accepted state (src/contract/delta.ts), applied
 * to that state's open facts (from this process's BaseStates, else read back) and written exactly as
 * the whole snapshot of the resulting state would be. A base other than the last accepted state hash
 * is refused (409 BASE_MISMATCH), and a resulting state over the contract's bounds with the code a
 * whole snapshot of it would get, before anything is written. The delta's `hash` is stored as the
 * agent's claim (the next delta's base), never as proof of the state: see last_hash_claimed.
 */

import type { SQL } from "drizzle-orm";
import {
  canonicalIngressControllers,
  canonicalNode,
  canonicalNodeListeners,
  canonicalPod,
} from "../contract/canonical.js";
import type { SnapshotDelta } from "../contract/delta.js";
import { brokenStateBound } from "../contract/state-bounds.js";
import { bulkInsertMany, type InsertBatch } from "../db/bulk-insert.js";
import {
  allocationFactCount,
  applyFactDelta,
  type FactChanges,
  type FactState,
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
import { diffProjections, loadFactState, type OpenProjections, openProjectionsOf } from "./base-states.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { type PerTable, projectionTables, stateTables } from "./history-tables.js";
import {
  type Agent,
  admit,
  checkEnvelope,
  type IngestResult,
  insertsOf,
  inTurn,
  isLockNotAvailable,
  lockCluster,
  projections,
  writesOf,
} from "./ingest.js";
import {
  closeByKeys,
  type LoggedPush,
  logPush,
  openRows,
  pipelined,
  projectionDiff,
  runUpdates,
  writeIfAdmitted,
} from "./ingest-sql.js";
import { pushInProgress } from "./push-gate.js";

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
    () => deltaTurn(ctx, agent, { delta, observedAt, upserts, heartbeat }),
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

/** The delta applied to its base state, checked, with the projections recomputed if they moved. */
interface Applied {
  state: FactState;
  changes: FactChanges;
  /** null: the changes cannot move them */
  projected: ReturnType<typeof projections> | null;
  /**
   * the projections' rows that end and begin, diffed in memory against the open rows the base state
   * was kept with; null: not diffed here (unchanged, or the open rows are not known)
   */
  projectionChanges: ReturnType<typeof diffProjections> | null;
  /** the open projection rows once written, when known (kept with the state for the next delta) */
  projectionsAfter: OpenProjections | undefined;
}

/** The projections' part of Applied, from the open rows the base was kept with (if known). */
function projectionsApplied(
  projected: Applied["projected"],
  open: OpenProjections | undefined,
): Pick<Applied, "projectionChanges" | "projectionsAfter"> {
  if (!projected) return { projectionChanges: null, projectionsAfter: open };
  if (!open) return { projectionChanges: null, projectionsAfter: openProjectionsOf(projected) };
  const diff = diffProjections(open, projected);
  return { projectionChanges: diff, projectionsAfter: diff.after };
}

/** Rows a delta written as one statement inserts at most (as bulk-insert.ts's statements, for PGlite). */
const ROWS_IN_ONE_STATEMENT = 500;

/**
 * A delta's turn: a heartbeat, or a delta whose base state this process holds, is ONE statement
 * (writeIfAdmitted: the lock, the verdict's condition and every write), with no transaction around it;
 * anything else (a base read back from the database, a large change, a refusal to be worded) runs
 * in deltaTransaction, which decides in the same order as before.
 */
async function deltaTurn(ctx: ServiceContext, agent: Agent, push: DeltaPush) {
  if (push.heartbeat) return oneStatement(ctx, agent, push, null);
  const base = ctx.baseStates?.take(agent.clusterId, push.delta.delta.base);
  if (!base) return deltaTransaction(ctx, agent, push, null);
  const { state } = base;
  const changes = applyFactDelta(state, factDelta(push));
  // A refused delta goes through the transaction (which reads its base back): refusals keep their order.
  if (refusalOf(state, changes, push)) return deltaTransaction(ctx, agent, push, null);
  const projected = projectionsUnchanged(state, changes) ? null : projections(factsOfState(state));
  const applied: Applied = { state, changes, projected, ...projectionsApplied(projected, base.projections) };
  const moved = applied.projectionChanges;
  // Projection rows travel: the changed ones when diffed here, else all of them (diffed in SQL).
  const rows =
    stateTables.reduce((sum, h) => sum + changes[h.facts].open.length, 0) +
    (moved
      ? projectionTables.reduce((sum, h) => sum + moved.begin[h.name].length, 0)
      : projected
        ? projectionTables.reduce((sum, h) => sum + projected[h.facts].length, 0)
        : 0);
  return rows <= ROWS_IN_ONE_STATEMENT
    ? oneStatement(ctx, agent, push, applied)
    : deltaTransaction(ctx, agent, push, applied);
}

const factDelta = (push: DeltaPush) => ({
  upserts: push.upserts,
  removeNodes: push.delta.delta.nodes.remove,
  removePods: push.delta.delta.pods.remove,
  // Absent: unchanged; present: the whole new list (built with the upserts).
  ingressControllers: push.delta.delta.ingressControllers ? push.upserts.ingressControllers : undefined,
  removeReports: push.delta.delta.nodeListeners.remove,
});

/** Why the state a delta produces is refused (the bounds, pods or reports on unknown nodes), if it is. */
function refusalOf(state: FactState, changes: FactChanges, push: DeltaPush): ServiceError | undefined {
  // The bounds hold for the state the delta produces, as they do for a whole snapshot's.
  const broken = brokenStateBound(stateSize(state));
  if (broken) {
    return new ServiceError(
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
    return new ServiceError(
      "BAD_REQUEST",
      "UNKNOWN_NODE",
      `after the delta, pod ${pod.namespace}/${pod.name} is on node "${pod.node}", which the state does not have`,
    );
  }
  const unobservable = reportsOnUnknownNodes(state);
  if (unobservable.length > 0) {
    return new ServiceError(
      "BAD_REQUEST",
      "UNKNOWN_NODE",
      `after the delta, node "${unobservable[0]}" has a listener report but the state does not have the node`,
    );
  }
  return undefined;
}

const baseMismatch = (base: string) =>
  new ServiceError(
    "CONFLICT",
    "BASE_MISMATCH",
    `the delta's base ${base.slice(0, 12)}… is not this cluster's last accepted state; send the whole snapshot`,
  );

/** What a changed delta's log row says: counts, what it opened and closed, the tally and summary. */
function changedLog(agent: Agent, push: DeltaPush, receivedAt: string, applied: Applied) {
  const { state, changes, projected } = applied;
  const { base, hash } = push.delta.delta;
  const counted = stateTables.filter((h) => "counted" in h && h.counted);
  const opened = counted.reduce((sum, h) => sum + changes[h.facts].open.length, 0);
  const closed = counted.reduce((sum, h) => sum + changes[h.facts].close.length, 0);
  // A delta naming a new hash changed the state, as a whole snapshot with a new hash would have;
  // one naming its base but carrying changes changed it if any of its own facts ended or began.
  const changed =
    hash !== base ||
    stateTables.some((h) => changes[h.facts].close.length + changes[h.facts].open.length > 0);
  const log: LoggedPush = {
    clusterId: agent.clusterId,
    observedAt: push.observedAt,
    receivedAt,
    hash,
    hashClaimed: true,
    changed,
    agent: push.delta.agent,
    counts: { nodes: state.nodes.size, pods: state.pods.size, allocations: allocationFactCount(state) },
    opened,
    closed,
    portSummary: projected?.portSummary ?? null,
    // Only listeners and allocations move the tally: other changes keep the stored figures.
    listeners: (["nodeListeners", "nodePortRanges", "allocations"] as const).some(
      (k) => changes[k].open.length + changes[k].close.length > 0,
    )
      ? listenerTally(state.reports.values(), stateAllocations(state))
      : null,
  };
  return log;
}

/** A heartbeat's log row: the state, its sizes and what is known of its hash stay as they were. */
const heartbeatLog = (agent: Agent, push: DeltaPush, receivedAt: string): LoggedPush => ({
  clusterId: agent.clusterId,
  observedAt: push.observedAt,
  receivedAt,
  hash: push.delta.delta.hash,
  hashClaimed: "previous",
  changed: false,
  agent: push.delta.agent,
  counts: "previous",
  opened: 0,
  closed: 0,
  portSummary: null,
  listeners: null,
});

/** A heartbeat (applied null) or an applied delta as one statement; the verdict as deltaTransaction's. */
async function oneStatement(ctx: ServiceContext, agent: Agent, push: DeltaPush, applied: Applied | null) {
  const { observedAt } = push;
  const { base, hash } = push.delta.delta;
  const receivedAt = ctx.now().toISOString();
  const log = applied ? changedLog(agent, push, receivedAt, applied) : heartbeatLog(agent, push, receivedAt);
  const closes: SQL[] = [];
  const inserts: InsertBatch[] = [];
  if (applied) {
    const { changes, projected, projectionChanges: moved } = applied;
    const keyed: Partial<PerTable<readonly object[]>> = {};
    const opens: Partial<PerTable<readonly object[]>> = {};
    for (const h of stateTables) {
      keyed[h.name] = changes[h.facts].close;
      opens[h.name] = changes[h.facts].open;
    }
    // Diffed in memory: only the projection rows that end (by natural key) and begin travel.
    for (const h of moved ? projectionTables : []) {
      keyed[h.name] = moved?.close[h.name] ?? [];
      opens[h.name] = moved?.begin[h.name] ?? [];
    }
    closes.push(...closeByKeys(agent.clusterId, keyed, observedAt, true));
    inserts.push(...insertsOf(agent.clusterId, observedAt, opens));
    // The open rows not known here: every projection fact travels, diffed by fingerprint in SQL.
    for (const h of projected && !moved ? projectionTables : []) {
      const diff = projectionDiff(agent.clusterId, h, projected?.[h.facts] ?? [], observedAt);
      closes.push(diff.close);
      inserts.push(diff.insert);
    }
  }
  const { cluster, snapshotId } = await writeIfAdmitted(ctx.db, {
    tokenHash: agent.tokenHash,
    base,
    closes,
    inserts,
    log,
  }).catch((error: unknown) => {
    throw isLockNotAvailable(error) ? pushInProgress(agent.cluster) : error;
  });
  const retransmitted = admit(cluster, agent, { observedAt, hash, observedAtText: push.delta.observedAt });
  if (retransmitted) return { result: retransmitted };
  if (base !== cluster?.last_snapshot_hash) throw baseMismatch(base);
  if (snapshotId === null) throw new Error("an admitted push's statement wrote nothing");
  const result = { changed: log.changed, opened: log.opened, closed: log.closed, snapshotId };
  return applied ? { result, state: applied.state, projections: applied.projectionsAfter } : { result };
}

async function deltaTransaction(
  ctx: ServiceContext,
  agent: Agent,
  push: DeltaPush,
  /** the delta already applied to the base state this process held (which the lock confirms) */
  applied: Applied | null,
) {
  const { delta, observedAt } = push;
  const { base, hash } = delta.delta;
  return ctx.db.transaction(async (tx) => {
    const [cluster, prefetched] = await pipelined([
      lockCluster(tx, agent),
      // The projections' open rows: a delta's own facts end by natural key, these by fingerprint.
      openRows(tx, agent.clusterId, projectionTables),
    ]);
    const retransmitted = admit(cluster, agent, { observedAt, hash, observedAtText: delta.observedAt });
    if (retransmitted) return { result: retransmitted };
    if (base !== cluster?.last_snapshot_hash) throw baseMismatch(base);
    const receivedAt = ctx.now().toISOString();
    let done = applied;
    if (!done) {
      // Read back, the projections' open rows are not known (prefetched only as ids and fps).
      const taken = ctx.baseStates?.take(agent.clusterId, base) ?? {
        state: await loadFactState(tx, agent.clusterId),
        projections: undefined,
      };
      const { state } = taken;
      const changes = applyFactDelta(state, factDelta(push));
      const refused = refusalOf(state, changes, push);
      if (refused) throw refused;
      // Headroom, counts and port summary read the whole cluster: recomputed unless the changes cannot
      // move them (the same workloads, nodes and ports: the same counts too).
      const projected = projectionsUnchanged(state, changes) ? null : projections(factsOfState(state));
      // The projections are diffed below against the open rows read here, the truth.
      done = {
        state,
        changes,
        projected,
        projectionChanges: null,
        projectionsAfter: projected ? openProjectionsOf(projected) : taken.projections,
      };
    }
    const { state, changes, projected } = done;
    const diffs: Partial<PerTable<IntervalDiff<object>>> = {};
    const keyed: Partial<PerTable<readonly object[]>> = {};
    for (const h of stateTables) {
      diffs[h.name] = { close: [], open: changes[h.facts].open };
      keyed[h.name] = changes[h.facts].close;
    }
    for (const h of projected ? projectionTables : []) {
      const next: readonly { fp: string }[] = projected?.[h.facts] ?? [];
      diffs[h.name] = diffIntervals(prefetched[h.name], next);
    }
    const { updates, inserts } = writesOf(agent.clusterId, observedAt, diffs, keyed);
    const log = changedLog(agent, push, receivedAt, done);
    const [, snapshotId] = await pipelined([
      runUpdates(tx, updates),
      logPush(tx, log),
      bulkInsertMany(tx, inserts),
    ]);
    const result = { changed: log.changed, opened: log.opened, closed: log.closed, snapshotId };
    return { result, state, projections: done.projectionsAfter };
  });
}
