/**
 * The open facts of recently pushed clusters, by the state hash they stand for, so a delta push is
 * applied to memory instead of to the cluster's whole history read back. Only an accelerator: the
 * locked cluster row decides which state is current, and a miss reads the open facts from the
 * database (loadFactState). Facts are a function of the state, so an entry whose hash is the current
 * one is right whichever process wrote it. Bounded by facts held; the least recently pushed go first.
 *
 * Beside the state, when known, the open facts of the projection tables (headroom, port counts,
 * declared ports) by fingerprint: a delta that moves the projections diffs them in memory and sends
 * only the rows that end (by natural key) and begin. They are kept only after a write that made the
 * open rows exactly these (a whole push, or a delta whose projections were diffed against the open
 * rows or these), under the same hash as the state: projections are a function of the state, so the
 * statement's gate on the cluster's state hash under its row lock proves them current as it proves
 * the state. Everything that changes the open rows otherwise drops the entry or the gate: a refused
 * push (take hands the entry over and nothing puts it back), a clock reset (no hash: no delta is
 * admitted until a whole push, which puts a new entry; forget drops it in this process at once);
 * pruning deletes only closed rows.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { podTemplateJoin, podWithRules } from "../db/pod-columns.js";
import { rawRows } from "../db/raw.js";
import { podTemplates, podVersions } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { type FactState, factCount, factStateOf } from "../domain/fact-state.js";
import type { SnapshotFacts } from "../domain/history.js";
import {
  factKey,
  type HistoryFacts,
  type HistoryTable,
  projectionTables,
  stateTables,
} from "./history-tables.js";

type StateTable = (typeof stateTables)[number];
type ProjectionTable = Extract<HistoryTable, { source: "projection" }>;
type ProjectionName = ProjectionTable["name"];

/** A projection table's facts, as a push computes them (each carries its natural key and fp). */
type ProjectionFact = { fp: string };

/** The open rows of every projection table of a cluster, as their facts by fingerprint. */
export type OpenProjections = Record<ProjectionName, ReadonlyMap<string, ProjectionFact>>;

/** A state's projections (HistoryFacts' projection lists) as OpenProjections. */
export function openProjectionsOf(facts: Pick<HistoryFacts, ProjectionTable["facts"]>): OpenProjections {
  const open = {} as Record<ProjectionName, Map<string, ProjectionFact>>;
  for (const h of projectionTables) {
    const byFp = new Map<string, ProjectionFact>();
    for (const fact of facts[h.facts] as readonly ProjectionFact[]) byFp.set(fact.fp, fact);
    open[h.name] = byFp;
  }
  return open;
}

/**
 * The projections' change from the open rows `open` to `next`, per table: the facts that end (to be
 * closed by natural key) and those that begin, the same intervals as diffIntervals over the open
 * rows; and `next` as the open rows after it.
 */
export function diffProjections(
  open: OpenProjections,
  next: Pick<HistoryFacts, ProjectionTable["facts"]>,
): {
  close: Record<ProjectionName, ProjectionFact[]>;
  begin: Record<ProjectionName, ProjectionFact[]>;
  after: OpenProjections;
} {
  const after = openProjectionsOf(next);
  const close = {} as Record<ProjectionName, ProjectionFact[]>;
  const begin = {} as Record<ProjectionName, ProjectionFact[]>;
  for (const h of projectionTables) {
    const before = open[h.name];
    const now = after[h.name];
    const ended: ProjectionFact[] = [];
    for (const [fp, fact] of before) if (!now.has(fp)) ended.push(fact);
    const begun: ProjectionFact[] = [];
    for (const [fp, fact] of now) if (!before.has(fp)) begun.push(fact);
    close[h.name] = ended;
    begin[h.name] = begun;
  }
  return { close, begin, after };
}

const projectionCount = (open: OpenProjections | undefined): number =>
  open ? projectionTables.reduce((sum, h) => sum + open[h.name].size, 0) : 0;

/** What a delta applies to: the state's facts and, when known, its projections' open rows. */
export interface Base {
  state: FactState;
  projections: OpenProjections | undefined;
}

/** About two 5,000-node clusters (~115,000 facts each, ~70 MB); a Worker isolate is given less. */
export const DEFAULT_MAX_BASE_FACTS = 250_000;
/** A Worker isolate has 128 MB in all: room for a few hundred nodes' facts. */
export const WORKER_MAX_BASE_FACTS = 20_000;

interface Entry extends Base {
  hash: string;
  /** facts held: the state's and the projections' */
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

  /**
   * The cluster's facts (and projections, when known) if they stand for `hash`, handed over: the
   * entry is dropped either way, and the caller puts back what it commits.
   */
  take(clusterId: number, hash: string): Base | undefined {
    const entry = this.entries.get(clusterId);
    if (!entry) return undefined;
    this.drop(clusterId, entry);
    return entry.hash === hash ? { state: entry.state, projections: entry.projections } : undefined;
  }

  /** `projections`: the open projection rows, only if the write just made them exactly these. */
  put(clusterId: number, hash: string, state: FactState, projections?: OpenProjections): void {
    const old = this.entries.get(clusterId);
    if (old) this.drop(clusterId, old);
    const facts = factCount(state) + projectionCount(projections);
    if (facts > this.maxStateFacts) return;
    for (const [id, entry] of this.entries) {
      if (this.held + facts <= this.maxFacts) break;
      this.drop(id, entry);
    }
    this.entries.set(clusterId, { hash, state, projections, facts });
    this.held += facts;
  }

  /** Drops what is kept of a cluster (its open rows were changed other than by a push). */
  forget(clusterId: number): void {
    const entry = this.entries.get(clusterId);
    if (entry) this.drop(clusterId, entry);
  }

  private drop(clusterId: number, entry: Entry): void {
    this.entries.delete(clusterId);
    this.held -= entry.facts;
  }
}

/** The columns every history table has beside its facts (src/db/schema/versioned.ts). */
const FRAME_COLUMNS = new Set(["id", "clusterId", "validFrom", "validTo"]);

/**
 * One state table's open rows as its facts: every column but the frame, each named as its fact field
 * (the declaration's aliases, hostIp → hostIP). A column added to the table is read back with no
 * change here; test/integration/fact-state-read-back.test.ts holds the result to the stored facts.
 */
function openFacts(tx: Db, h: StateTable, clusterId: number): Promise<unknown[]> {
  // A pod's rules are its template's (pod_templates), in place of the template's name.
  const pods = h.table === podVersions;
  const columns = Object.entries(pods ? podWithRules : getTableColumns(h.table)).filter(
    ([property]) => !FRAME_COLUMNS.has(property),
  );
  const select = sql.join(
    columns.map(([property, column]) => sql`${column} AS ${sql.identifier(factKey(h, property))}`),
    sql`, `,
  );
  const from = pods ? sql`${h.table} JOIN ${podTemplates} ON ${podTemplateJoin}` : sql`${h.table}`;
  // A list the state keeps as a list (not a map by key) comes back in its canonical order.
  const order =
    "orderedBy" in h && h.orderedBy
      ? sql` ORDER BY ${sql.join(
          h.orderedBy.map((property) => sql`${sql.identifier(columnName(h, property))} COLLATE "C"`),
          sql`, `,
        )}`
      : sql``;
  return rawRows<unknown>(
    tx,
    sql`SELECT ${select} FROM ${from} WHERE ${h.table.clusterId} = ${clusterId} AND ${h.table.validTo} IS NULL${order}`,
  );
}

const columnName = (h: StateTable, property: string): string =>
  (getTableColumns(h.table) as Record<string, PgColumn>)[property]?.name ?? property;

/** The cluster's open facts read back (one statement per state table, in one pipeline), fingerprints as stored. */
export async function loadFactState(tx: Db, clusterId: number): Promise<FactState> {
  const lists = await Promise.all(stateTables.map((h) => openFacts(tx, h, clusterId)));
  const facts = Object.fromEntries(stateTables.map((h, i) => [h.facts, lists[i] ?? []]));
  // The rows are the facts of the declarations' `facts` keys, field for field (see openFacts).
  return factStateOf(facts as unknown as SnapshotFacts);
}
