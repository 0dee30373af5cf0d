import { bigint, boolean, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { clusters } from "./clusters.js";

/** One row per accepted push: the audit log (prunable; history lives in the *_versions tables). */
export const snapshots = pgTable(
  "snapshots",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    clusterId: integer("cluster_id")
      .notNull()
      .references(() => clusters.id),
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    hash: text("hash").notNull(),
    changed: boolean("changed").notNull(),
    agentVersion: text("agent_version"),
    agentMode: text("agent_mode"),
    nodeCount: integer("node_count").notNull(),
    podCount: integer("pod_count").notNull(),
    allocationCount: integer("allocation_count").notNull(),
    opened: integer("opened").notNull(),
    closed: integer("closed").notNull(),
  },
  (t) => [
    index("snapshots_cluster_observed_idx").on(t.clusterId, t.observedAt),
    // maintenance prunes by arrival time
    index("snapshots_received_idx").on(t.receivedAt),
  ],
);
