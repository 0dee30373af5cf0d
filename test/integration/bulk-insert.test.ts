import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkInsert } from "../../src/db/bulk-insert.js";
import { clusters, nodeVersions, podTemplates, podVersions } from "../../src/db/schema/index.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const tricky = [
  "plain",
  'with "quotes"',
  "back\\slash",
  "comma, {braces}",
  "NULL",
  "",
  "ünïcødé ✓",
  "new\nline",
];

describe("bulk insert through unnest", () => {
  it("round-trips text, booleans, nulls, timestamps and jsonb with every character an array literal escapes", async () => {
    await h.reset();
    const [cluster] = await h.database.db
      .insert(clusters)
      .values({ name: "c1" })
      .returning({ id: clusters.id });
    const validFrom = new Date("2026-11-27T10:00:00.123Z");
    const rows = tricky.map((text, i) => ({
      clusterId: cluster!.id,
      name: `node-${i}-${text}`,
      labels: { [text]: text, quote: '"', nested: "{a,b}" },
      unschedulable: i % 2 === 0,
      ready: i % 3 === 0,
      taints: [{ key: text, value: text, effect: "NoSchedule" as const }],
      addresses: [],
      fp: `fp-${i}`,
      validFrom,
      validTo: i === 0 ? new Date("2026-11-28T00:00:00Z") : null,
    }));
    await bulkInsert(h.database.db, nodeVersions, rows);
    const stored = await h.database.db
      .select()
      .from(nodeVersions)
      .where(eq(nodeVersions.clusterId, cluster!.id))
      .orderBy(nodeVersions.fp);
    expect(stored.map(({ id: _id, ...row }) => row)).toEqual(rows);
  });

  it("stores a JSON null column as SQL NULL", async () => {
    await h.reset();
    const [cluster] = await h.database.db
      .insert(clusters)
      .values({ name: "c2" })
      .returning({ id: clusters.id });
    await bulkInsert(h.database.db, podTemplates, [
      { clusterId: cluster!.id, fp: "-42", nodeSelector: {}, tolerations: [], requiredNodeAffinity: null },
    ]);
    await bulkInsert(h.database.db, podVersions, [
      {
        clusterId: cluster!.id,
        namespace: "ns",
        name: "p",
        node: null,
        phase: "Pending",
        hostNetwork: false,
        ownerKind: null,
        ownerName: null,
        ports: [],
        templateFp: "-42",
        unschedulable: true,
        schedulingMessage: 'didn\'t have free ports "80"',
        fp: "x",
        validFrom: new Date("2026-11-27T10:00:00Z"),
        validTo: null,
      },
    ]);
    const [template] = await h.database.db.select().from(podTemplates);
    expect(template).toMatchObject({ fp: -42n, requiredNodeAffinity: null });
    const [row] = await h.database.db.select().from(podVersions);
    expect(row).toMatchObject({
      node: null,
      templateFp: -42n,
      schedulingMessage: 'didn\'t have free ports "80"',
      ports: [],
    });
  });
});
