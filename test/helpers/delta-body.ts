/** Delta push bodies as the agent builds them (agents/src/push/delta.ts), for tests that push deltas. */
import { keyedState, stateChanges } from "../../agents/src/push/delta.js";
import { canonicalState, stateHash } from "../../src/contract/canonical.js";
import { parseSnapshot, type SnapshotInput } from "../../src/contract/snapshot.js";

export function canonical(input: SnapshotInput) {
  const parsed = parseSnapshot(input);
  if (!parsed.ok) throw new Error(parsed.message);
  const state = canonicalState(parsed.snapshot);
  return { state, hash: stateHash(state) };
}

/** The delta body from `before` to `after`, as the agent builds it (listener reports included; IngressControllers not). */
export function deltaBody(before: SnapshotInput, after: SnapshotInput, base = canonical(before).hash) {
  const from = canonical(before).state;
  const to = canonical(after);
  const changes = stateChanges(
    keyedState(from.nodes, from.pods, [], from.nodeListeners),
    keyedState(to.state.nodes, to.state.pods, [], to.state.nodeListeners),
  );
  return {
    schemaVersion: 1,
    cluster: after.cluster,
    observedAt: after.observedAt,
    agent: { version: "test", mode: "watch" },
    delta: { base, hash: to.hash, ...changes },
  };
}
