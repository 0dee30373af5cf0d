/**
 * Snapshot ingest (docs/architecture.md, "Ingest, one transaction"): one transaction per push. Pushes of one cluster take turns
 * in the process (PushGate) and the cluster row lock (NOWAIT) serialises them across processes; an
 * unchanged state costs O(1); a changed one is a set-based diff of open intervals per table (a delta
 * is applied to the base state's open facts instead: ingest-delta.ts). Time comes from observedAt
 * only, so a replayed history is identical; an observedAt beyond the server clock plus the allowed
 * skew is refused, because it would freeze the cluster's history.
 */
import { sql } from "drizzle-orm";
import { type CanonicalState, canonicalStateSteps, stateHashSteps } from "../contract/canonical.js";
import type { Snapshot } from "../contract/snapshot.js";
import { runSteps, runStepsPausing, type Steps } from "../contract/steps.js";
import { bulkInsertMany, type InsertBatch } from "../db/bulk-insert.js";
import { databaseErrorCode } from "../db/failures.js";
import { inlineParams } from "../db/inline-sql.js";
import { rawRows } from "../db/raw.js";
import type { Db } from "../db/types.js";
import { clusterPortCountFactSteps } from "../domain/cluster-port-counts.js";
import { type FactState, factStateOf, reportsOf } from "../domain/fact-state.js";
import { workloadHeadroomSteps } from "../domain/headroom.js";
import { listenerHoldsSteps } from "../domain/headroom-listeners.js";
import { indexByPort } from "../domain/held-ports.js";
import {
  adoptLegacyFingerprints,
  allocationCount,
  diffIntervals,
  factsFromStateSteps,
  headroomFacts,
  type IntervalDiff,
  type OpenRow,
  type PodFact,
  type SnapshotFacts,
} from "../domain/history.js";
import {
  declaredAsAllocation,
  declaredMapFacts,
  declaredPorts,
  ingressControllerHeadroom,
  routerWorkload,
  withControllerHeadroom,
} from "../domain/ingress-controllers.js";
import { listenerTally } from "../domain/listener-tally.js";
import { splitPodTemplates } from "../domain/pod-templates.js";
import { portCountFactSteps } from "../domain/port-counts.js";
import { type PortSummary, portSummarySteps } from "../domain/port-map.js";
import { perNodeHolders, sharedPortSets } from "../domain/shared-port-sets.js";
import { type OpenProjections, openProjectionsOf } from "./base-states.js";
import { latestAcceptedObservedAt } from "./cluster-clock.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { eventLoopTurns } from "./event-loop-turns.js";
import {
  type HistoryFacts,
  type HistoryTable,
  historyTables,
  type PerTable,
  perTable,
} from "./history-tables.js";
import {
  closeByIds,
  closeByKeys,
  type LockedCluster,
  lockedColumns,
  logPush,
  openRows,
  pipelined,
  podTemplateInsert,
  rewriteFingerprints,
  runUpdates,
  runUpdatesPausing,
  UPDATES_PER_STATEMENT,
} from "./ingest-sql.js";
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

/** Everything a changed push writes that follows from the whole state alone (no database needed). */
type Projections = Omit<HistoryFacts, keyof SnapshotFacts> & { portSummary: PortSummary[] };

type PreparedFacts = HistoryFacts & { portSummary: PortSummary[] };

export const projections = (facts: SnapshotFacts): Projections => runSteps(projectionSteps(facts));

function* projectionSteps(facts: SnapshotFacts): Steps<Projections> {
  const { nodes, ingressControllers, allocations } = facts;
  const declared = declaredPorts(nodes, ingressControllers, allocations);
  const declaredHolds = declared.map((d) => declaredAsAllocation(d, ingressControllers));
  // Observed listeners count as held in headroom too (domain/headroom-listeners.ts); one index for both.
  const listened = yield* listenerHoldsSteps(facts.nodeListeners, allocations);
  // Most clusters have no IngressControllers: their pushes build no second port index.
  const controllerRows =
    ingressControllers.length > 0
      ? ingressControllerHeadroom(
          nodes,
          ingressControllers,
          indexByPort([...allocations, ...declaredHolds]),
          listened,
        )
      : [];
  yield;
  const workloads = yield* workloadHeadroomSteps(facts, declaredHolds, listened);
  const rows = withControllerHeadroom(workloads, controllerRows);
  const routers = ingressControllers.map((ic) => ({ ...ic, router: routerWorkload(ic) }));
  const headroom = headroomFacts(rows, sharedPortSets(rows, routers, perNodeHolders(allocations)));
  yield;
  const counts = yield* portCountFactSteps(allocations);
  const clusterCounts = yield* clusterPortCountFactSteps(allocations);
  const portSummary = yield* portSummarySteps(withDeclared(facts, declared));
  return { headroom, counts, clusterCounts, portSummary, declared };
}

/** The port map's facts with the declared ports as IngressController holds. */
function withDeclared(facts: SnapshotFacts, declared: HistoryFacts["declared"]) {
  if (declared.length === 0) return facts;
  const extra = declaredMapFacts(declared, facts.ingressControllers);
  return {
    nodes: facts.nodes,
    pods: [...facts.pods, ...extra.pods],
    allocations: [...facts.allocations, ...extra.allocations],
  };
}

function* prepareFactSteps(state: CanonicalState): Steps<PreparedFacts> {
  const facts = yield* factsFromStateSteps(state);
  return { ...facts, ...(yield* projectionSteps(facts)) };
}

const prepareFacts = (state: CanonicalState): PreparedFacts => runSteps(prepareFactSteps(state));

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

/**
 * The rows a changed push inserts, per table, in the registry's order, and the pods' templates
 * (pod_templates, src/domain/pod-templates.ts) before them.
 */
export function insertsOf(
  clusterId: number,
  at: Date,
  rows: Partial<PerTable<readonly object[]>>,
): InsertBatch[] {
  // The interval's columns travel once per statement; the facts are the rows, not copies of them
  // (but for pods, which name their template instead of carrying it).
  const constants = { clusterId, validFrom: at };
  const pods = splitPodTemplates((rows.pods ?? []) as readonly PodFact[]);
  return [
    podTemplateInsert(clusterId, pods.templates),
    ...historyTables.map((h) => ({
      table: h.table,
      rows: h.name === "pods" ? pods.pods : (rows[h.name] ?? []),
      constants,
      ...("aliases" in h ? { aliases: h.aliases } : {}),
    })),
  ];
}

/**
 * What a push writes, from the intervals it ends and begins per table: `diffs` end rows by id,
 * `keyed` by natural key (the facts that end, as a delta names them).
 */
export function writesOf(
  clusterId: number,
  at: Date,
  diffs: Partial<PerTable<IntervalDiff<object>>>,
  keyed: Partial<PerTable<readonly object[]>> = {},
) {
  const begun = (h: HistoryTable) => diffs[h.name]?.open.length ?? 0;
  const ended = (h: HistoryTable) => (diffs[h.name]?.close.length ?? 0) + (keyed[h.name]?.length ?? 0);
  const sum = (count: (h: HistoryTable) => number, tables: readonly HistoryTable[] = historyTables) =>
    tables.reduce((total, h) => total + count(h), 0);
  // Counts describe the snapshot's own facts; headroom and count rows are derived from them.
  const counted = historyTables.filter((h) => "counted" in h && h.counted);
  return {
    updates: [
      ...closeByKeys(clusterId, keyed, at),
      ...closeByIds(
        perTable((h) => diffs[h.name]?.close ?? []),
        at,
      ),
    ],
    inserts: insertsOf(
      clusterId,
      at,
      perTable((h) => diffs[h.name]?.open ?? []),
    ),
    opened: sum(begun, counted),
    closed: sum(ended, counted),
    /** intervals ended or begun in any table: none means the stored state is this snapshot's */
    changes: sum((h) => begun(h) + ended(h)),
  };
}

/** What a changed whole snapshot writes: the rows to close per table and the rows to insert. */
function* diffFactSteps(clusterId: number, facts: PreparedFacts, open: PerTable<OpenRow[]>, at: Date) {
  const rewrites = perTable<OpenRow[]>(() => []);
  const diffs = perTable<IntervalDiff<object>>(() => ({ close: [], open: [] }));
  for (const h of historyTables) {
    const next: readonly { fp: string }[] = facts[h.facts];
    // Tables written after the SHA-256 switch have no legacy fingerprints to adopt.
    const adopted =
      "legacyFingerprints" in h && h.legacyFingerprints
        ? adoptLegacyFingerprints(open[h.name], next)
        : { rows: open[h.name], rewrites: [] };
    rewrites[h.name] = adopted.rewrites;
    diffs[h.name] = diffIntervals(adopted.rows, next);
    yield;
  }
  const writes = writesOf(clusterId, at, diffs);
  return { ...writes, updates: [...rewriteFingerprints(rewrites), ...writes.updates] };
}

/** Refuses a push the gate would refuse now (busy server, cluster queue full), before its body is read. */
export function refuseIfBusy(ctx: ServiceContext, agent: Agent): void {
  const refusal = ctx.pushGate?.refusalNow(agent.clusterId, agent.cluster);
  if (refusal) throw refusal;
}

/** The envelope's checks, shared by snapshots and deltas; answers observedAt as a Date. */
export function checkEnvelope(
  ctx: ServiceContext,
  agent: Agent,
  envelope: { cluster: string; observedAt: string },
): Date {
  if (envelope.cluster !== agent.cluster) {
    throw new ServiceError(
      "FORBIDDEN",
      "CLUSTER_MISMATCH",
      `this token belongs to cluster "${agent.cluster}", not "${envelope.cluster}"`,
    );
  }
  const observedAt = new Date(envelope.observedAt);
  const latest = latestAcceptedObservedAt(ctx);
  if (observedAt.getTime() > latest.getTime()) {
    // Accepted, it would make every later push stale until the agent's clock caught up.
    throw new ServiceError(
      "BAD_REQUEST",
      "OBSERVED_AT_IN_FUTURE",
      `observedAt ${envelope.observedAt} is ahead of the server's time (${ctx.now().toISOString()}) by more than the allowed clock skew of ${ctx.config.maxClockSkewSeconds}s; fix the agent's clock`,
    );
  }
  return observedAt;
}

/**
 * Runs a push's transaction in the cluster's turn and, still in it, remembers the state it left
 * (hash hint, and the facts a next delta applies to). `hint` is how the hash hint follows: "derived"
 * (a whole snapshot's hash), "claimed" (a changed delta's hash names no state the server derived: no
 * hint) or "kept" (an unchanged delta).
 */
export function inTurn(
  ctx: ServiceContext,
  agent: Agent,
  hash: string,
  /** `projections`: the open projection rows as the write left them, when known (BaseStates.put) */
  transaction: () => Promise<{
    result: IngestResult;
    state?: FactState;
    projections?: OpenProjections | undefined;
  }>,
  hint: "derived" | "claimed" | "kept" = "derived",
): Promise<IngestResult> {
  const write = async () => {
    const { result, state, projections } = await transaction();
    if (hint === "derived") hashHints(ctx.db).set(agent.clusterId, hash);
    else if (hint === "claimed") hashHints(ctx.db).delete(agent.clusterId);
    if (state) ctx.baseStates?.put(agent.clusterId, hash, state, projections);
    return result;
  };
  return ctx.pushGate ? ctx.pushGate.run(agent.clusterId, agent.cluster, write) : write();
}

export async function ingestSnapshot(
  ctx: ServiceContext,
  agent: Agent,
  snapshot: Snapshot,
): Promise<IngestResult> {
  const observedAt = checkEnvelope(ctx, agent, snapshot);
  // The CPU work runs in chunks with event-loop turns between them: a large snapshot never holds
  // the loop for more than a slice, so health checks and other requests are answered meanwhile.
  const pause = eventLoopTurns();
  // Only the envelope is kept of the parsed snapshot once its canonical state is built: this
  // function ends here, so the snapshot is not held while the hash, the facts and the transaction are.
  const envelope = { observedAt: snapshot.observedAt, agent: snapshot.agent };
  const state = await runStepsPausing(canonicalStateSteps(snapshot), pause);
  return ingestState(ctx, agent, { state, observedAt, envelope, pause });
}

async function ingestState(
  ctx: ServiceContext,
  agent: Agent,
  /** handed over: `state` is dropped from it once the facts are built */
  push: Pick<SnapshotPush, "observedAt" | "envelope" | "pause"> & { state: CanonicalState | null },
): Promise<IngestResult> {
  const { observedAt, envelope, pause } = push;
  const state = () => {
    if (!push.state) throw new Error("the state was dropped before its last use");
    return push.state;
  };
  const hash = await runStepsPausing(stateHashSteps(state()), pause);
  const counts = {
    nodes: state().nodes.length,
    pods: state().pods.length,
    allocations: allocationCount(state()),
  };
  // Facts are built before the transaction when this push likely changed something, so the CPU
  // work does not hold a pool connection; an unchanged push never builds them.
  let facts: PreparedFacts | null = null;
  if (hashHints(ctx.db).get(agent.clusterId) !== hash) {
    const snapshotFacts = await runStepsPausing(factsFromStateSteps(state()), pause);
    // The state is kept only while its facts are not built: the projections and the transaction
    // read the facts, so a large push holds one copy of the cluster, not two.
    push.state = null;
    facts = { ...snapshotFacts, ...(await runStepsPausing(projectionSteps(snapshotFacts), pause)) };
  }
  const held = { state: push.state, hash, observedAt, envelope, counts, facts, pause };
  return inTurn(ctx, agent, hash, async () => {
    const { result, facts: written } = await snapshotTransaction(ctx, agent, held);
    // Keyed for the next delta after COMMIT, so the work does not hold the connection. The diff made
    // the open projection rows exactly these facts' (legacy fingerprints adopted).
    return written
      ? { result, state: factStateOf(written), projections: openProjectionsOf(written) }
      : { result };
  });
}

/** PostgreSQL's lock_not_available: NOWAIT found the row locked. */
const LOCK_NOT_AVAILABLE = "55P03";

export const isLockNotAvailable = (error: unknown) => databaseErrorCode(error) === LOCK_NOT_AVAILABLE;

export async function lockCluster(tx: Db, agent: Agent): Promise<LockedCluster | undefined> {
  // NOWAIT: a push of this cluster running elsewhere (another replica or isolate) answers 429
  // at once instead of parking this connection on the row lock.
  const [row] = await rawRows<LockedCluster>(
    tx,
    inlineParams(
      sql`SELECT ${lockedColumns(agent.tokenHash)} FROM clusters WHERE id = ${agent.clusterId} FOR UPDATE NOWAIT`,
    ),
  ).catch((error: unknown) => {
    throw isLockNotAvailable(error) ? pushInProgress(agent.cluster) : error;
  });
  return row;
}

/**
 * The locked cluster's verdict on a push: refused (throws), an exact retransmission of the last
 * push (answers its result), or go on (undefined).
 */
export function admit(
  cluster: LockedCluster | undefined,
  agent: Agent,
  push: { observedAt: Date; hash: string; observedAtText: string },
): IngestResult | undefined {
  if (!cluster || cluster.removed) {
    throw new ServiceError("UNAUTHORIZED", "UNAUTHORIZED", `cluster "${agent.cluster}" has been removed`);
  }
  // The principal may come from auth's cache: a token rotated since is refused here.
  if (!cluster.token_valid)
    throw new ServiceError("UNAUTHORIZED", "UNAUTHORIZED", "unknown or revoked token");
  const last = cluster.last_observed_ms;
  if (last === null || push.observedAt.getTime() > last) return undefined;
  if (
    push.observedAt.getTime() === last &&
    push.hash === cluster.last_snapshot_hash &&
    cluster.last_snapshot_id
  ) {
    return { changed: false, opened: 0, closed: 0, snapshotId: cluster.last_snapshot_id };
  }
  throw staleSnapshot(push.observedAtText, last);
}

const staleSnapshot = (observedAtText: string, lastMs: number) =>
  new ServiceError(
    "CONFLICT",
    "STALE_SNAPSHOT",
    `observedAt ${observedAtText} is not after the latest accepted snapshot (${new Date(lastMs).toISOString()})`,
  );

interface SnapshotPush {
  /** the canonical state, while its facts are not built */
  state: CanonicalState | null;
  hash: string;
  observedAt: Date;
  envelope: Pick<Snapshot, "observedAt" | "agent">;
  counts: { nodes: number; pods: number; allocations: number };
  /** built ahead when the push was expected to change something */
  facts: PreparedFacts | null;
  /** gives the event loop a turn between the statements of a large push */
  pause: () => Promise<void>;
}

async function snapshotTransaction(ctx: ServiceContext, agent: Agent, push: SnapshotPush) {
  const { state, hash, observedAt, envelope } = push;
  return ctx.db.transaction(async (tx) => {
    // When the push is expected to change something, its open rows are read in the same pipeline
    // as the lock: the read runs after the lock is granted, and one round trip is saved.
    // Held in one place and handed over once: the open rows are garbage after the diff, and a whole
    // cluster's (an object per row) would otherwise stay live beside its facts through every write.
    let prefetched: PerTable<OpenRow[]> | null = null;
    const [cluster] = await pipelined([
      lockCluster(tx, agent),
      push.facts
        ? openRows(tx, agent.clusterId).then((rows) => {
            prefetched = rows;
          })
        : null,
    ]);
    const openRowsOnce = async () => {
      const rows = prefetched ?? (await openRows(tx, agent.clusterId));
      prefetched = null;
      return rows;
    };
    const retransmitted = admit(cluster, agent, { observedAt, hash, observedAtText: envelope.observedAt });
    // After a changed delta the stored hash is only what the agent claimed: the stored facts are
    // compared with this snapshot's whatever the hashes say, and decide whether anything changed.
    const claimed = cluster?.last_hash_claimed === true;
    if (retransmitted && !claimed) return { result: retransmitted };
    const factsOf = (): PreparedFacts => {
      if (push.facts) return push.facts;
      // snapshotPush keeps the state exactly while the facts are not built
      if (!state) throw new Error("a push without facts must carry its state");
      return prepareFacts(state);
    };
    if (retransmitted) {
      // The whole snapshot of the delta's instant (an agent that lost the delta's answer and
      // restarted): its retransmission only if it is the state the delta left.
      const replay = await runStepsPausing(
        diffFactSteps(agent.clusterId, factsOf(), await openRowsOnce(), observedAt),
        push.pause,
      );
      if (replay.changes === 0) return { result: retransmitted };
      throw staleSnapshot(envelope.observedAt, observedAt.getTime());
    }
    const hashDiffers = hash !== cluster?.last_snapshot_hash;
    const facts = hashDiffers || claimed ? factsOf() : null;
    const diff = facts
      ? await runStepsPausing(
          diffFactSteps(agent.clusterId, facts, await openRowsOnce(), observedAt),
          push.pause,
        )
      : null;
    const changed = claimed ? (diff?.changes ?? 0) > 0 : hashDiffers;
    const opened = diff?.opened ?? 0;
    const closed = diff?.closed ?? 0;
    // The rest is issued as one pipeline: PostgreSQL runs one connection's statements in order, so
    // the closes finish before the inserts start (the unique open-key indexes never see two open
    // versions of one key), and the small statements go first so they share the inserts' write.
    // A large push's closes run first, as statements of bounded size with event-loop turns between
    // them (on the embedded database each statement holds the loop while it runs).
    const closesFirst = diff !== null && diff.updates.length > UPDATES_PER_STATEMENT;
    if (closesFirst) await runUpdatesPausing(tx, diff.updates, push.pause);
    const [, snapshotId] = await pipelined([
      diff && !closesFirst ? runUpdates(tx, diff.updates) : null,
      logPush(tx, {
        clusterId: agent.clusterId,
        observedAt,
        receivedAt: ctx.now().toISOString(),
        hash,
        hashClaimed: false,
        changed,
        agent: envelope.agent,
        counts: push.counts,
        opened,
        closed,
        portSummary: facts?.portSummary ?? null,
        listeners: facts && changed ? listenerTally(reportsOf(facts).values(), facts.allocations) : null,
      }),
      diff ? bulkInsertMany(tx, diff.inserts, push.pause) : null,
    ]);
    const result = { changed, opened, closed, snapshotId };
    return { result, facts };
  });
}
