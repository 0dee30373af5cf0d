/**
 * Snapshot ingest (docs/data-model.md): one transaction per push. Pushes of one cluster take turns
 * in the process (PushGate) and the cluster row lock (NOWAIT) serialises them across processes; an
 * unchanged state costs O(1); a changed one is a set-based diff of open intervals per table. Time
 * comes from observedAt only, so a replayed history is identical; an observedAt beyond the server
 * clock plus the allowed skew is refused, because it would freeze the cluster's history.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Snapshot } from "../contract/snapshot.js";
import { bulkInsert } from "../db/bulk-insert.js";
import { databaseErrorCode } from "../db/failures.js";
import {
  clusters,
  headroomVersions,
  nodeVersions,
  podVersions,
  portAllocations,
  snapshots,
} from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { type CanonicalState, canonicalState, stateHash } from "../domain/canonical.js";
import { workloadHeadroom } from "../domain/headroom.js";
import {
  allocationCount,
  diffIntervals,
  factsFromState,
  headroomFacts,
  type OpenRow,
  type SnapshotFacts,
} from "../domain/history.js";
import { buildPortMap, summarisePortMap } from "../domain/port-map.js";
import { latestAcceptedObservedAt } from "./cluster-clock.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { pushInProgress } from "./push-gate.js";

export interface IngestResult {
  changed: boolean;
  opened: number;
  closed: number;
  snapshotId: number;
}

const CLOSE_CHUNK = 20_000;

type VersionTable =
  | typeof nodeVersions
  | typeof podVersions
  | typeof portAllocations
  | typeof headroomVersions;

async function openRows(tx: Db, table: VersionTable, clusterId: number): Promise<OpenRow[]> {
  return tx
    .select({ id: table.id, fp: table.fp })
    .from(table)
    .where(and(eq(table.clusterId, clusterId), isNull(table.validTo)));
}

async function closeRows(tx: Db, table: VersionTable, ids: number[], at: Date): Promise<void> {
  for (let i = 0; i < ids.length; i += CLOSE_CHUNK) {
    const chunk = ids.slice(i, i + CLOSE_CHUNK);
    // One array parameter instead of one parameter per id.
    await tx
      .update(table)
      .set({ validTo: at })
      .where(sql`${table.id} = ANY(${`{${chunk.join(",")}}`}::bigint[])`);
  }
}

async function applyFacts(tx: Db, clusterId: number, facts: SnapshotFacts, at: Date) {
  // Statements issued together go out pipelined on the transaction's connection (postgres.js), so
  // a push costs three round trips here (reads, closes, inserts) instead of one per statement.
  const [nodeOpen, podOpen, allocationOpen, headroomOpen] = await Promise.all([
    openRows(tx, nodeVersions, clusterId),
    openRows(tx, podVersions, clusterId),
    openRows(tx, portAllocations, clusterId),
    openRows(tx, headroomVersions, clusterId),
  ]);
  const nodes = diffIntervals(nodeOpen, facts.nodes);
  const pods = diffIntervals(podOpen, facts.pods);
  const allocations = diffIntervals(allocationOpen, facts.allocations);
  const headroom = diffIntervals(
    headroomOpen,
    headroomFacts(workloadHeadroom(facts.nodes, facts.pods, facts.allocations)),
  );
  // Close before open: the unique open-key indexes must never see two open versions of one key.
  await Promise.all([
    closeRows(tx, nodeVersions, nodes.close, at),
    closeRows(tx, podVersions, pods.close, at),
    closeRows(tx, portAllocations, allocations.close, at),
    closeRows(tx, headroomVersions, headroom.close, at),
  ]);
  const interval = { clusterId, validFrom: at };
  await Promise.all([
    bulkInsert(
      tx,
      nodeVersions,
      nodes.open.map((n) => ({ ...interval, ...n })),
    ),
    bulkInsert(
      tx,
      podVersions,
      pods.open.map((p) => ({ ...interval, ...p })),
    ),
    bulkInsert(
      tx,
      portAllocations,
      allocations.open.map(({ hostIP, ...a }) => ({ ...interval, ...a, hostIp: hostIP })),
    ),
    bulkInsert(
      tx,
      headroomVersions,
      headroom.open.map((h) => ({ ...interval, ...h })),
    ),
  ]);
  // Counts describe the snapshot's own facts; headroom rows are derived from them.
  return {
    opened: nodes.open.length + pods.open.length + allocations.open.length,
    closed: nodes.close.length + pods.close.length + allocations.close.length,
  };
}

export async function ingestSnapshot(
  ctx: ServiceContext,
  agent: { clusterId: number; cluster: string },
  snapshot: Snapshot,
): Promise<IngestResult> {
  if (snapshot.cluster !== agent.cluster) {
    throw new ServiceError(
      "FORBIDDEN",
      "CLUSTER_MISMATCH",
      `this token belongs to cluster "${agent.cluster}", not "${snapshot.cluster}"`,
    );
  }
  const observedAt = new Date(snapshot.observedAt);
  const latest = latestAcceptedObservedAt(ctx);
  if (observedAt.getTime() > latest.getTime()) {
    // Accepted, it would make every later push stale until the agent's clock caught up.
    throw new ServiceError(
      "BAD_REQUEST",
      "OBSERVED_AT_IN_FUTURE",
      `observedAt ${snapshot.observedAt} is ahead of the server's time (${ctx.now().toISOString()}) by more than the allowed clock skew of ${ctx.config.maxClockSkewSeconds}s; fix the agent's clock`,
    );
  }
  const state = canonicalState(snapshot);
  const hash = await stateHash(state);
  const write = () => ingestTransaction(ctx, agent, { state, hash, observedAt, snapshot });
  return ctx.pushGate ? ctx.pushGate.run(agent.clusterId, agent.cluster, write) : write();
}

/** PostgreSQL's lock_not_available: NOWAIT found the row locked. */
const LOCK_NOT_AVAILABLE = "55P03";

const isLockNotAvailable = (error: unknown) => databaseErrorCode(error) === LOCK_NOT_AVAILABLE;

async function ingestTransaction(
  ctx: ServiceContext,
  agent: { clusterId: number; cluster: string },
  push: { state: CanonicalState; hash: string; observedAt: Date; snapshot: Snapshot },
): Promise<IngestResult> {
  const { state, hash, observedAt, snapshot } = push;
  return ctx.db.transaction(async (tx) => {
    // NOWAIT: a push of this cluster running elsewhere (another replica or isolate) answers 429
    // at once instead of parking this connection on the row lock.
    const [cluster] = await tx
      .select({
        lastObservedAt: clusters.lastObservedAt,
        lastSnapshotHash: clusters.lastSnapshotHash,
        lastSnapshotId: clusters.lastSnapshotId,
        removedAt: clusters.removedAt,
      })
      .from(clusters)
      .where(eq(clusters.id, agent.clusterId))
      .for("update", { noWait: true })
      .catch((error: unknown) => {
        throw isLockNotAvailable(error) ? pushInProgress(agent.cluster) : error;
      });
    if (!cluster || cluster.removedAt) {
      throw new ServiceError("UNAUTHORIZED", "UNAUTHORIZED", `cluster "${agent.cluster}" has been removed`);
    }
    const last = cluster.lastObservedAt;
    if (last && observedAt.getTime() <= last.getTime()) {
      if (
        observedAt.getTime() === last.getTime() &&
        hash === cluster.lastSnapshotHash &&
        cluster.lastSnapshotId
      ) {
        return { changed: false, opened: 0, closed: 0, snapshotId: cluster.lastSnapshotId };
      }
      throw new ServiceError(
        "CONFLICT",
        "STALE_SNAPSHOT",
        `observedAt ${snapshot.observedAt} is not after the latest accepted snapshot (${last.toISOString()})`,
      );
    }
    const changed = hash !== cluster.lastSnapshotHash;
    // Facts (per-row fingerprints) cost more than the hash: build them only when something changed.
    const facts = changed ? factsFromState(state) : null;
    const { opened, closed } = facts
      ? await applyFacts(tx, agent.clusterId, facts, observedAt)
      : { opened: 0, closed: 0 };
    const [logged] = await tx
      .insert(snapshots)
      .values({
        clusterId: agent.clusterId,
        observedAt,
        receivedAt: ctx.now(),
        hash,
        changed,
        agentVersion: snapshot.agent?.version ?? null,
        agentMode: snapshot.agent?.mode ?? null,
        nodeCount: state.nodes.length,
        podCount: state.pods.length,
        allocationCount: allocationCount(state),
        opened,
        closed,
      })
      .returning({ id: snapshots.id });
    if (!logged) throw new Error("snapshot log insert returned no row");
    await tx
      .update(clusters)
      .set({
        lastSeenAt: ctx.now(),
        lastObservedAt: observedAt,
        lastSnapshotHash: hash,
        lastSnapshotId: logged.id,
        snapshotsAccepted: sql`${clusters.snapshotsAccepted} + 1`,
        ...(facts
          ? {
              snapshotsChanged: sql`${clusters.snapshotsChanged} + 1`,
              portSummary: summarisePortMap(buildPortMap(facts.nodes, facts.allocations, facts.pods)),
            }
          : {}),
      })
      .where(eq(clusters.id, agent.clusterId));
    return { changed, opened, closed, snapshotId: logged.id };
  });
}
