import { gzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawRows } from "../../src/db/raw.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

const MAX_BYTES = 64 * 1024;
let h: Harness;
let token: string;
beforeAll(async () => {
  h = await createHarness({ maxSnapshotBytes: MAX_BYTES });
});
afterAll(() => h.close());

const T1 = "2026-11-27T10:00:00.000Z";
const T2 = "2026-11-27T11:00:00.000Z";
const accepted = snapshot(
  "prod-eu-1",
  T1,
  [node("worker-1")],
  [
    hostNetworkPod("monitoring", "node-exporter-a", "worker-1", [9100], {
      kind: "DaemonSet",
      name: "node-exporter",
    }),
  ],
);

beforeEach(async () => {
  await h.reset();
  token = await h.register("prod-eu-1");
  expect((await h.push(token, accepted)).status).toBe(200);
});

/** Everything a rejected push could have touched: row counts and the current view. */
async function storedState() {
  const counts = await rawRows(
    h.database.db,
    sql`SELECT (SELECT count(*) FROM node_versions)::int AS nodes, (SELECT count(*) FROM pod_versions)::int AS pods,
               (SELECT count(*) FROM port_allocations)::int AS allocations, (SELECT count(*) FROM snapshots)::int AS snapshots,
               (SELECT max(last_observed_at)::text FROM clusters) AS last_observed`,
  );
  const map = await h.query("ports.map", { cluster: "prod-eu-1" });
  return { counts, map };
}

const valid = () =>
  structuredClone(accepted) as unknown as Record<string, unknown> & {
    nodes: Record<string, unknown>[];
    pods: (Record<string, unknown> & { ports: Record<string, unknown>[] })[];
  };
const later = <T extends Record<string, unknown>>(s: T) => ({ ...s, observedAt: T2 });
/** A later snapshot whose first pod's first port has `change` applied. */
const withFirstPort = (change: Record<string, unknown>) => {
  const s = later(valid());
  Object.assign(s.pods[0]!.ports[0]!, change);
  return s;
};

const badSnapshots: [string, number, string, () => unknown][] = [
  ["a missing schemaVersion", 400, "INVALID_SNAPSHOT", () => later({ ...valid(), schemaVersion: undefined })],
  ["an unknown schemaVersion", 400, "INVALID_SNAPSHOT", () => later({ ...valid(), schemaVersion: 2 })],
  [
    "an observedAt that is not RFC 3339",
    400,
    "INVALID_SNAPSHOT",
    () => ({ ...valid(), observedAt: "yesterday" }),
  ],
  [
    "a cluster name that is not a DNS-1123 label",
    400,
    "INVALID_SNAPSHOT",
    () => later({ ...valid(), cluster: "Prod_EU" }),
  ],
  ["a hostPort of 0", 400, "PORT_OUT_OF_RANGE", () => withFirstPort({ hostPort: 0 })],
  ["a hostPort above 65535", 400, "PORT_OUT_OF_RANGE", () => withFirstPort({ hostPort: 65536 })],
  ["an unknown protocol", 400, "UNKNOWN_PROTOCOL", () => withFirstPort({ protocol: "ICMP" })],
  [
    "a duplicate node",
    400,
    "DUPLICATE_NODE",
    () => later({ ...valid(), nodes: [valid().nodes[0], valid().nodes[0]] }),
  ],
  [
    "a duplicate pod",
    400,
    "DUPLICATE_POD",
    () => later({ ...valid(), pods: [valid().pods[0], valid().pods[0]] }),
  ],
  [
    "a pod on a node missing from the snapshot",
    400,
    "UNKNOWN_NODE",
    () => {
      const s = later(valid());
      s.pods[0]!.node = "worker-9";
      return s;
    },
  ],
  [
    "the same host port twice in one container",
    400,
    "DUPLICATE_PORT",
    () => {
      const s = later(valid());
      s.pods[0]!.ports.push({ ...s.pods[0]!.ports[0]! });
      return s;
    },
  ],
  ["another cluster's name", 403, "CLUSTER_MISMATCH", () => later({ ...valid(), cluster: "prod-us-1" })],
  [
    "an observedAt older than the latest accepted",
    409,
    "STALE_SNAPSHOT",
    () => ({ ...valid(), observedAt: "2026-11-27T09:00:00.000Z" }),
  ],
  [
    "different content at the latest observedAt",
    409,
    "STALE_SNAPSHOT",
    () => ({ ...valid(), nodes: [...valid().nodes, { name: "worker-2", ready: true }] }),
  ],
];

describe("bad snapshots are refused and store nothing", () => {
  it.each(badSnapshots)("refuses %s with %i %s", async (_name, status, code, build) => {
    const before = await storedState();
    const res = await h.push(token, build());
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string; issues?: unknown[] } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    if (status === 400) expect(body.error.issues?.length).toBeGreaterThan(0);
    expect(await storedState()).toEqual(before);
  });

  it.each([
    ["invalid JSON", { raw: "{not json" }, 400, "INVALID_JSON"],
    [
      "a body over the size limit",
      { raw: JSON.stringify({ pad: "x".repeat(MAX_BYTES) }) },
      413,
      "PAYLOAD_TOO_LARGE",
    ],
  ] as const)("refuses %s", async (_name, options, status, code) => {
    const before = await storedState();
    const res = await h.push(token, null, options);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(await storedState()).toEqual(before);
  });

  it("refuses a gzip body whose decompressed size is over the limit", async () => {
    const before = await storedState();
    const bomb = JSON.stringify({ pad: "0".repeat(MAX_BYTES * 4) });
    expect(gzipSync(bomb).byteLength).toBeLessThan(MAX_BYTES);
    const res = await h.push(token, null, { raw: bomb, gzip: true });
    expect(res.status).toBe(413);
    expect(await storedState()).toEqual(before);
  });

  it("refuses a body that claims gzip but is not", async () => {
    const res = await h.push(token, later(valid()), { headers: { "content-encoding": "gzip" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_GZIP");
  });

  it("refuses a body that is not JSON by content type", async () => {
    const res = await h.push(token, null, { raw: "hello", headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(415);
  });

  it("answers an exact retransmission of the latest snapshot with 200 changed:false", async () => {
    const before = await storedState();
    const res = await h.push(token, accepted);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ changed: false, opened: 0, closed: 0, snapshotId: 1 });
    expect(await storedState()).toEqual(before);
  });

  it("refuses a push with an unknown token (401) or no token (401)", async () => {
    const unknown = await h.push("ptl_agent_nope", later(valid()));
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    const none = await h.push(null, later(valid()));
    expect(none.status).toBe(401);
  });

  it("refuses a token of cluster A pushing for cluster B with 403", async () => {
    const tokenB = await h.register("prod-us-1");
    const before = await storedState();
    const res = await h.push(tokenB, later(valid()));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("CLUSTER_MISMATCH");
    expect(await storedState()).toEqual(before);
  });

  it("refuses the admin token as an agent token", async () => {
    const res = await h.push(h.adminToken, later(valid()));
    expect(res.status).toBe(403);
  });
});
