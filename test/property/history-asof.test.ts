/**
 * Property: for random histories of one or two clusters (random nodes, pods and host ports, pushed
 * with strictly increasing observedAt), what the as-of queries answer at any instant is exactly the
 * allocations of the snapshot in force then — the last one observed at or before it, none before the first.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import type { AllocationAnswer } from "../helpers/answers.js";
import { createHarness, type Harness } from "../helpers/app.js";

const NODE_NAMES = ["n0", "n1", "n2"];
const HOST_PORTS = [80, 9100, 30000];
const T0 = Date.parse("2026-01-01T00:00:00Z");

type Pod = SnapshotInput["pods"][number];

const portArb = fc.record({
  container: fc.constantFrom("c0", "c1"),
  hostPort: fc.constantFrom(...HOST_PORTS),
  protocol: fc.constantFrom("TCP" as const, "UDP" as const),
  hostIP: fc.constantFrom("", "10.0.0.1"),
});

const podArb = fc.record({
  namespace: fc.constantFrom("a", "b"),
  name: fc.constantFrom("p0", "p1", "p2", "p3"),
  /** an index into the snapshot's nodes, or null for a pod not bound to a node */
  node: fc.option(fc.nat(), { nil: null }),
  hostNetwork: fc.boolean(),
  ports: fc.uniqueArray(portArb, {
    maxLength: 3,
    selector: (p) => `${p.container}|${p.protocol}|${p.hostIP}|${p.hostPort}`,
  }),
});

/** One cluster's state: a random node set and pods bound to those nodes. */
const stateArb = fc
  .record({
    nodes: fc.uniqueArray(fc.constantFrom(...NODE_NAMES), { minLength: 1, maxLength: NODE_NAMES.length }),
    pods: fc.uniqueArray(podArb, { maxLength: 4, selector: (p) => `${p.namespace}/${p.name}` }),
  })
  .map(({ nodes, pods }) => ({
    nodes,
    pods: pods.map(
      (pod): Pod => ({
        namespace: pod.namespace,
        name: pod.name,
        node: pod.node === null ? null : (nodes[pod.node % nodes.length] ?? null),
        phase: pod.node === null ? "Pending" : "Running",
        hostNetwork: pod.hostNetwork,
        ports: pod.ports.map((p) => ({ ...p, containerPort: p.hostPort })),
      }),
    ),
  }));

/** A cluster's pushes: states with strictly increasing observedAt (gaps of 1 ms to 100 s). */
const historyArb = fc.array(fc.tuple(fc.integer({ min: 1, max: 100_000 }), stateArb), {
  minLength: 1,
  maxLength: 4,
});

interface Push {
  cluster: string;
  at: number;
  snapshot: SnapshotInput;
}

function pushesOf(cluster: string, history: [number, { nodes: string[]; pods: Pod[] }][]): Push[] {
  let at = T0;
  return history.map(([gap, state]) => {
    at += gap;
    const snapshot: SnapshotInput = {
      schemaVersion: 1,
      cluster,
      observedAt: new Date(at).toISOString(),
      nodes: state.nodes.map((name) => ({ name, ready: true })),
      pods: state.pods,
    };
    return { cluster, at, snapshot };
  });
}

const allocationKey = (
  a: Pick<
    AllocationAnswer,
    "cluster" | "node" | "namespace" | "pod" | "container" | "protocol" | "hostIP" | "hostPort"
  >,
) => [a.cluster, a.node, a.namespace, a.pod, a.container, a.protocol, a.hostIP, a.hostPort].join("|");

/** The allocations a snapshot holds, as the queries present them (hostIP "" is every address). */
function expectedAllocations(push: Push | undefined): string[] {
  if (!push) return [];
  return push.snapshot.pods.flatMap((pod) =>
    pod.node
      ? (pod.ports ?? []).map((port) =>
          allocationKey({
            cluster: push.cluster,
            node: pod.node as string,
            namespace: pod.namespace,
            pod: pod.name,
            container: port.container,
            protocol: port.protocol ?? "TCP",
            hostIP: port.hostIP || "0.0.0.0",
            hostPort: port.hostPort,
          }),
        )
      : [],
  );
}

/** The snapshot in force at t: the last one observed at or before t. */
const inForce = (pushes: readonly Push[], t: number) => pushes.filter((p) => p.at <= t).at(-1);

/** Before the first push, at and just before every push, between pushes, and long after the last. */
function instantsOf(pushes: readonly Push[]): number[] {
  const times = pushes.map((p) => p.at).sort((a, b) => a - b);
  const first = times[0] ?? T0;
  const instants = new Set([first - 1000, (times.at(-1) ?? T0) + 3_600_000]);
  times.forEach((at, i) => {
    instants.add(at);
    instants.add(at - 1);
    const next = times[i + 1];
    if (next !== undefined) instants.add(Math.floor((at + next) / 2));
  });
  return [...instants].sort((a, b) => a - b);
}

describe("history as of an instant", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await createHarness();
  });
  afterAll(() => harness.close());

  /** Checks one answer's allocations against the expected keys, and that each interval covers t. */
  function expectAllocations(answer: AllocationAnswer[], expected: string[], t: number, what: string) {
    expect(answer.map(allocationKey).sort(), what).toEqual([...expected].sort());
    for (const a of answer) {
      expect(Date.parse(a.since), `${what}: since`).toBeLessThanOrEqual(t);
      if (a.until !== null) expect(Date.parse(a.until), `${what}: until`).toBeGreaterThan(t);
    }
  }

  it("ports.who and ports.node as of any instant answer the allocations of the snapshot in force then", async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.option(historyArb, { nil: null }), async (first, second) => {
        await harness.reset();
        const histories = [pushesOf("c1", first), ...(second ? [pushesOf("c2", second)] : [])];
        for (const pushes of histories) {
          const token = await harness.register(pushes[0]?.cluster ?? "");
          for (const push of pushes) {
            const res = await harness.push(token, push.snapshot);
            expect(res.status, await res.clone().text()).toBe(200);
          }
        }
        const all = histories.flat();
        for (const [i, t] of instantsOf(all).entries()) {
          const asOf = new Date(t).toISOString();
          for (const hostPort of HOST_PORTS) {
            const who = await harness.query("ports.who", {
              hostPort,
              asOf,
            });
            if (!who.ok) throw new Error(`ports.who ${hostPort} at ${asOf}: ${who.error.message}`);
            const expected = histories
              .flatMap((pushes) => expectedAllocations(inForce(pushes, t)))
              .filter((key) => key.endsWith(`|${hostPort}`));
            expectAllocations(who.data.allocations, expected, t, `ports.who ${hostPort} at ${asOf}`);
          }
          for (const pushes of histories) {
            const current = inForce(pushes, t);
            // One node per instant, in turn: every node is asked about across the instants, at a third of the cost.
            for (const node of [NODE_NAMES[i % NODE_NAMES.length] ?? ""]) {
              const cluster = pushes[0]?.cluster ?? "";
              const answer = await harness.query("ports.node", {
                cluster,
                node,
                asOf,
              });
              const what = `ports.node ${cluster}/${node} at ${asOf}`;
              if (!current?.snapshot.nodes.some((n) => n.name === node)) {
                expect(answer.status, what).toBe(404);
                continue;
              }
              if (!answer.ok) throw new Error(`${what}: ${answer.error.message}`);
              const expected = expectedAllocations(current).filter((key) =>
                key.startsWith(`${cluster}|${node}|`),
              );
              expectAllocations(answer.data.allocations, expected, t, what);
            }
          }
        }
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});
