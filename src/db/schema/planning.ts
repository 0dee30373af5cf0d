import { index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import type { ListenerBlockExample } from "../../domain/headroom-listeners.js";
import type { HostPortRef } from "../../domain/ports.js";
import type { SharedPortSet } from "../../domain/shared-port-sets.js";
import type { WorkloadRef } from "../../domain/workload.js";
import { versionedTable } from "./versioned.js";

/**
 * A workload's headroom figures over an interval, computed at ingest when the cluster's state changed,
 * so trends.headroom is a range scan instead of a replay.
 */
export const headroomVersions = versionedTable(
  "headroom_versions",
  {
    namespace: text("namespace").notNull(),
    kind: text("kind").notNull(),
    name: text("name").notNull(),
    /** the workload's declared host ports; rows closed before this column existed hold [] */
    ports: jsonb("ports").$type<HostPortRef[]>().notNull().default([]),
    replicas: integer("replicas").notNull(),
    pending: integer("pending").notNull(),
    eligibleNodes: integer("eligible_nodes").notNull(),
    freeNodes: integer("free_nodes").notNull(),
    headroom: integer("headroom").notNull(),
    status: text("status").notNull(),
    maxReplicas: integer("max_replicas").notNull(),
    /** eligible nodes only observed listeners block (domain/headroom-listeners.ts); NULL: none */
    listenerBlockedNodes: integer("listener_blocked_nodes"),
    /** the first of them and the listener in the way; NULL when none */
    listenerExample: jsonb("listener_example").$type<ListenerBlockExample>(),
    /** the shared port sets the workload is a member of (domain/shared-port-sets.ts); null: none */
    sharedPortSets: jsonb("shared_port_sets").$type<SharedPortSet[]>(),
    /** a router Deployment's IngressController, whose row speaks for it; null: its own row */
    partOf: jsonb("part_of").$type<WorkloadRef>(),
  },
  {
    naturalKey: ["namespace", "kind", "name"],
    extraIndexes: (t) => [
      index("headroom_versions_workload_idx").on(
        t.clusterId,
        t.namespace,
        t.kind,
        t.name,
        t.validFrom,
        t.validTo,
      ),
    ],
  },
);

/**
 * How many allocations and distinct pods a workload holds on a port over an interval, at four levels:
 * (port, protocol), (port, any protocol: ''), (any port: 0, protocol), (any port, any protocol).
 * Written at ingest like headroom_versions, so trends.allocations sums a few rows per workload
 * instead of merging every allocation row's pod spans. Exact: a pod belongs to one cluster and one
 * workload, so distinct pods add up across workloads.
 */
export const portCountVersions = versionedTable(
  "port_count_versions",
  {
    /** 0: any port */
    hostPort: integer("host_port").notNull(),
    /** '': any protocol */
    protocol: text("protocol").notNull(),
    namespace: text("namespace").notNull(),
    kind: text("kind").notNull(),
    name: text("name").notNull(),
    allocations: integer("allocations").notNull(),
    pods: integer("pods").notNull(),
  },
  {
    naturalKey: ["namespace", "kind", "name", "hostPort", "protocol"],
    // Trends: a level's rows overlapping the range (open ones: valid_to IS NULL, last in the index).
    extraIndexes: (t) => [
      index("port_count_versions_level_idx").on(t.hostPort, t.protocol, t.validTo, t.validFrom),
    ],
  },
);

/**
 * Per cluster and port, how many allocations it holds and on how many distinct nodes, at two levels:
 * (port, protocol) and (port, any protocol: ''). Written at ingest beside port_count_versions, so
 * ports.who's byCluster summary reads one row per cluster instead of aggregating every holder; its
 * own table because distinct nodes do not add up across workloads (docs/architecture.md).
 */
export const clusterPortCountVersions = versionedTable(
  "cluster_port_count_versions",
  {
    hostPort: integer("host_port").notNull(),
    /** '': any protocol */
    protocol: text("protocol").notNull(),
    allocations: integer("allocations").notNull(),
    nodes: integer("nodes").notNull(),
  },
  {
    naturalKey: ["hostPort", "protocol"],
    // ports.who: a port level's rows valid at an instant (open ones: valid_to IS NULL, last in the index).
    extraIndexes: (t) => [
      index("cluster_port_count_versions_level_idx").on(t.hostPort, t.protocol, t.validTo, t.validFrom),
    ],
  },
);

/** A reserved host-port range: free-range search skips it, checkFit warns about it. */
export const reservations = pgTable(
  "reservations",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    protocol: text("protocol").notNull(),
    portFrom: integer("port_from").notNull(),
    portTo: integer("port_to").notNull(),
    /** cluster names; empty with no selector means the whole fleet */
    clusterNames: jsonb("cluster_names").$type<string[]>().notNull().default([]),
    labelSelector: jsonb("label_selector").$type<Record<string, string>>(),
    owner: text("owner").notNull(),
    purpose: text("purpose").notNull(),
    /**
     * The IngressController a planner reservation is for (capacity.reserveIngressController, one row
     * per port: http, https, stats by id); a later plan of that name takes these ports as its own.
     */
    ingressController: text("ingress_controller"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
  },
  (t) => [index("reservations_protocol_ports_idx").on(t.protocol, t.portFrom, t.portTo)],
);
