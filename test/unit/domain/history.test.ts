import { describe, expect, it } from "vitest";
import { canonicalState, stateHash } from "../../../src/contract/canonical.js";
import { parseSnapshot, type SnapshotInput } from "../../../src/contract/snapshot.js";
import { diffIntervals, factsFromState } from "../../../src/domain/history.js";

function state(input: SnapshotInput) {
  const parsed = parseSnapshot(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return canonicalState(parsed.snapshot);
}

const pod = (name: string, node: string | null, ports: number[], extra: object = {}) => ({
  namespace: "ns",
  name,
  node,
  phase: node ? ("Running" as const) : ("Pending" as const),
  hostNetwork: true,
  ports: ports.map((p) => ({ container: "c", containerPort: p, hostPort: p })),
  ...extra,
});

const snap = (
  pods: ReturnType<typeof pod>[],
  nodes = ["n1", "n2"],
  observedAt = "2026-11-27T10:00:00Z",
): SnapshotInput => ({
  schemaVersion: 1,
  cluster: "c1",
  observedAt,
  nodes: nodes.map((name) => ({ name, ready: true, labels: { b: "2", a: "1" } })),
  pods,
});

describe("canonical form and hash", () => {
  it.each([
    [
      "listing order of pods",
      snap([pod("a", "n1", [80]), pod("b", "n2", [81])]),
      snap([pod("b", "n2", [81]), pod("a", "n1", [80])]),
    ],
    ["listing order of nodes", snap([], ["n1", "n2"]), snap([], ["n2", "n1"])],
    ["listing order of ports", snap([pod("a", "n1", [80, 443])]), snap([pod("a", "n1", [443, 80])])],
    ["observedAt", snap([], ["n1"], "2026-11-27T10:00:00Z"), snap([], ["n1"], "2026-11-28T10:00:00Z")],
    [
      "the key order of labels and selectors",
      snap([pod("a", "n1", [80], { nodeSelector: { x: "1", y: "2" } })]),
      {
        ...snap([pod("a", "n1", [80], { nodeSelector: { y: "2", x: "1" } })]),
        nodes: [
          { name: "n1", ready: true, labels: { a: "1", b: "2" } },
          { name: "n2", ready: true, labels: { a: "1", b: "2" } },
        ],
      },
    ],
    [
      "the order of tolerations and the spelling of their defaults",
      snap([
        pod("a", "n1", [80], { tolerations: [{ key: "k", effect: "NoSchedule" }, { operator: "Exists" }] }),
      ]),
      snap([
        pod("a", "n1", [80], {
          tolerations: [
            { operator: "Exists", key: "" },
            { key: "k", operator: "Equal", effect: "NoSchedule", value: "" },
          ],
        }),
      ]),
    ],
    [
      "explicit defaults",
      snap([pod("a", "n1", [80])]),
      snap([pod("a", "n1", [80], { tolerations: [], nodeSelector: {} })]),
    ],
  ])("hash ignores %s", async (_name, x, y) => {
    expect(await stateHash(state(x))).toBe(await stateHash(state(y)));
  });

  it.each([
    ["a port", snap([pod("a", "n1", [80])]), snap([pod("a", "n1", [81])])],
    ["the node of a pod", snap([pod("a", "n1", [80])]), snap([pod("a", "n2", [80])])],
    [
      "a node's readiness",
      snap([]),
      {
        ...snap([]),
        nodes: [
          { name: "n1", ready: false },
          { name: "n2", ready: true },
        ],
      },
    ],
  ])("hash changes with %s", async (_name, x, y) => {
    expect(await stateHash(state(x))).not.toBe(await stateHash(state(y)));
  });
});

describe("facts and interval diff", () => {
  it("gives allocations only to pods bound to a node", () => {
    const facts = factsFromState(state(snap([pod("a", "n1", [80, 443]), pod("pending", null, [80])])));
    expect(facts.pods).toHaveLength(2);
    expect(facts.allocations.map((a) => [a.pod, a.hostPort])).toEqual([
      ["a", 80],
      ["a", 443],
    ]);
  });

  it("keeps a hostNetwork pod without ports as a pod with no allocations", () => {
    const facts = factsFromState(state(snap([pod("kube-proxy", "n1", [])])));
    expect(facts.pods.map((p) => [p.name, p.ports.length])).toEqual([["kube-proxy", 0]]);
    expect(facts.allocations).toEqual([]);
  });

  const fps = (input: SnapshotInput) => factsFromState(state(input)).allocations;
  it.each([
    ["nothing changed", [80], [80], 0, 0],
    ["a port added", [80], [80, 443], 0, 1],
    ["a port removed", [80, 443], [80], 1, 0],
    ["a port replaced", [80], [8080], 1, 1],
    ["everything gone", [80, 443], [], 2, 0],
    ["first snapshot", [], [80, 443], 0, 2],
  ])("diff when %s: close %i, open %i", (_name, before, after, closeCount, openCount) => {
    const open = fps(snap([pod("a", "n1", before)])).map((f, id) => ({ id, fp: f.fp }));
    const diff = diffIntervals(open, fps(snap([pod("a", "n1", after)])));
    expect(diff.close).toHaveLength(closeCount);
    expect(diff.open).toHaveLength(openCount);
  });

  it("closes and reopens an allocation whose pod moved to another node", () => {
    const open = fps(snap([pod("a", "n1", [80])])).map((f, id) => ({ id, fp: f.fp }));
    const diff = diffIntervals(open, fps(snap([pod("a", "n2", [80])])));
    expect(diff.close).toEqual([0]);
    expect(diff.open.map((a) => a.node)).toEqual(["n2"]);
  });
});
