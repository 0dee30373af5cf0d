/**
 * Whether a pod (or a proposed workload) may be placed on a node, with the reasons when it may not.
 * nodeSelector, required node affinity and taints follow kube-scheduler (NodeAffinity and
 * TaintToleration plugins, k8s.io/component-helpers nodeaffinity, v1 Toleration.ToleratesTaint).
 * Ready and not cordoned are required outright, even for pods that tolerate the not-ready or
 * unschedulable taints: a planning answer must not count a broken or draining node as capacity.
 */
import type { NodeAffinity, Taint, Toleration } from "../contract/snapshot.js";
import type { NodeView, PlacementRules } from "./views.js";

export interface Eligibility {
  eligible: boolean;
  reasons: string[];
}

type Term = NodeAffinity["nodeSelectorTerms"][number];
type Requirement = NonNullable<Term["matchExpressions"]>[number];

/** kubectl's notation: key=value:effect, or key:effect without a value. */
export function formatTaint(taint: Taint): string {
  return taint.value ? `${taint.key}=${taint.value}:${taint.effect}` : `${taint.key}:${taint.effect}`;
}

export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === "Exists") return true;
  return (toleration.value ?? "") === (taint.value ?? "");
}

/** PreferNoSchedule only lowers a node's score; it never filters. */
const repels = (taint: Taint) => taint.effect === "NoSchedule" || taint.effect === "NoExecute";

function untoleratedTaints(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint[] {
  return taints.filter((taint) => repels(taint) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, within int64; otherwise null. */
function parseInt64(text: string): bigint | null {
  if (!/^[+-]?\d+$/.test(text)) return null;
  const value = BigInt(text);
  return value >= INT64_MIN && value <= INT64_MAX ? value : null;
}

const requirementText = (r: Requirement) => {
  const values = r.values ?? [];
  if (r.operator === "Exists" || r.operator === "DoesNotExist") return `${r.key} ${r.operator}`;
  return `${r.key} ${r.operator} [${values.join(", ")}]`;
};

/** A requirement the API would refuse makes its whole term fail, as in the scheduler. */
function labelRequirementProblem(r: Requirement): string | null {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
    case "NotIn":
      return values.length === 0 ? `${r.operator} needs at least one value` : null;
    case "Exists":
    case "DoesNotExist":
      return values.length > 0 ? `${r.operator} takes no values` : null;
    case "Gt":
    case "Lt":
      return values.length === 1 && values[0] !== undefined && parseInt64(values[0]) !== null
        ? null
        : `${r.operator} needs exactly one integer value`;
  }
}

function labelRequirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      // A label that is not an integer never matches.
      const actual = value === undefined ? null : parseInt64(value);
      const bound = parseInt64(values[0] ?? "");
      if (actual === null || bound === null) return false;
      return r.operator === "Gt" ? actual > bound : actual < bound;
    }
  }
}

/** matchFields supports only metadata.name, with In or NotIn and exactly one value. */
function fieldRequirementProblem(r: Requirement): string | null {
  if (r.key !== "metadata.name") return "only metadata.name is supported";
  if (r.operator !== "In" && r.operator !== "NotIn") return `${r.operator} is not supported on fields`;
  return r.values?.length === 1 ? null : `${r.operator} on a field needs exactly one value`;
}

function fieldRequirementMatches(r: Requirement, nodeName: string): boolean {
  const matches = r.values?.[0] === nodeName;
  return r.operator === "In" ? matches : !matches;
}

/** Why one term does not select the node, or null when it does. */
function termMismatch(term: Term, node: NodeView): string | null {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return "empty term matches nothing";
  for (const r of expressions) {
    const problem = labelRequirementProblem(r);
    if (problem) return `${requirementText(r)} is invalid (${problem})`;
  }
  for (const r of fields) {
    const problem = fieldRequirementProblem(r);
    if (problem) return `field ${requirementText(r)} is invalid (${problem})`;
  }
  const label = expressions.find((r) => !labelRequirementMatches(r, node.labels));
  if (label) return `${requirementText(label)} not matched`;
  const field = fields.find((r) => !fieldRequirementMatches(r, node.name));
  return field ? `field ${requirementText(field)} not matched` : null;
}

/** Terms are OR-ed: null when one selects the node, else why none does. */
function affinityMismatch(affinity: NodeAffinity, node: NodeView): string | null {
  if (affinity.nodeSelectorTerms.length === 0) return "required node affinity has no terms";
  const why: string[] = [];
  for (const [i, term] of affinity.nodeSelectorTerms.entries()) {
    const mismatch = termMismatch(term, node);
    if (mismatch === null) return null;
    why.push(affinity.nodeSelectorTerms.length === 1 ? mismatch : `term ${i + 1}: ${mismatch}`);
  }
  return `required node affinity not matched (${why.join("; ")})`;
}

export function nodeEligibility(node: NodeView, rules: PlacementRules): Eligibility {
  const reasons: string[] = [];
  if (!node.ready) reasons.push("not ready");
  if (node.unschedulable) reasons.push("cordoned");
  for (const [key, value] of Object.entries(rules.nodeSelector ?? {})) {
    if (node.labels[key] !== value) reasons.push(`nodeSelector ${key}=${value} not matched`);
  }
  const affinity = rules.requiredNodeAffinity ? affinityMismatch(rules.requiredNodeAffinity, node) : null;
  if (affinity) reasons.push(affinity);
  for (const taint of untoleratedTaints(node.taints, rules.tolerations ?? [])) {
    reasons.push(`taint ${formatTaint(taint)} not tolerated`);
  }
  return { eligible: reasons.length === 0, reasons };
}
