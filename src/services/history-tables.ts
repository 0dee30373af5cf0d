/**
 * Every versioned (history) table of a cluster, declared once: its drizzle table (columns and natural
 * key, src/db/schema/versioned.ts), where its facts come from and which pure function in src/domain
 * builds and fingerprints them, and the projections fed from it. Ingest (whole snapshots and deltas),
 * the clock reset, the load verifier, the benches and the property tests iterate over this list;
 * the order is the order rows are written in (a changed push inserts nodes first), fixed.
 */
import { getTableName } from "drizzle-orm";
import {
  clusterPortCountVersions,
  declaredPortVersions,
  headroomVersions,
  ingressControllerVersions,
  nodeListenerVersions,
  nodePortRangeVersions,
  nodeVersions,
  podVersions,
  portAllocations,
  portCountVersions,
} from "../db/schema/index.js";
import { naturalKey, type VersionedTable } from "../db/schema/versioned.js";
import { type ClusterPortCountFact, clusterPortCountFactSteps } from "../domain/cluster-port-counts.js";
import {
  allocationFacts,
  type HeadroomFact,
  headroomFacts,
  ingressControllerFact,
  nodeFact,
  podFact,
  type SnapshotFacts,
} from "../domain/history.js";
import { type DeclaredPortFact, declaredPorts } from "../domain/ingress-controllers.js";
import { nodeListenerFacts, nodePortRangeFact } from "../domain/node-listeners.js";
import { type PortCountFact, portCountFactSteps } from "../domain/port-counts.js";

/** The facts of every history table for one state: the snapshot's own and the projections'. */
export interface HistoryFacts extends SnapshotFacts {
  headroom: HeadroomFact[];
  counts: PortCountFact[];
  clusterCounts: ClusterPortCountFact[];
  declared: DeclaredPortFact[];
}

export interface HistoryTableDeclaration {
  /** its name in a clock reset's answer (clusters.resetClock: deleted/reopened per table) */
  name: string;
  table: VersionedTable;
  /** where its facts are in a state's HistoryFacts */
  facts: keyof HistoryFacts;
  /**
   * "state": the snapshot's own objects; a delta says which begin and end, and they are closed by
   * natural key. "projection": computed at ingest from the whole state; re-diffed by fingerprint
   * against the open rows whenever it is recomputed.
   */
  source: "state" | "projection";
  /** the pure function in src/domain that builds (and fingerprints) its facts */
  builtBy: (...args: never[]) => unknown;
  /** the projection tables (by name) computed from its facts */
  feeds: readonly string[];
  /** table property → the facts' own key for it, where they differ */
  aliases?: Readonly<Record<string, string>>;
  /** open rows may still carry pre-SHA-256 fingerprints, adopted in place (adoptLegacyFingerprints) */
  legacyFingerprints?: boolean;
  /** counted in a push's opened/closed (the snapshot's own facts, not what is derived from them) */
  counted?: boolean;
  /** a state kept as a list, not by key: its open rows read back in this order (COLLATE "C") */
  orderedBy?: readonly string[];
}

const hostIp = { hostIp: "hostIP" } as const;

export const historyTables = [
  {
    name: "nodes",
    table: nodeVersions,
    facts: "nodes",
    source: "state",
    builtBy: nodeFact,
    feeds: ["headroom", "declaredPorts"],
    legacyFingerprints: true,
    counted: true,
  },
  {
    // A pod's placement rules are not columns of its version but its template's (pod_templates):
    // ingest writes them beside it (insertsOf), readers and the read-back join them (db/pod-columns.ts).
    name: "pods",
    table: podVersions,
    facts: "pods",
    source: "state",
    builtBy: podFact,
    feeds: ["headroom"],
    legacyFingerprints: true,
    counted: true,
  },
  {
    name: "allocations",
    table: portAllocations,
    facts: "allocations",
    source: "state",
    builtBy: allocationFacts,
    feeds: ["headroom", "portCounts", "clusterPortCounts", "declaredPorts"],
    aliases: hostIp,
    legacyFingerprints: true,
    counted: true,
  },
  {
    name: "headroom",
    table: headroomVersions,
    facts: "headroom",
    source: "projection",
    builtBy: headroomFacts,
    feeds: [],
    legacyFingerprints: true,
  },
  {
    name: "portCounts",
    table: portCountVersions,
    facts: "counts",
    source: "projection",
    builtBy: portCountFactSteps,
    feeds: [],
  },
  {
    name: "clusterPortCounts",
    table: clusterPortCountVersions,
    facts: "clusterCounts",
    source: "projection",
    builtBy: clusterPortCountFactSteps,
    feeds: [],
  },
  {
    name: "ingressControllers",
    table: ingressControllerVersions,
    facts: "ingressControllers",
    source: "state",
    builtBy: ingressControllerFact,
    feeds: ["headroom", "declaredPorts"],
    orderedBy: ["namespace", "name"],
  },
  {
    name: "declaredPorts",
    table: declaredPortVersions,
    facts: "declared",
    source: "projection",
    builtBy: declaredPorts,
    feeds: [],
    aliases: hostIp,
  },
  {
    name: "nodeListeners",
    table: nodeListenerVersions,
    facts: "nodeListeners",
    source: "state",
    builtBy: nodeListenerFacts,
    feeds: [],
  },
  {
    name: "nodePortRanges",
    table: nodePortRangeVersions,
    facts: "nodePortRanges",
    source: "state",
    builtBy: nodePortRangeFact,
    feeds: [],
  },
] as const satisfies readonly HistoryTableDeclaration[];

export type HistoryTable = (typeof historyTables)[number];
export type HistoryName = HistoryTable["name"];
/** One value per history table, by name. */
export type PerTable<T> = Record<HistoryName, T>;

/** A value per history table. */
export function perTable<T>(value: (table: HistoryTable) => T): PerTable<T> {
  return Object.fromEntries(historyTables.map((h) => [h.name, value(h)])) as PerTable<T>;
}

/** The tables whose facts are the snapshot's own objects (a delta names them). */
export const stateTables = historyTables.filter((h) => h.source === "state");
/** The tables computed at ingest from the whole state. */
export const projectionTables = historyTables.filter((h) => h.source === "projection");

/** The facts' key for a table property (hostIp → hostIP). */
export function factKey(h: HistoryTableDeclaration, property: string): string {
  return (h.aliases as Record<string, string> | undefined)?.[property] ?? property;
}

/** The SQL names of a table's natural key, cluster_id first (the open-key index's columns). */
export function openKeyColumns(h: HistoryTableDeclaration): string[] {
  return ["cluster_id", ...naturalKey(h.table).map(({ column }) => column.name)];
}

/** The table's SQL name. */
export const tableName = (h: HistoryTableDeclaration): string => getTableName(h.table);
