/**
 * Input PostgreSQL cannot store, or that is too big to be real, is answered 400 with a code through the
 * real app, and nothing of it is stored (before the bounds these were 500s or accepted).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_DISTINCT_HOST_PORTS, MAX_HOST_PORTS, MAX_PORTS_PER_POD } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const T1 = "2026-11-27T10:00:00.000Z";
const T2 = "2026-11-27T11:00:00.000Z";
const accepted = snapshot(
  "prod-eu-1",
  T1,
  [node("worker-1")],
  [hostNetworkPod("monitoring", "a", "worker-1", [9100])],
);

beforeEach(async () => {
  await h.reset();
  token = await h.register("prod-eu-1");
  expect((await h.push(token, accepted)).status).toBe(200);
});

async function storedCounts() {
  return rawRows(
    h.database.db,
    sql`SELECT (SELECT count(*) FROM node_versions)::int AS nodes, (SELECT count(*) FROM pod_versions)::int AS pods,
               (SELECT count(*) FROM port_allocations)::int AS allocations, (SELECT count(*) FROM snapshots)::int AS snapshots`,
  );
}

type Loose = Record<string, unknown> & {
  nodes: Record<string, unknown>[];
  pods: (Record<string, unknown> & { ports: Record<string, unknown>[] })[];
};
/** A later version of the accepted snapshot with `change` applied. */
const laterWith = (change: (s: Loose) => void) => {
  const s = { ...(structuredClone(accepted) as unknown as Loose), observedAt: T2 };
  change(s);
  return s;
};

const badSnapshots: [string, string, () => unknown][] = [
  [
    "a NUL byte in a pod name",
    "INVALID_STRING",
    () => laterWith((s) => Object.assign(s.pods[0]!, { name: "a\u0000" })),
  ],
  [
    "a NUL byte in a label",
    "INVALID_STRING",
    () => laterWith((s) => Object.assign(s.nodes[0]!, { labels: { a: "\u0000" } })),
  ],
  [
    "two pods whose names differ only in a lone surrogate",
    "INVALID_STRING",
    () =>
      laterWith((s) => s.pods.push({ ...s.pods[0]!, name: "a\uD800" }, { ...s.pods[0]!, name: "a\uDBFF" })),
  ],
  [
    "observedAt in year 0000",
    "OBSERVED_AT_OUT_OF_RANGE",
    () => ({ ...laterWith(() => {}), observedAt: "0000-01-01T00:00:00Z" }),
  ],
  [
    "a 3,000-character container name",
    "INVALID_NAME",
    () => laterWith((s) => Object.assign(s.pods[0]!.ports[0]!, { container: "c".repeat(3000) })),
  ],
  [
    "a 1 MB label value",
    "INVALID_LABEL",
    () => laterWith((s) => Object.assign(s.nodes[0]!, { labels: { a: "v".repeat(1 << 20) } })),
  ],
  [
    "the label key __proto__",
    "INVALID_LABEL",
    () => laterWith((s) => Object.assign(s.nodes[0]!, { labels: JSON.parse('{"__proto__":"x"}') })),
  ],
  [
    "100,000 labels",
    "TOO_MANY_LABELS",
    () =>
      laterWith((s) =>
        Object.assign(s.nodes[0]!, {
          labels: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`l${i}`, "v"])),
        }),
      ),
  ],
  [
    "60,000 host ports in one pod",
    "TOO_MANY_PORTS",
    () =>
      laterWith((s) => {
        s.pods[0]!.ports = Array.from({ length: 60_000 }, (_, i) => ({
          container: "c",
          containerPort: i + 1,
          hostPort: i + 1,
        }));
      }),
  ],
  [
    "300,000 invalid ports in one pod (overflowed zod's stack before)",
    "TOO_MANY_PORTS",
    () =>
      laterWith((s) => {
        s.pods[0]!.ports = new Array(300_000).fill(0);
      }),
  ],
  [
    `${MAX_HOST_PORTS + 10_000} host ports over pods each within the per-pod bound`,
    "TOO_MANY_PORTS",
    () =>
      laterWith((s) => {
        const pods = Math.ceil((MAX_HOST_PORTS + 10_000) / MAX_PORTS_PER_POD);
        s.nodes = Array.from({ length: pods }, (_, i) => ({ name: `worker-${i}`, ready: true }));
        s.pods = Array.from({ length: pods }, (_, i) => ({
          namespace: "media",
          name: `relay-${i}`,
          node: `worker-${i}`,
          phase: "Running",
          ports: Array.from({ length: MAX_PORTS_PER_POD }, (_, j) => ({
            container: "relay",
            containerPort: j + 1,
            hostPort: j + 1,
          })),
        }));
      }),
  ],
  [
    `${MAX_DISTINCT_HOST_PORTS + 1} distinct host ports, each pod within its bound and all within the total`,
    "TOO_MANY_DISTINCT_PORTS",
    () =>
      laterWith((s) => {
        s.nodes = [0, 1].map((i) => ({ name: `worker-${i}`, ready: true }));
        s.pods = [0, 1].map((i) => ({
          namespace: "games",
          name: `server-${i}`,
          node: `worker-${i}`,
          phase: "Running",
          // The second pod's range is shifted by one: one port no other pod declares.
          ports: Array.from({ length: MAX_PORTS_PER_POD }, (_, j) => ({
            container: "server",
            containerPort: 7000 + i + j,
            hostPort: 7000 + i + j,
            protocol: "UDP",
          })),
        }));
      }),
  ],
  [
    "90,000 validation issues",
    "INVALID_SNAPSHOT",
    () =>
      laterWith((s) => {
        // Just within the total bound on host ports: every one is parsed, and only 100 are listed.
        s.pods = Array.from({ length: MAX_HOST_PORTS / MAX_PORTS_PER_POD - 1 }, (_, i) => ({
          namespace: "ns",
          name: `p${i}`,
          node: null,
          phase: "Pending",
          ports: Array.from({ length: MAX_PORTS_PER_POD }, () => ({ container: 1, hostPort: "x" })),
        }));
      }),
  ],
];

describe("bad input is refused with a 400 and a code, and stores nothing", () => {
  it.each(badSnapshots)("refuses %s with %s", async (_name, code, build) => {
    const before = await storedCounts();
    const res = await h.push(token, build());
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues?: unknown[] } };
    expect(body.error.code).toBe(code);
    expect(body.error.issues?.length ?? 0).toBeLessThanOrEqual(100);
    expect(await storedCounts()).toEqual(before);
  });

  it("refuses application/json-patch+json with 415 and accepts application/json with parameters", async () => {
    const later = laterWith(() => {});
    const patch = await h.push(token, later, { headers: { "content-type": "application/json-patch+json" } });
    expect(patch.status).toBe(415);
    expect(((await patch.json()) as { error: { code: string } }).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const json = await h.push(token, later, {
      headers: { "content-type": "Application/JSON; charset=utf-8" },
    });
    expect(json.status).toBe(200);
  });
});

describe("read inputs that would reach SQL out of range are refused with 400", () => {
  it.each<[string, string, unknown]>([
    ["a cursor of 2^63", "ports.who", { hostPort: 9100, cursor: "9223372036854775808" }],
    ["asOf in year 0000", "ports.who", { hostPort: 9100, asOf: "0000-01-01T00:00:00Z" }],
    ["asOf in year 0000 for a map", "ports.map", { cluster: "prod-eu-1", asOf: "0000-06-01T00:00:00Z" }],
    [
      "a 400-digit step",
      "trends.allocations",
      { from: T1, to: T2, step: `${"9".repeat(400)}s`, hostPort: 9100 },
    ],
    ["a step over a year", "trends.allocations", { from: T1, to: T2, step: "400d", hostPort: 9100 }],
    ["a NUL byte in a node name", "ports.node", { cluster: "prod-eu-1", node: "worker-1\u0000" }],
    [
      "a NUL byte in a workload name",
      "trends.headroom",
      {
        from: T1,
        to: T2,
        step: "1h",
        cluster: "prod-eu-1",
        namespace: "m",
        kind: "DaemonSet",
        name: "a\u0000",
      },
    ],
    [
      "the selector key __proto__",
      "capacity.freeRanges",
      { width: 1, labelSelector: JSON.parse('{"__proto__":{"env":"prod"}}') },
    ],
    [
      "a lone surrogate in a selector value",
      "capacity.freeRanges",
      { width: 1, labelSelector: { env: "\uD800" } },
    ],
    [
      "2,000 clusters in one question",
      "conflicts.list",
      { clusters: Array.from({ length: 2000 }, (_, i) => `c${i}`) },
    ],
  ])("refuses %s (%s)", async (_name, path, input) => {
    const answer = await h.rawQuery(path, input);
    expect(answer.status).toBe(400);
    expect(answer.ok || answer.error.data.code).toBe("BAD_REQUEST");
  });

  it.each<[string, string, unknown]>([
    [
      "a reservation owner with a NUL byte",
      "reservations.create",
      { portFrom: 10080, portTo: 10081, owner: "a\u0000", purpose: "x" },
    ],
    ["a reservation id beyond PostgreSQL integer", "reservations.delete", { id: 2 ** 31 }],
    ["a read token name with a NUL byte", "tokens.createRead", { name: "ci\u0000" }],
    [
      "a cluster label with a NUL byte",
      "clusters.register",
      { name: "prod-eu-2", labels: { env: "\u0000" } },
    ],
    [
      "the cluster label key __proto__",
      "clusters.register",
      { name: "prod-eu-2", labels: JSON.parse('{"__proto__":"x"}') },
    ],
  ])("refuses %s (%s)", async (_name, path, input) => {
    const answer = await h.rawMutate(path, input);
    expect(answer.status).toBe(400);
    expect(answer.ok || answer.error.data.code).toBe("BAD_REQUEST");
  });
});
