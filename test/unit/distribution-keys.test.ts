/**
 * Every per-cluster table can be distributed on cluster_id (docs/scale-out.md): a distributed table's
 * primary and unique keys must contain the distribution column, and so must a foreign key between
 * two distributed tables. The schema is read from drizzle's own table configs, so a new table or
 * index is checked the moment it is declared.
 */
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema/index.js";

const DISTRIBUTION_COLUMN = "cluster_id";

/**
 * Keys that do not contain cluster_id today, each with what must happen before distributing
 * (docs/scale-out.md, "Keys"). The list only shrinks: a key that is fixed must leave it.
 */
const KNOWN_UNTIL_DISTRIBUTED: Record<string, string> = {
  "node_versions primary key (id)": "becomes (id, cluster_id)",
  "pod_versions primary key (id)": "becomes (id, cluster_id)",
  "port_allocations primary key (id)": "becomes (id, cluster_id)",
  "headroom_versions primary key (id)": "becomes (id, cluster_id)",
  "port_count_versions primary key (id)": "becomes (id, cluster_id)",
  "cluster_port_count_versions primary key (id)": "becomes (id, cluster_id)",
  "ingress_controller_versions primary key (id)": "becomes (id, cluster_id)",
  "declared_port_versions primary key (id)": "becomes (id, cluster_id)",
  "node_listener_versions primary key (id)": "becomes (id, cluster_id)",
  "node_port_range_versions primary key (id)": "becomes (id, cluster_id)",
  "snapshots primary key (id)": "becomes (id, cluster_id)",
};

interface TableKeys {
  name: string;
  columns: string[];
  /** primary key and unique indexes or constraints, each as its column names */
  keys: { label: string; columns: string[] }[];
  foreignKeys: { label: string; columns: string[]; foreignTable: string }[];
}

function isTable(value: unknown): value is PgTable {
  try {
    getTableConfig(value as PgTable);
    return true;
  } catch {
    return false;
  }
}

function keysOf(table: PgTable): TableKeys {
  const config = getTableConfig(table);
  const names = (columns: { name: string }[]) => columns.map((column) => column.name);
  const primary = config.columns.filter((column) => column.primary);
  const keys = [
    ...(primary.length > 0 ? [{ label: "primary key", columns: names(primary) }] : []),
    ...config.primaryKeys.map((key) => ({ label: "primary key", columns: names(key.columns) })),
    ...config.columns
      .filter((column) => column.isUnique)
      .map((column) => ({ label: "unique column", columns: [column.name] })),
    ...config.uniqueConstraints.map((unique) => ({
      label: `unique ${unique.getName()}`,
      columns: names(unique.columns),
    })),
    ...config.indexes
      .filter((index) => index.config.unique)
      .map((index) => ({
        label: `unique index ${index.config.name}`,
        columns: index.config.columns.map((column) =>
          "name" in column ? String(column.name) : "(expression)",
        ),
      })),
  ];
  const foreignKeys = config.foreignKeys.map((foreignKey) => {
    const reference = foreignKey.reference();
    return {
      label: `foreign key ${foreignKey.getName()}`,
      columns: names(reference.columns),
      foreignTable: getTableConfig(reference.foreignTable).name,
    };
  });
  return { name: config.name, columns: names(config.columns), keys, foreignKeys };
}

/** What would stop the table from being distributed on cluster_id, as "table label (columns)". */
function distributionBlockers(tables: TableKeys[]): string[] {
  const distributed = new Set(
    tables.filter((table) => table.columns.includes(DISTRIBUTION_COLUMN)).map((table) => table.name),
  );
  return tables
    .filter((table) => distributed.has(table.name))
    .flatMap((table) => [
      ...table.keys
        .filter((key) => !key.columns.includes(DISTRIBUTION_COLUMN))
        .map((key) => `${table.name} ${key.label} (${key.columns.join(", ")})`),
      // To clusters (distributed on id, co-located) or another per-cluster table: through cluster_id.
      ...table.foreignKeys
        .filter((key) => !key.columns.includes(DISTRIBUTION_COLUMN))
        .map((key) => `${table.name} ${key.label} (${key.columns.join(", ")}) -> ${key.foreignTable}`),
    ]);
}

describe("per-cluster tables can be distributed on cluster_id", () => {
  const tables = Object.values(schema).filter(isTable).map(keysOf);

  it("reads every table of the schema", () => {
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(["clusters", "node_versions", "port_allocations", "read_tokens", "snapshots"]),
    );
  });

  it("has no primary, unique or foreign key without cluster_id beyond the documented ones", () => {
    expect(distributionBlockers(tables).sort()).toEqual(Object.keys(KNOWN_UNTIL_DISTRIBUTED).sort());
  });

  it("finds a unique key or a foreign key that leaves cluster_id out", () => {
    const table = (overrides: Partial<TableKeys>): TableKeys => ({
      name: "listener_versions",
      columns: ["id", "cluster_id", "node", "port"],
      keys: [],
      foreignKeys: [],
      ...overrides,
    });
    expect(
      distributionBlockers([
        table({ keys: [{ label: "unique index by_port", columns: ["node", "port"] }] }),
        table({
          name: "listener_owners",
          foreignKeys: [{ label: "foreign key owner", columns: ["node"], foreignTable: "listener_versions" }],
        }),
        table({ name: "fine", keys: [{ label: "primary key", columns: ["cluster_id", "id"] }] }),
        table({
          name: "fleet_wide",
          columns: ["id", "name"],
          keys: [{ label: "primary key", columns: ["id"] }],
        }),
      ]),
    ).toEqual([
      "listener_versions unique index by_port (node, port)",
      "listener_owners foreign key owner (node) -> listener_versions",
    ]);
  });
});
