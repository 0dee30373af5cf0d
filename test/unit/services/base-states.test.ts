/**
 * BaseStates keeps recently pushed clusters' facts for deltas, within a budget of facts. A state over
 * half the budget is not kept at all: it would sit beside the next whole push's own facts until that
 * push commits, which took the largest legal snapshots over the server's memory target.
 */
import { describe, expect, it } from "vitest";
import type { FactState } from "../../../src/domain/fact-state.js";
import type { NodeFact } from "../../../src/domain/history.js";
import { BaseStates } from "../../../src/services/base-states.js";

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
    expect(states.take(1, "h1")).toBe(state);
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
