/**
 * BaseStates keeps recently pushed clusters' facts for deltas, within a budget of facts. A state over
 * half the budget is not kept at all: it would sit beside the next whole push's own facts until that
 * push commits, which took the largest legal snapshots over the server's memory target.
 */
import { describe, expect, it } from "vitest";
import type { FactState } from "../../../src/domain/fact-state.js";
import type { NodeFact } from "../../../src/domain/history.js";
import {
  BaseStates,
  diffProjections,
  type OpenProjections,
  openProjectionsOf,
} from "../../../src/services/base-states.js";

function stateOf(nodes: number): FactState {
  const state: FactState = {
    nodes: new Map(),
    pods: new Map(),
    allocations: new Map(),
    ingressControllers: [],
    reports: new Map(),
  };
  for (let i = 0; i < nodes; i++) state.nodes.set(`n${i}`, { name: `n${i}` } as NodeFact);
  return state;
}

describe("BaseStates", () => {
  it("keeps a state of up to half its budget and hands it over once", () => {
    const states = new BaseStates(100);
    const state = stateOf(50);
    states.put(1, "h1", state);
    expect(states.take(1, "h1")?.state).toBe(state);
    expect(states.take(1, "h1")).toBeUndefined();
  });

  it("does not keep a state over half its budget", () => {
    const states = new BaseStates(100);
    states.put(1, "h1", stateOf(51));
    expect(states.take(1, "h1")).toBeUndefined();
  });

  it("drops the least recently pushed to make room", () => {
    const states = new BaseStates(100);
    states.put(1, "h1", stateOf(50));
    states.put(2, "h2", stateOf(40));
    states.put(3, "h3", stateOf(30));
    expect(states.take(1, "h1")).toBeUndefined();
    expect(states.take(2, "h2")).toBeDefined();
    expect(states.take(3, "h3")).toBeDefined();
  });
});

const projected = (headroom: { fp: string; workload: string }[]) => ({
  headroom: headroom as never[],
  counts: [],
  clusterCounts: [],
  declared: [],
});

describe("BaseStates' projections", () => {
  it("hands the projections over with the state they were kept with, and counts them in the budget", () => {
    const states = new BaseStates(100);
    const open = openProjectionsOf(projected([{ fp: "a", workload: "w" }]));
    states.put(1, "h1", stateOf(49), open);
    expect(states.take(1, "h1")?.projections).toBe(open);
    // 50 facts and one projection fact: over half the budget, not kept.
    states.put(1, "h1", stateOf(50), open);
    expect(states.take(1, "h1")).toBeUndefined();
  });

  it("hands over no projections for a state kept without them", () => {
    const states = new BaseStates(100);
    states.put(1, "h1", stateOf(10));
    expect(states.take(1, "h1")).toEqual({ state: stateOf(10), projections: undefined });
  });

  it("drops the state and its projections when told the cluster's rows changed", () => {
    const states = new BaseStates(100);
    states.put(1, "h1", stateOf(10), openProjectionsOf(projected([])));
    states.forget(1);
    expect(states.take(1, "h1")).toBeUndefined();
  });

  it("drops the state and its projections when asked for another hash (a refused base)", () => {
    const states = new BaseStates(100);
    states.put(1, "h1", stateOf(10), openProjectionsOf(projected([])));
    expect(states.take(1, "h0")).toBeUndefined();
    expect(states.take(1, "h1")).toBeUndefined();
  });

  it("diffs projections by fingerprint: the facts that end and those that begin, and the rows after", () => {
    const a = { fp: "a", workload: "w1" };
    const b = { fp: "b", workload: "w2" };
    const b2 = { fp: "b2", workload: "w2" };
    const c = { fp: "c", workload: "w3" };
    const open: OpenProjections = openProjectionsOf(projected([a, b]));
    const diff = diffProjections(open, projected([a, b2, c]));
    expect(diff.close.headroom).toEqual([b]);
    expect(diff.begin.headroom).toEqual([b2, c]);
    expect([...diff.after.headroom.keys()].sort()).toEqual(["a", "b2", "c"]);
    expect(diff.close.portCounts).toEqual([]);
  });
});
