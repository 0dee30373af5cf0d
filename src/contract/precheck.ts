/**
 * One cheap pass over a decoded snapshot before any schema work: nesting depth, array and map sizes,
 * text PostgreSQL cannot store, and the `__proto__` key. It is what keeps a hostile body from costing
 * the parser (and its issue list) more than its size: everything after it works on bounded input.
 */
import {
  isStorableText,
  MAX_ADDRESSES,
  MAX_AFFINITY_ITEMS,
  MAX_AFFINITY_VALUES,
  MAX_DEPTH,
  MAX_HOST_PORTS,
  MAX_LABELS,
  MAX_LISTENERS,
  MAX_LISTENERS_PER_NODE,
  MAX_PODS,
  MAX_PORTS_PER_POD,
  MAX_PROCESSES_PER_LISTENER,
  MAX_TAINTS,
  MAX_TOLERATIONS,
} from "./bounds.js";
import { stateBounds } from "./state-bounds.js";

export type PrecheckCode =
  | "INVALID_SNAPSHOT"
  | "INVALID_STRING"
  | "INVALID_LABEL"
  | "TOO_MANY_NODES"
  | "TOO_MANY_PODS"
  | "TOO_MANY_PORTS"
  | "TOO_MANY_LABELS"
  | "TOO_MANY_ITEMS"
  | "TOO_MANY_LISTENERS";

export interface PrecheckFailure {
  code: PrecheckCode;
  path: string;
  message: string;
}

/** Array bounds by the field that holds the array; a whole state's lists by the state's bounds. */
const arrayBounds: Record<string, { max: number; code: PrecheckCode }> = {
  nodes: stateBounds.nodes,
  pods: stateBounds.pods,
  ingressControllers: stateBounds.ingressControllers,
  ports: { max: MAX_PORTS_PER_POD, code: "TOO_MANY_PORTS" },
  nodeListeners: stateBounds.nodes,
  listeners: { max: MAX_LISTENERS_PER_NODE, code: "TOO_MANY_LISTENERS" },
  processes: { max: MAX_PROCESSES_PER_LISTENER, code: "TOO_MANY_ITEMS" },
  taints: { max: MAX_TAINTS, code: "TOO_MANY_ITEMS" },
  tolerations: { max: MAX_TOLERATIONS, code: "TOO_MANY_ITEMS" },
  addresses: { max: MAX_ADDRESSES, code: "TOO_MANY_ITEMS" },
  nodeSelectorTerms: { max: MAX_AFFINITY_ITEMS, code: "TOO_MANY_ITEMS" },
  matchExpressions: { max: MAX_AFFINITY_ITEMS, code: "TOO_MANY_ITEMS" },
  matchFields: { max: MAX_AFFINITY_ITEMS, code: "TOO_MANY_ITEMS" },
  values: { max: MAX_AFFINITY_VALUES, code: "TOO_MANY_ITEMS" },
};
/** No other array in the contract is longer than the longest bounded one. */
const DEFAULT_ARRAY_MAX = MAX_PODS;
const labelMaps = new Set(["labels", "nodeSelector"]);

const fail = (code: PrecheckCode, path: (string | number)[], message: string): PrecheckFailure => ({
  code,
  path: path.join("."),
  message,
});

function checkText(text: string, path: (string | number)[]): PrecheckFailure | null {
  return isStorableText(text)
    ? null
    : fail("INVALID_STRING", path, "holds U+0000 or a lone UTF-16 surrogate, which PostgreSQL cannot store");
}

/** What the walk counts across the whole body: host ports (MAX_HOST_PORTS), listeners (MAX_LISTENERS). */
interface Totals {
  ports: number;
  listeners: number;
}

export const tooManyListenersMessage = (count: number) =>
  `${count} listeners in all node reports together; at most ${MAX_LISTENERS} in total and ${MAX_LISTENERS_PER_NODE} per node`;

export const tooManyHostPortsMessage = (count: number) =>
  `${count} host ports in the snapshot in total (all pods together); at most ${MAX_HOST_PORTS} in total and ${MAX_PORTS_PER_POD} per pod`;

/**
 * The first bound the value breaks, or null. Recursion is bounded by MAX_DEPTH; `path` is one mutable
 * stack (pushed and popped) so a large valid snapshot allocates no path per value.
 */
function walk(
  value: unknown,
  path: (string | number)[],
  field: string,
  totals: Totals,
): PrecheckFailure | null {
  if (typeof value === "string") return checkText(value, path);
  if (typeof value !== "object" || value === null) return null;
  if (path.length >= MAX_DEPTH) {
    return fail("INVALID_SNAPSHOT", path, `nested deeper than ${MAX_DEPTH} levels`);
  }
  if (Array.isArray(value)) {
    const bound = arrayBounds[field] ?? { max: DEFAULT_ARRAY_MAX, code: "INVALID_SNAPSHOT" };
    if (value.length > bound.max) {
      const perPod = field === "ports" ? " in one pod" : field === "listeners" ? " in one node's report" : "";
      return fail(bound.code, path, `${value.length} entries${perPod}; at most ${bound.max}`);
    }
    if (field === "ports") {
      totals.ports += value.length;
      if (totals.ports > MAX_HOST_PORTS) {
        return fail("TOO_MANY_PORTS", path, tooManyHostPortsMessage(totals.ports));
      }
    }
    if (field === "listeners") {
      totals.listeners += value.length;
      if (totals.listeners > MAX_LISTENERS) {
        return fail("TOO_MANY_LISTENERS", path, tooManyListenersMessage(totals.listeners));
      }
    }
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const failure = walk(value[i], path, field, totals);
      path.pop();
      if (failure) return failure;
    }
    return null;
  }
  const keys = Object.keys(value);
  const isLabelMap = labelMaps.has(field);
  if (keys.length > MAX_LABELS) {
    return fail(
      isLabelMap ? "TOO_MANY_LABELS" : "INVALID_SNAPSHOT",
      path,
      `${keys.length} keys; at most ${MAX_LABELS}`,
    );
  }
  for (const key of keys) {
    path.push(key);
    // JSON.parse makes __proto__ an own key; copied into a plain object it would set the prototype.
    const failure =
      key === "__proto__"
        ? fail(isLabelMap ? "INVALID_LABEL" : "INVALID_SNAPSHOT", path, "the key __proto__ is not allowed")
        : (checkText(key, path) ?? walk((value as Record<string, unknown>)[key], path, key, totals));
    path.pop();
    if (failure) return failure;
  }
  return null;
}

export function precheckSnapshot(input: unknown): PrecheckFailure | null {
  return walk(input, [], "", { ports: 0, listeners: 0 });
}
