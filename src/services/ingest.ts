/**
 * Snapshot ingest (docs/data-model.md): one transaction per push. Pushes of one cluster take turns
 * in the process (PushGate) and the cluster row lock (NOWAIT) serialises them across processes; an
 * unchanged state costs O(1); a changed one is a set-based diff of open intervals per table. Time
 * comes from observedAt only, so a replayed history is identical; an observedAt beyond the server
 * clock plus the allowed skew is refused, because it would freeze the cluster's history.
 */
import { type SQL, sql } from "drizzle-orm";
import { type CanonicalState, canonicalState, stateHash } from "../contract/canonical.js";
import type { Snapshot } from "../contract/snapshot.js";
import { bulkInsertMany } from "../db/bulk-insert.js";
import { databaseErrorCode } from "../db/failures.js";
import { rawRows } from "../db/raw.js";
import { headroomVersions, nodeVersions, podVersions, portAllocations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { workloadHeadroom } from "../domain/headroom.js";
import {
  allocationCount,
  diffIntervals,
  factsFromState,
  type HeadroomFact,
  headroomFacts,
  type OpenRow,
  type SnapshotFacts,
} from "../domain/history.js";
import { buildPortMap, type PortSummary, summarisePortMap } from "../domain/port-map.js";
import { latestAcceptedObservedAt } from "./cluster-clock.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { pushInProgress } from "./push-gate.js";

/** The pushing agent: its cluster, and the hash of the token it authenticated with. */
export interface Agent {
  clusterId: number;
  cluster: string;
  tokenHash: string;
}

export interface IngestResult {
  changed: boolean;
  opened: number;
  closed: number;
  snapshotId: number;
}

/** Everything a changed push writes that follows from its state alone (no database needed). */
interface PreparedFacts extends SnapshotFacts {
  headroom: HeadroomFact[];
  portSummary: PortSummary[];
}

function prepareFacts(state: CanonicalState): PreparedFacts {
  const facts = factsFromState(state);
  return {
    ...facts,
    headroom: headroomFacts(workloadHeadroom(facts.nodes, facts.pods, facts.allocations)),
    portSummary: summarisePortMap(buildPortMap(facts.nodes, facts.allocations, facts.pods)),
  };
}

/**
 * Per database handle: the state hash this process last accepted per cluster. Only a hint for
 * building facts before the transaction (so the pool connection is not held while the CPU works);
 * the locked cluster row still decides. One short string per cluster.
 */
const lastAcceptedHash = new WeakMap<Db, Map<number, string>>();

function hashHints(db: Db): Map<number, string> {
  let hints = lastAcceptedHash.get(db);
  if (!hints) {
    hints = new Map();
    lastAcceptedHash.set(db, hints);
  }
  return hints;
}

/** The four history tables in a fixed order: a row's table travels as its index (`t`). */
const versionTables = [nodeVersions, podVersions, portAllocations, headroomVersions] as const;

/** Open (id, fp) of every history table of a cluster, in one statement. */
async function openRows(tx: Db, clusterId: number): Promise<OpenRow[][]> {
  // float8 so both drivers answer a number (ids stay far below 2^53).
  const parts = versionTables.map(
    (table, t) =>
      sql`SELECT ${sql.raw(String(t))} AS t, id::float8 AS id, fp FROM ${table} WHERE cluster_id = ${clusterId} AND valid_to IS NULL`,
  );
  const rows = await rawRows<{ t: number; id: number; fp: string }>(tx, sql.join(parts, sql` UNION ALL `));
  const byTable: OpenRow[][] = versionTables.map(() => []);
  for (const row of rows) byTable[row.t]?.push(row);
  return byTable;
}

/** Closes rows of several tables in one statement (data-modifying CTEs; each table's ids as one array). */
async function closeRows(tx: Db, closes: readonly (readonly number[])[], at: Date): Promise<void> {
  const updates: SQL[] = [];
  closes.forEach((ids, t) => {
    const table = versionTables[t];
    if (!table || ids.length === 0) return;
    updates.push(
      sql`UPDATE ${table} SET valid_to = ${at.toISOString()}::timestamptz WHERE id = ANY(${`{${ids.join(",")}}`}::bigint[])`,
    );
  });
  const last = updates.pop();
  if (!last) return;
  const ctes = updates.map((update, i) => sql`${sql.raw(`c${i}`)} AS (${update})`);
  await tx.execute(ctes.length > 0 ? sql`WITH ${sql.join(ctes, sql`, `)} ${last}` : last);
}

/** What a changed push writes: the rows to close per table and the rows to insert. */
function diffFacts(clusterId: number, facts: PreparedFacts, open: OpenRow[][], at: Date) {
  const [nodeOpen = [], podOpen = [], allocationOpen = [], headroomOpen = []] = open;
  const nodes = diffIntervals(nodeOpen, facts.nodes);
  const pods = diffIntervals(podOpen, facts.pods);
  const allocations = diffIntervals(allocationOpen, facts.allocations);
  const headroom = diffIntervals(headroomOpen, facts.headroom);
  const interval = { clusterId, validFrom: at };
  return {
    closes: [nodes.close, pods.close, allocations.close, headroom.close],
    inserts: [
      { table: nodeVersions, rows: nodes.open.map((n) => ({ ...interval, ...n })) },
      { table: podVersions, rows: pods.open.map((p) => ({ ...interval, ...p })) },
      {
        table: portAllocations,
        rows: allocations.open.map(({ hostIP, ...a }) => ({ ...interval, ...a, hostIp: hostIP })),
      },
      { table: headroomVersions, rows: headroom.open.map((h) => ({ ...interval, ...h })) },
    ],
    // Counts describe the snapshot's own facts; headroom rows are derived from them.
    opened: nodes.open.length + pods.open.length + allocations.open.length,
    closed: nodes.close.length + pods.close.length + allocations.close.length,
  };
}

/** Refuses a push the gate would refuse now (busy server, cluster queue full), before its body is read. */
export function refuseIfBusy(ctx: ServiceContext, agent: Agent): void {
  const refusal = ctx.pushGate?.refusalNow(agent.clusterId, agent.cluster);
  if (refusal) throw refusal;
}

export async function ingestSnapshot(
  ctx: ServiceContext,
  agent: Agent,
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
  const hash = stateHash(state);
  // Facts are built before the transaction when this push likely changed something, so the CPU
  // work does not hold a pool connection; an unchanged push never builds them.
  const facts = hashHints(ctx.db).get(agent.clusterId) === hash ? null : prepareFacts(state);
  const write = () => ingestTransaction(ctx, agent, { state, hash, observedAt, snapshot, facts });
  const result = await (ctx.pushGate ? ctx.pushGate.run(agent.clusterId, agent.cluster, write) : write());
  hashHints(ctx.db).set(agent.clusterId, hash);
  return result;
}

/** PostgreSQL's lock_not_available: NOWAIT found the row locked. */
const LOCK_NOT_AVAILABLE = "55P03";

const isLockNotAvailable = (error: unknown) => databaseErrorCode(error) === LOCK_NOT_AVAILABLE;

interface LockedCluster {
  /** epoch ms of the last accepted observedAt (timestamps as numbers: the drivers parse dates differently) */
  last_observed_ms: number | null;
  last_snapshot_hash: string | null;
  last_snapshot_id: number | null;
  removed: boolean;
  /** the cluster's current agent token is still the one the push authenticated with */
  token_valid: boolean;
}

async function lockCluster(tx: Db, agent: Agent): Promise<LockedCluster | undefined> {
  // NOWAIT: a push of this cluster running elsewhere (another replica or isolate) answers 429
  // at once instead of parking this connection on the row lock.
  const [row] = await rawRows<LockedCluster>(
    tx,
    sql`SELECT (extract(epoch FROM last_observed_at) * 1000)::float8 AS last_observed_ms, last_snapshot_hash,
          last_snapshot_id::float8 AS last_snapshot_id, removed_at IS NOT NULL AS removed,
          token_hash IS NOT DISTINCT FROM ${agent.tokenHash} AS token_valid
        FROM clusters WHERE id = ${agent.clusterId} FOR UPDATE NOWAIT`,
  ).catch((error: unknown) => {
    throw isLockNotAvailable(error) ? pushInProgress(agent.cluster) : error;
  });
  return row;
}

interface Push {
  state: CanonicalState;
  hash: string;
  observedAt: Date;
  snapshot: Snapshot;
  /** built ahead when the push was expected to change something */
  facts: PreparedFacts | null;
}

async function ingestTransaction(ctx: ServiceContext, agent: Agent, push: Push): Promise<IngestResult> {
  const { state, hash, observedAt, snapshot } = push;
  return ctx.db.transaction(async (tx) => {
    // When the push is expected to change something, its open rows are read in the same pipeline
    // as the lock: the read runs after the lock is granted, and one round trip is saved.
    const [cluster, prefetched] = await Promise.all([
      lockCluster(tx, agent),
      push.facts ? openRows(tx, agent.clusterId) : null,
    ]);
    if (!cluster || cluster.removed) {
      throw new ServiceError("UNAUTHORIZED", "UNAUTHORIZED", `cluster "${agent.cluster}" has been removed`);
    }
    // The principal may come from auth's cache: a token rotated since is refused here.
    if (!cluster.token_valid)
      throw new ServiceError("UNAUTHORIZED", "UNAUTHORIZED", "unknown or revoked token");
    const last = cluster.last_observed_ms;
    if (last !== null && observedAt.getTime() <= last) {
      if (observedAt.getTime() === last && hash === cluster.last_snapshot_hash && cluster.last_snapshot_id) {
        return { changed: false, opened: 0, closed: 0, snapshotId: cluster.last_snapshot_id };
      }
      throw new ServiceError(
        "CONFLICT",
        "STALE_SNAPSHOT",
        `observedAt ${snapshot.observedAt} is not after the latest accepted snapshot (${new Date(last).toISOString()})`,
      );
    }
    const changed = hash !== cluster.last_snapshot_hash;
    const facts = changed ? (push.facts ?? prepareFacts(state)) : null;
    const diff = facts
      ? diffFacts(agent.clusterId, facts, prefetched ?? (await openRows(tx, agent.clusterId)), observedAt)
      : null;
    const opened = diff?.opened ?? 0;
    const closed = diff?.closed ?? 0;
    const now = ctx.now().toISOString();
    // The rest is issued as one pipeline: PostgreSQL runs one connection's statements in order, so
    // the closes finish before the inserts start (the unique open-key indexes never see two open
    // versions of one key), and the small statements go first so they share the inserts' write.
    const closing = diff ? closeRows(tx, diff.closes, observedAt) : null;
    // The log row and the cluster's new clock in one statement.
    const logged = rawRows<{ id: number }>(
      tx,
      sql`WITH logged AS (
            INSERT INTO snapshots (cluster_id, observed_at, received_at, hash, changed, agent_version, agent_mode,
                                   node_count, pod_count, allocation_count, opened, closed)
            VALUES (${agent.clusterId}, ${observedAt.toISOString()}::timestamptz, ${now}::timestamptz, ${hash},
                    ${String(changed)}::boolean, ${snapshot.agent?.version ?? null}, ${snapshot.agent?.mode ?? null},
                    ${state.nodes.length}, ${state.pods.length}, ${allocationCount(state)}, ${opened}, ${closed})
            RETURNING id)
          UPDATE clusters SET
            last_seen_at = ${now}::timestamptz,
            last_observed_at = ${observedAt.toISOString()}::timestamptz,
            last_snapshot_hash = ${hash},
            last_snapshot_id = (SELECT id FROM logged),
            snapshots_accepted = snapshots_accepted + 1,
            snapshots_changed = snapshots_changed + ${facts ? 1 : 0},
            port_summary = COALESCE(${facts ? JSON.stringify(facts.portSummary) : null}::jsonb, port_summary)
          WHERE id = ${agent.clusterId}
          RETURNING last_snapshot_id::float8 AS id`,
    );
    const inserting = diff ? bulkInsertMany(tx, diff.inserts) : null;
    const [, [row]] = await Promise.all([closing, logged, inserting]);
    if (!row) throw new Error("snapshot log insert returned no row");
    return { changed, opened, closed, snapshotId: row.id };
  });
}
