/**
 * The load script's prebuilt bodies (bench/load/push-plan.ts) are what the agent would send for the
 * same states: each delta against the state before it, each whole snapshot, byte for byte once
 * decompressed, built on the agent's full path (parse, canonical state, hash, keyed diff, encoders).
 */
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeSnapshot } from "../../agents/src/collect/encode.js";
import { encodeDelta, keyedState, stateChanges } from "../../agents/src/push/delta.js";
import { ClusterSim } from "../../bench/load/cluster-sim.js";
import { PushPlan } from "../../bench/load/push-plan.js";
import { canonicalState, stateHash } from "../../src/contract/canonical.js";
import { parseSnapshot, type SnapshotInput } from "../../src/contract/snapshot.js";

function agentView(snapshot: SnapshotInput) {
  const parsed = parseSnapshot(snapshot);
  if (!parsed.ok) throw new Error(parsed.message);
  const state = canonicalState(parsed.snapshot);
  const keyed = keyedState(state.nodes, state.pods, state.ingressControllers, state.nodeListeners);
  return { state, hash: stateHash(state), keyed };
}

describe("the load script's prebuilt pushes", () => {
  it("are the agent's bodies for the same states: deltas against the previous state, and whole", async () => {
    const anchorMs = Date.parse("2026-12-08T00:00:00Z");
    const plan = new PushPlan(new ClusterSim("load-7", 12, 8), {
      anchorMs,
      phaseMs: 250,
      intervalMs: 1000,
      checkEvery: 0,
    });
    // The same cluster again, pushed the way the agent builds a push.
    const agentSim = new ClusterSim("load-7", 12, 8);
    let previous: ReturnType<typeof agentView> | undefined;
    for (let k = 0; k < 8; k++) {
      if (k > 0) agentSim.churn();
      const snapshot = agentSim.snapshot(anchorMs + 250 + k * 1000);
      const agent = agentView(snapshot);
      const header = { schemaVersion: 1, cluster: snapshot.cluster, observedAt: snapshot.observedAt };
      const planned = await plan.state(k);
      expect(planned.hash).toBe(agent.hash);
      expect(planned.observedAt).toBe(snapshot.observedAt);
      const whole = await encodeSnapshot(header, agent.state.nodes, agent.state.pods);
      expect(gunzipSync(await plan.whole(k)).toString()).toBe(gunzipSync(whole.body).toString());
      if (previous) {
        const delta = await encodeDelta(
          header,
          previous.hash,
          agent.hash,
          stateChanges(previous.keyed, agent.keyed),
        );
        expect(planned.delta && gunzipSync(planned.delta).toString()).toBe(gunzipSync(delta).toString());
      } else expect(planned.delta).toBeUndefined();
      previous = agent;
    }
  });
});
