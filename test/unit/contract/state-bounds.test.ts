/**
 * The state bounds (src/contract/state-bounds.ts): one table that a whole snapshot's pre-check and
 * a delta's resulting state are both checked by, so both paths refuse the same state with one code.
 */
import { describe, expect, it } from "vitest";
import {
  brokenStateBound,
  MAX_DISTINCT_HOST_PORTS,
  MAX_HOST_PORTS,
  MAX_INGRESS_CONTROLLERS,
  MAX_LISTENERS,
  MAX_NODES,
  MAX_PODS,
  parseSnapshot,
  type StateSize,
  stateBounds,
} from "../../../src/contract/snapshot.js";

const within: StateSize = {
  nodes: MAX_NODES,
  pods: MAX_PODS,
  ingressControllers: MAX_INGRESS_CONTROLLERS,
  hostPorts: MAX_HOST_PORTS,
  distinctHostPorts: MAX_DISTINCT_HOST_PORTS,
  listeners: MAX_LISTENERS,
};

describe("state bounds", () => {
  it("lets a state exactly at every bound through", () => {
    expect(brokenStateBound(within)).toBeNull();
  });

  it.each([
    ["nodes", "TOO_MANY_NODES"],
    ["pods", "TOO_MANY_PODS"],
    ["ingressControllers", "TOO_MANY_ITEMS"],
    ["hostPorts", "TOO_MANY_PORTS"],
    ["distinctHostPorts", "TOO_MANY_DISTINCT_PORTS"],
    ["listeners", "TOO_MANY_LISTENERS"],
  ] as const)("refuses one %s over the bound with %s, saying how many and the bound", (size, code) => {
    const broken = brokenStateBound({ ...within, [size]: within[size] + 1 });
    expect(broken).toMatchObject({ code, count: within[size] + 1, max: within[size] });
  });

  it("are what a whole snapshot's lists are refused by, with the same codes", () => {
    const snapshot = (extra: object) =>
      parseSnapshot({
        schemaVersion: 1,
        cluster: "c",
        observedAt: "2026-01-01T00:00:00Z",
        nodes: [],
        pods: [],
        ...extra,
      });
    // Host ports (in all and distinct) are counted across the pods' port lists, not as lists of their
    // own, and listeners across the node reports' lists: test/unit/contract/bounds.test.ts and
    // test/unit/contract/node-listeners.test.ts refuse one over each bound with its code.
    const counted = new Set(["hostPorts", "distinctHostPorts", "listeners"]);
    const lists = Object.entries(stateBounds).filter(([field]) => !counted.has(field));
    expect(lists.length).toBe(Object.keys(stateBounds).length - 3);
    for (const [field, bound] of lists) {
      const refused = snapshot({ [field]: Array.from({ length: bound.max + 1 }, () => ({})) });
      expect(refused.ok ? "accepted" : refused.code, field).toBe(bound.code);
    }
  });
});
