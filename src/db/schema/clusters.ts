import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { PortSummary } from "../../domain/port-map.js";

export const clusters = pgTable(
  "clusters",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    name: text("name").notNull(),
    labels: jsonb("labels").$type<Record<string, string>>().notNull().default({}),
    /** SHA-256 of the agent token; the token itself is shown once and never stored */
    tokenHash: text("token_hash"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp("removed_at", { withTimezone: true }),
    /** server clock of the last accepted push (staleness) */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
    /** agent clock (observedAt) of the last accepted snapshot: the history's "now" for this cluster */
    lastObservedAt: timestamp("last_observed_at", { withTimezone: true }),
    lastSnapshotHash: text("last_snapshot_hash"),
    /**
     * last_snapshot_hash is a delta's claim (the agent's name for the state it meant), not a hash the
     * server derived from a whole state: a whole snapshot then compares facts instead of hashes
     */
    lastHashClaimed: boolean("last_hash_claimed").notNull().default(false),
    lastSnapshotId: bigint("last_snapshot_id", { mode: "number" }),
    /** monotonic counters for /metrics (the snapshot log itself is pruned) */
    snapshotsAccepted: bigint("snapshots_accepted", { mode: "number" }).notNull().default(0),
    snapshotsChanged: bigint("snapshots_changed", { mode: "number" }).notNull().default(0),
    /** per host port: nodes holding it and schedulable nodes still free, computed at ingest */
    portSummary: jsonb("port_summary").$type<PortSummary[]>().notNull().default([]),
    /** nodes with a listener report, and their listeners no pod declares: counted at ingest for /metrics */
    observedNodes: integer("observed_nodes").notNull().default(0),
    undeclaredListeners: integer("undeclared_listeners").notNull().default(0),
  },
  (t) => [
    uniqueIndex("clusters_name_key").on(t.name),
    uniqueIndex("clusters_token_hash_key").on(t.tokenHash).where(sql`${t.tokenHash} IS NOT NULL`),
    index("clusters_active_idx").on(t.name).where(sql`${t.removedAt} IS NULL`),
  ],
);

export const readTokens = pgTable(
  "read_tokens",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("read_tokens_token_hash_key").on(t.tokenHash),
    uniqueIndex("read_tokens_name_key").on(t.name),
  ],
);
