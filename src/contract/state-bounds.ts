/**
 * The bounds on the size of a cluster's whole state, in one table for every way a state arrives: a
 * whole snapshot's pre-check refuses its lists by it (src/contract/precheck.ts), and a delta is
 * refused by it applied to the state the delta would produce. The whole snapshot counts its host
 * ports in all in the same pre-check pass (precheck.ts), against the same MAX_HOST_PORTS, and its
 * distinct host ports with the rules that span pods (parse.ts), against MAX_DISTINCT_HOST_PORTS.
 */
import {
  MAX_DISTINCT_HOST_PORTS,
  MAX_HOST_PORTS,
  MAX_INGRESS_CONTROLLERS,
  MAX_LISTENERS,
  MAX_NODES,
  MAX_PODS,
} from "./bounds.js";

/** What the bounds count in a whole state. */
export interface StateSize {
  nodes: number;
  pods: number;
  ingressControllers: number;
  /** host ports declared by all of the state's pods */
  hostPorts: number;
  /** distinct (protocol, host IP, host port) among them */
  distinctHostPorts: number;
  /** listeners of all node reports together */
  listeners: number;
}

export type StateBoundCode =
  | "TOO_MANY_NODES"
  | "TOO_MANY_PODS"
  | "TOO_MANY_PORTS"
  | "TOO_MANY_DISTINCT_PORTS"
  | "TOO_MANY_ITEMS"
  | "TOO_MANY_LISTENERS";

export interface StateBound {
  max: number;
  code: StateBoundCode;
  /** what is counted, for messages */
  what: string;
}

export const stateBounds = {
  nodes: { max: MAX_NODES, code: "TOO_MANY_NODES", what: "nodes" },
  pods: { max: MAX_PODS, code: "TOO_MANY_PODS", what: "pods" },
  ingressControllers: { max: MAX_INGRESS_CONTROLLERS, code: "TOO_MANY_ITEMS", what: "IngressControllers" },
  hostPorts: { max: MAX_HOST_PORTS, code: "TOO_MANY_PORTS", what: "host ports (all pods together)" },
  distinctHostPorts: {
    max: MAX_DISTINCT_HOST_PORTS,
    code: "TOO_MANY_DISTINCT_PORTS",
    what: "distinct host ports (protocol, host IP, port)",
  },
  listeners: {
    max: MAX_LISTENERS,
    code: "TOO_MANY_LISTENERS",
    what: "listeners (all node reports together)",
  },
} as const satisfies Partial<Record<keyof StateSize, StateBound>>;

export interface BrokenStateBound extends StateBound {
  count: number;
}

/** The first bound a state of this size breaks, or null. */
export function brokenStateBound(size: StateSize): BrokenStateBound | null {
  for (const [key, bound] of Object.entries(stateBounds) as [keyof StateSize, StateBound][]) {
    if (size[key] > bound.max) return { ...bound, count: size[key] };
  }
  return null;
}
