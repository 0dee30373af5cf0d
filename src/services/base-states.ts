/**
 * The open facts of recently pushed clusters, by the state hash they stand for, so a delta push is
 * applied to memory instead of to the cluster's whole history read back. Only an accelerator: the
 * locked cluster row decides which state is current, and a miss reads the open facts from the
 * database (loadFactState). Facts are a function of the state, so an entry whose hash is the current
 * one is right whichever process wrote it. Bounded by facts held; the least recently pushed go first.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { podTemplateJoin, podWithRules } from "../db/pod-columns.js";
import { rawRows } from "../db/raw.js";
import { podTemplates, podVersions } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { type FactState, factCount, factStateOf } from "../domain/fact-state.js";
import type { SnapshotFacts } from "../domain/history.js";
import { factKey, stateTables } from "./history-tables.js";

type StateTable = (typeof stateTables)[number];

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
