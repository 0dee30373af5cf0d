/**
 * Why no node of a cluster can take a placement (nodeSelector + tolerations), and what would make
 * one possible: which selector labels no node carries, and of the nodes the selector matches, how
 * many are not Ready, cordoned, or carry a taint the placement does not tolerate.
 */
import type { Taint, Toleration } from "../contract/snapshot.js";
import { formatTaint, toleratesTaint } from "./eligibility.js";

/** A group of alike nodes as the placement reads them (services/capacity/node-shapes.ts). */
export interface NodeGroup {
  /** the node's values of the selector's keys (absent: the node lacks the label) */
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
  unschedulable: boolean;
  ready: boolean;
  nodes: number;
}

export interface PlacementDiagnosis {
  nodes: number;
  /** selector labels (k=v) no node carries */
  unmatchedLabels: string[];
  /** nodes carrying every selector label */
  selectedNodes: number;
  notReady: number;
  cordoned: number;
  /** NoSchedule/NoExecute taints on selected nodes the placement does not tolerate, nodes each */
  untoleratedTaints: { taint: string; nodes: number }[];
  /** what would make a node eligible, in words */
  hints: string[];
}

const repels = (t: Taint) => t.effect === "NoSchedule" || t.effect === "NoExecute";

export function diagnosePlacement(
  groups: readonly NodeGroup[],
  placement: { nodeSelector: Readonly<Record<string, string>>; tolerations: readonly Toleration[] },
): PlacementDiagnosis {
  const wanted = Object.entries(placement.nodeSelector);
  const nodes = groups.reduce((n, g) => n + g.nodes, 0);
  const unmatchedLabels = wanted
    .filter(([k, v]) => !groups.some((g) => g.nodes > 0 && g.labels[k] === v))
    .map(([k, v]) => `${k}=${v}`);
  const selected = groups.filter((g) => wanted.every(([k, v]) => g.labels[k] === v));
  const count = (keep: (g: NodeGroup) => boolean) => selected.filter(keep).reduce((n, g) => n + g.nodes, 0);
  const taints = new Map<string, number>();
  for (const g of selected)
    for (const t of g.taints)
      if (repels(t) && !placement.tolerations.some((tol) => toleratesTaint(tol, t)))
        taints.set(formatTaint(t), (taints.get(formatTaint(t)) ?? 0) + g.nodes);
  const untoleratedTaints = [...taints]
    .map(([taint, n]) => ({ taint, nodes: n }))
    .sort((a, b) => b.nodes - a.nodes || (a.taint < b.taint ? -1 : 1));
  const diagnosis = {
    nodes,
    unmatchedLabels,
    selectedNodes: count(() => true),
    notReady: count((g) => !g.ready),
    cordoned: count((g) => g.unschedulable),
    untoleratedTaints,
  };
  return { ...diagnosis, hints: hintsOf(diagnosis, wanted.length) };
}

function hintsOf(d: Omit<PlacementDiagnosis, "hints">, selectorLabels: number): string[] {
  if (d.nodes === 0) return ["the cluster reports no nodes"];
  const hints = d.unmatchedLabels.map(
    (label) => `no node has the label ${label}: label nodes with it, or choose another node selector`,
  );
  if (d.selectedNodes === 0) {
    if (hints.length === 0 && selectorLabels > 0)
      hints.push("no node has all the selector's labels together: label nodes, or narrow the node selector");
    return hints;
  }
  const of = `of the ${d.selectedNodes} node(s) the selector matches`;
  if (d.notReady > 0) hints.push(`${d.notReady} ${of} are not Ready: bring them back`);
  if (d.cordoned > 0) hints.push(`${d.cordoned} ${of} are cordoned: uncordon them`);
  for (const t of d.untoleratedTaints)
    hints.push(`${t.nodes} ${of} carry the taint ${t.taint}: tolerate it, or remove the taint`);
  return hints;
}
