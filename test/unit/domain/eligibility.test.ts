import { describe, expect, it } from "vitest";
import type { NodeAffinity, Taint, Toleration } from "../../../src/contract/snapshot.js";
import { formatTaint, nodeEligibility, toleratesTaint } from "../../../src/domain/eligibility.js";
import type { NodeView } from "../../../src/domain/views.js";

const node = (extra: Partial<NodeView> = {}): NodeView => ({
  name: "worker-1",
  labels: {},
  unschedulable: false,
  ready: true,
  taints: [],
  ...extra,
});

const dedicated: Taint = { key: "dedicated", value: "infra", effect: "NoSchedule" };

describe("tolerations (v1 Toleration.ToleratesTaint)", () => {
  it.each<[string, Toleration, Taint, boolean]>([
    ["Equal with key and value", { key: "dedicated", operator: "Equal", value: "infra" }, dedicated, true],
    ["Equal with another value", { key: "dedicated", operator: "Equal", value: "gpu" }, dedicated, false],
    ["operator defaults to Equal", { key: "dedicated", value: "infra" }, dedicated, true],
    ["default Equal compares the value", { key: "dedicated", value: "gpu" }, dedicated, false],
    [
      "Equal without value, taint without value",
      { key: "master" },
      { key: "master", effect: "NoSchedule" },
      true,
    ],
    ["Equal without value, taint with a value", { key: "dedicated" }, dedicated, false],
    ["Exists ignores the value", { key: "dedicated", operator: "Exists", value: "gpu" }, dedicated, true],
    ["Exists with another key", { key: "gpu", operator: "Exists" }, dedicated, false],
    ["Exists with an empty key tolerates everything", { operator: "Exists" }, dedicated, true],
    ["Exists with an empty key and an effect", { operator: "Exists", effect: "NoExecute" }, dedicated, false],
    [
      "an empty effect matches every effect",
      { key: "dedicated", operator: "Exists", effect: "" },
      dedicated,
      true,
    ],
    [
      "a missing effect matches every effect",
      { key: "dedicated", value: "infra" },
      { ...dedicated, effect: "NoExecute" },
      true,
    ],
    [
      "another effect does not match",
      { key: "dedicated", value: "infra", effect: "NoExecute" },
      dedicated,
      false,
    ],
    [
      "an empty key with Equal matches any key by value",
      { operator: "Equal", value: "infra" },
      dedicated,
      true,
    ],
  ])("%s → %s", (_name, toleration, taint, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });

  it.each<[Taint, string]>([
    [dedicated, "dedicated=infra:NoSchedule"],
    [
      { key: "node-role.kubernetes.io/master", effect: "NoSchedule" },
      "node-role.kubernetes.io/master:NoSchedule",
    ],
  ])("formats a taint like kubectl: %o", (taint, text) => {
    expect(formatTaint(taint)).toBe(text);
  });
});

describe("node eligibility: readiness, cordon, taints, nodeSelector", () => {
  it.each<[string, NodeView, Parameters<typeof nodeEligibility>[1], string[]]>([
    ["a plain node with no rules", node(), {}, []],
    ["not ready", node({ ready: false }), {}, ["not ready"]],
    ["cordoned", node({ unschedulable: true }), {}, ["cordoned"]],
    [
      "an untolerated NoSchedule taint",
      node({ taints: [dedicated] }),
      {},
      ["taint dedicated=infra:NoSchedule not tolerated"],
    ],
    [
      "an untolerated NoExecute taint",
      node({ taints: [{ key: "maintenance", effect: "NoExecute" }] }),
      {},
      ["taint maintenance:NoExecute not tolerated"],
    ],
    [
      "PreferNoSchedule never repels",
      node({ taints: [{ ...dedicated, effect: "PreferNoSchedule" }] }),
      {},
      [],
    ],
    [
      "a tolerated taint",
      node({ taints: [dedicated] }),
      { tolerations: [{ key: "dedicated", operator: "Equal", value: "infra", effect: "NoSchedule" }] },
      [],
    ],
    ["nodeSelector matched", node({ labels: { role: "infra" } }), { nodeSelector: { role: "infra" } }, []],
    [
      "nodeSelector with another value",
      node({ labels: { role: "worker" } }),
      { nodeSelector: { role: "infra" } },
      ["nodeSelector role=infra not matched"],
    ],
    [
      "nodeSelector on a missing label",
      node(),
      { nodeSelector: { role: "infra" } },
      ["nodeSelector role=infra not matched"],
    ],
    [
      'nodeSelector with "" needs the label present',
      node({ labels: { "node-role.kubernetes.io/worker": "" } }),
      { nodeSelector: { "node-role.kubernetes.io/worker": "" } },
      [],
    ],
    [
      "every reason at once",
      node({ ready: false, unschedulable: true, taints: [dedicated] }),
      { nodeSelector: { role: "infra" } },
      [
        "not ready",
        "cordoned",
        "nodeSelector role=infra not matched",
        "taint dedicated=infra:NoSchedule not tolerated",
      ],
    ],
    [
      "Ready and cordon are required even when every taint is tolerated",
      node({ ready: false, unschedulable: true }),
      { tolerations: [{ operator: "Exists" }] },
      ["not ready", "cordoned"],
    ],
  ])("%s", (_name, n, rules, reasons) => {
    expect(nodeEligibility(n, rules)).toEqual({ eligible: reasons.length === 0, reasons });
  });
});

type Expression = NonNullable<NodeAffinity["nodeSelectorTerms"][number]["matchExpressions"]>[number];
const expr = (key: string, operator: Expression["operator"], values?: string[]): Expression =>
  values === undefined ? { key, operator } : { key, operator, values };
const oneTerm = (...matchExpressions: Expression[]): NodeAffinity => ({
  nodeSelectorTerms: [{ matchExpressions }],
});

describe("required node affinity: operators", () => {
  const labels = {
    zone: "a",
    cpus: "8",
    weird: "4.5",
    negative: "-3",
    huge: "99999999999999999999",
    empty: "",
  };
  it.each<[string, Expression, boolean]>([
    ["In with the node's value", expr("zone", "In", ["a", "b"]), true],
    ["In without the node's value", expr("zone", "In", ["b"]), false],
    ["In on a missing label", expr("rack", "In", ["a"]), false],
    ["In with no values is invalid", expr("zone", "In", []), false],
    ["NotIn without the node's value", expr("zone", "NotIn", ["b"]), true],
    ["NotIn with the node's value", expr("zone", "NotIn", ["a"]), false],
    ["NotIn on a missing label matches", expr("rack", "NotIn", ["a"]), true],
    ["NotIn with no values is invalid", expr("rack", "NotIn"), false],
    ["Exists on a present label", expr("zone", "Exists"), true],
    ['Exists on a label whose value is ""', expr("empty", "Exists"), true],
    ["Exists on a missing label", expr("rack", "Exists"), false],
    ["Exists with values is invalid", expr("zone", "Exists", ["a"]), false],
    ["DoesNotExist on a missing label", expr("rack", "DoesNotExist"), true],
    ["DoesNotExist on a present label", expr("zone", "DoesNotExist"), false],
    ["Gt below the label", expr("cpus", "Gt", ["4"]), true],
    ["Gt equal to the label", expr("cpus", "Gt", ["8"]), false],
    ["Gt with a signed value", expr("cpus", "Gt", ["+7"]), true],
    ["Gt on a negative label", expr("negative", "Gt", ["-4"]), true],
    ["Gt on a non-integer label never matches", expr("weird", "Gt", ["1"]), false],
    ["Gt on a label beyond int64 never matches", expr("huge", "Gt", ["1"]), false],
    ["Gt on a missing label", expr("rack", "Gt", ["1"]), false],
    ["Gt with a non-integer value is invalid", expr("cpus", "Gt", ["4.0"]), false],
    ["Gt with two values is invalid", expr("cpus", "Gt", ["4", "5"]), false],
    ["Gt with no value is invalid", expr("cpus", "Gt"), false],
    ["Lt above the label", expr("cpus", "Lt", ["16"]), true],
    ["Lt equal to the label", expr("cpus", "Lt", ["8"]), false],
    ["Lt on a negative label", expr("negative", "Lt", ["0"]), true],
    ["Lt on a non-integer label never matches", expr("weird", "Lt", ["100"]), false],
  ])("%s → %s", (_name, expression, expected) => {
    expect(nodeEligibility(node({ labels }), { requiredNodeAffinity: oneTerm(expression) }).eligible).toBe(
      expected,
    );
  });
});

describe("required node affinity: terms and fields", () => {
  const n = node({ name: "worker-1", labels: { zone: "a", disk: "ssd" } });
  it.each<[string, NodeAffinity, boolean]>([
    [
      "expressions in a term are AND-ed (all hold)",
      oneTerm(expr("zone", "In", ["a"]), expr("disk", "In", ["ssd"])),
      true,
    ],
    [
      "expressions in a term are AND-ed (one fails)",
      oneTerm(expr("zone", "In", ["a"]), expr("disk", "In", ["hdd"])),
      false,
    ],
    [
      "terms are OR-ed (the second matches)",
      {
        nodeSelectorTerms: [
          { matchExpressions: [expr("zone", "In", ["b"])] },
          { matchExpressions: [expr("disk", "Exists")] },
        ],
      },
      true,
    ],
    [
      "terms are OR-ed (none matches)",
      {
        nodeSelectorTerms: [
          { matchExpressions: [expr("zone", "In", ["b"])] },
          { matchExpressions: [expr("gpu", "Exists")] },
        ],
      },
      false,
    ],
    ["a term with no expressions matches nothing", { nodeSelectorTerms: [{}] }, false],
    [
      "a term with empty lists matches nothing",
      { nodeSelectorTerms: [{ matchExpressions: [], matchFields: [] }] },
      false,
    ],
    [
      "an empty term next to a matching one",
      { nodeSelectorTerms: [{}, { matchExpressions: [expr("zone", "Exists")] }] },
      true,
    ],
    ["no terms match nothing", { nodeSelectorTerms: [] }, false],
    [
      "an invalid expression fails its term only",
      {
        nodeSelectorTerms: [
          { matchExpressions: [expr("zone", "In", [])] },
          { matchExpressions: [expr("zone", "Exists")] },
        ],
      },
      true,
    ],
    [
      "metadata.name In the node",
      { nodeSelectorTerms: [{ matchFields: [expr("metadata.name", "In", ["worker-1"])] }] },
      true,
    ],
    [
      "metadata.name In another node",
      { nodeSelectorTerms: [{ matchFields: [expr("metadata.name", "In", ["worker-2"])] }] },
      false,
    ],
    [
      "metadata.name NotIn the node",
      { nodeSelectorTerms: [{ matchFields: [expr("metadata.name", "NotIn", ["worker-1"])] }] },
      false,
    ],
    [
      "metadata.name NotIn another node",
      { nodeSelectorTerms: [{ matchFields: [expr("metadata.name", "NotIn", ["worker-2"])] }] },
      true,
    ],
    [
      "a field In with two values is invalid",
      { nodeSelectorTerms: [{ matchFields: [expr("metadata.name", "In", ["worker-1", "worker-2"])] }] },
      false,
    ],
    [
      "Exists on a field is not supported",
      { nodeSelectorTerms: [{ matchFields: [expr("metadata.name", "Exists")] }] },
      false,
    ],
    [
      "fields other than metadata.name are not supported",
      { nodeSelectorTerms: [{ matchFields: [expr("spec.x", "In", ["a"])] }] },
      false,
    ],
    [
      "fields and expressions of a term are AND-ed",
      {
        nodeSelectorTerms: [
          {
            matchExpressions: [expr("zone", "In", ["b"])],
            matchFields: [expr("metadata.name", "In", ["worker-1"])],
          },
        ],
      },
      false,
    ],
  ])("%s → %s", (_name, affinity, expected) => {
    expect(nodeEligibility(n, { requiredNodeAffinity: affinity }).eligible).toBe(expected);
  });

  it.each<[string, NodeAffinity, string]>([
    [
      "one term names its failing expression",
      oneTerm(expr("zone", "In", ["b", "c"])),
      "required node affinity not matched (zone In [b, c] not matched)",
    ],
    [
      "several terms are numbered",
      { nodeSelectorTerms: [{}, { matchExpressions: [expr("gpu", "Exists")] }] },
      "required node affinity not matched (term 1: empty term matches nothing; term 2: gpu Exists not matched)",
    ],
    [
      "an invalid expression says why",
      oneTerm(expr("cpus", "Gt", ["many"])),
      "required node affinity not matched (cpus Gt [many] is invalid (Gt needs exactly one integer value))",
    ],
    [
      "a field says it is one",
      { nodeSelectorTerms: [{ matchFields: [expr("metadata.name", "In", ["worker-2"])] }] },
      "required node affinity not matched (field metadata.name In [worker-2] not matched)",
    ],
    ["no terms", { nodeSelectorTerms: [] }, "required node affinity has no terms"],
  ])("reason: %s", (_name, affinity, reason) => {
    expect(nodeEligibility(n, { requiredNodeAffinity: affinity }).reasons).toEqual([reason]);
  });
});
