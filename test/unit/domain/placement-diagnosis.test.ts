import { describe, expect, it } from "vitest";
import type { Taint } from "../../../src/contract/snapshot.js";
import { suggestFreeName } from "../../../src/domain/ingress-plan.js";
import { diagnosePlacement, type NodeGroup } from "../../../src/domain/placement-diagnosis.js";

const WORKERS = { "node-role.kubernetes.io/worker": "" };
const INFRA_TAINT: Taint = { key: "node-role.kubernetes.io/infra", effect: "NoSchedule" };
const group = (over: Partial<NodeGroup>): NodeGroup => ({
  labels: WORKERS,
  taints: [],
  unschedulable: false,
  ready: true,
  nodes: 1,
  ...over,
});

describe("what would make a node eligible for a placement", () => {
  it.each<{
    case: string;
    groups: NodeGroup[];
    selector: Record<string, string>;
    expected: Record<string, unknown>;
  }>([
    {
      case: "a cluster with no nodes",
      groups: [],
      selector: WORKERS,
      expected: { nodes: 0, selectedNodes: 0, hints: ["the cluster reports no nodes"] },
    },
    {
      case: "a selector label no node has",
      groups: [group({ nodes: 3 })],
      selector: { ...WORKERS, "edge/router": "true" },
      expected: {
        unmatchedLabels: ["edge/router=true"],
        selectedNodes: 0,
        hints: [
          "no node has the label edge/router=true: label nodes with it, or choose another node selector",
        ],
      },
    },
    {
      case: "labels that exist apart but never together",
      groups: [group({ labels: { a: "1" } }), group({ labels: { b: "2" } })],
      selector: { a: "1", b: "2" },
      expected: {
        unmatchedLabels: [],
        selectedNodes: 0,
        hints: ["no node has all the selector's labels together: label nodes, or narrow the node selector"],
      },
    },
    {
      case: "selected nodes cordoned, not Ready and tainted",
      groups: [
        group({ nodes: 2, unschedulable: true }),
        group({ nodes: 1, ready: false }),
        group({ nodes: 3, taints: [INFRA_TAINT, { key: "soft", effect: "PreferNoSchedule" }] }),
        group({ nodes: 4, labels: {} }),
      ],
      selector: WORKERS,
      expected: {
        nodes: 10,
        selectedNodes: 6,
        cordoned: 2,
        notReady: 1,
        untoleratedTaints: [{ taint: "node-role.kubernetes.io/infra:NoSchedule", nodes: 3 }],
        hints: [
          "1 of the 6 node(s) the selector matches are not Ready: bring them back",
          "2 of the 6 node(s) the selector matches are cordoned: uncordon them",
          "3 of the 6 node(s) the selector matches carry the taint node-role.kubernetes.io/infra:NoSchedule: tolerate it, or remove the taint",
        ],
      },
    },
  ])("$case", ({ groups, selector, expected }) => {
    expect(diagnosePlacement(groups, { nodeSelector: selector, tolerations: [] })).toMatchObject(expected);
  });

  it("does not name a taint the placement tolerates", () => {
    const d = diagnosePlacement([group({ taints: [INFRA_TAINT], ready: false })], {
      nodeSelector: WORKERS,
      tolerations: [{ key: "node-role.kubernetes.io/infra", operator: "Exists" }],
    });
    expect(d.untoleratedTaints).toEqual([]);
    expect(d.hints).toEqual(["1 of the 1 node(s) the selector matches are not Ready: bring them back"]);
  });
});

describe("a free IngressController name", () => {
  it.each([
    { name: "shard-b", taken: ["shard-b"], expected: "shard-b-2" },
    { name: "shard-b", taken: ["shard-b", "shard-b-2", "shard-b-3"], expected: "shard-b-4" },
    { name: "shard-b", taken: ["shard-b", "shard-b-3"], expected: "shard-b-2" },
    { name: "a".repeat(253), taken: ["a".repeat(253)], expected: `${"a".repeat(251)}-2` },
  ])("$name with $taken.length taken → $expected", ({ name, taken, expected }) => {
    expect(suggestFreeName(name, new Set(taken))).toBe(expected);
  });
});
