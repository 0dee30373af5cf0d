/**
 * Upgrading from cyrb53 to SHA-256 fingerprints: rows written by an earlier version keep their
 * intervals. The first push after the upgrade recognises unchanged facts by their old fingerprint,
 * rewrites it in place, and re-versions only what really changed.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalState } from "../../src/contract/canonical.js";
import { parseSnapshot, type SnapshotInput } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { factsFromState } from "../../src/domain/history.js";
import { legacyFingerprint } from "../../src/domain/legacy-fingerprint.js";
import { createHarness, type Harness } from "../helpers/app.js";

const CLUSTER = "prod-eu-1";
const exporter = (name: string, node: string) => ({
  namespace: "monitoring",
  name,
  node,
  phase: "Running" as const,
  owner: { kind: "DaemonSet", name: "node-exporter" },
  ports: [{ container: "exporter", containerPort: 9100, hostPort: 9100 }],
});
const snapshot = (observedAt: string, pods: ReturnType<typeof exporter>[]): SnapshotInput => ({
  schemaVersion: 1,
  cluster: CLUSTER,
  observedAt,
  nodes: [
    { name: "n0", ready: true },
    { name: "n1", ready: true },
  ],
  pods,
});

/** What an earlier version stored: the same rows, each with the cyrb53 fingerprint of its fact. */
async function rewriteAsLegacy(harness: Harness, input: SnapshotInput) {
  const parsed = parseSnapshot(input);
  if (!parsed.ok) throw new Error(parsed.message);
  const facts = factsFromState(canonicalState(parsed.snapshot));
  const db = harness.database.db;
  for (const [table, list] of [
    ["node_versions", facts.nodes],
    ["pod_versions", facts.pods],
    ["port_allocations", facts.allocations],
  ] as const) {
    for (const { fp, ...rest } of list) {
      await db.execute(
        sql`UPDATE ${sql.raw(table)} SET fp = ${legacyFingerprint(JSON.stringify(rest))} WHERE fp = ${fp}`,
      );
    }
  }
  // As migration 0005 does: the next push is diffed, not taken for an unchanged heartbeat.
  await db.execute(sql`UPDATE clusters SET last_snapshot_hash = NULL`);
}

const rowsOf = (harness: Harness, table: string) =>
  rawRows<{ id: number; fp: string; valid_from: string; valid_to: string | null }>(
    harness.database.db,
    sql`SELECT id::float8 AS id, fp, valid_from::text, valid_to::text FROM ${sql.raw(table)} ORDER BY id`,
  );

describe("fingerprints written by an earlier version", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await createHarness();
  });
  afterAll(() => harness.close());

  it("keeps unchanged facts' intervals, gives them the new fingerprint, and re-versions only the changed pod", async () => {
    const token = await harness.register(CLUSTER);
    const first = snapshot("2026-01-01T00:00:00Z", [exporter("e0", "n0"), exporter("e1", "n1")]);
    expect((await harness.push(token, first)).status).toBe(200);
    await rewriteAsLegacy(harness, first);
    const nodesBefore = await rowsOf(harness, "node_versions");
    expect(nodesBefore.every((r) => r.fp.length === 22)).toBe(true);

    const next = snapshot("2026-01-01T01:00:00Z", [exporter("e0", "n0"), exporter("e1b", "n1")]);
    const res = await harness.push(token, next);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ changed: true, opened: 2, closed: 2 });

    const nodes = await rowsOf(harness, "node_versions");
    expect(nodes.map(({ id, valid_from, valid_to }) => ({ id, valid_from, valid_to }))).toEqual(
      nodesBefore.map(({ id, valid_from, valid_to }) => ({ id, valid_from, valid_to })),
    );
    expect(nodes.every((r) => r.fp.length === 24)).toBe(true);
    const pods = await rowsOf(harness, "pod_versions");
    expect(pods.filter((r) => r.valid_to === null)).toHaveLength(2);
    expect(pods.filter((r) => r.valid_to !== null)).toHaveLength(1);
    const unchanged = pods.find((r) => r.valid_to === null && r.valid_from.startsWith("2026-01-01 00:00"));
    expect(unchanged?.fp).toHaveLength(24);
  });

  it("keeps the old values: they are what earlier versions stored", () => {
    expect(legacyFingerprint("")).toBe("1aggevgbi2j1247s7v64qa");
    expect(legacyFingerprint('{"name":"node-0","ready":true}')).toBe("00bzcfkn6mi0z6eqb3sf22");
    expect(legacyFingerprint("é漢字🙂\u0000")).toBe("1aqse332o0e1qj7fpd17lx");
  });
});
