/**
 * How the load script's clusters push when they push the way the agent does: the whole snapshot at
 * start and after `409 BASE_MISMATCH`, otherwise the changes against the last state the API accepted,
 * gzipped, with the agent's own encoders (agents/src/push/delta.ts, agents/src/collect/encode.ts). The
 * whole mode sends every push whole, gzipped the same way, for the comparison the issue asks for.
 */
import { encodeSnapshot } from "../../agents/src/collect/encode.js";
import { encodeDelta, type KeyedState, keyedState, stateChanges } from "../../agents/src/push/delta.js";
import { canonicalState, stateHash } from "../../src/contract/canonical.js";
import { parseSnapshot, type SnapshotInput } from "../../src/contract/snapshot.js";

export type PushMode = "delta" | "whole";

export interface PreparedPush {
  kind: "whole" | "delta";
  body: Buffer;
  /** the state this push leaves the API with, kept as the base once accepted */
  next: AcceptedState;
}

export interface AcceptedState {
  hash: string;
  keyed: KeyedState;
}

export class AgentPusher {
  private base: AcceptedState | null = null;

  constructor(private readonly mode: PushMode) {}

  /** The body for this snapshot: a delta when there is an accepted base to send changes against. */
  async prepare(snapshot: SnapshotInput, forceWhole = false): Promise<PreparedPush> {
    const parsed = parseSnapshot(snapshot);
    if (!parsed.ok) throw new Error(`the simulated snapshot is refused by the contract: ${parsed.message}`);
    const state = canonicalState(parsed.snapshot);
    const hash = stateHash(state);
    const keyed = keyedState(state.nodes, state.pods, state.ingressControllers, state.nodeListeners);
    const header = { schemaVersion: 1, cluster: snapshot.cluster, observedAt: snapshot.observedAt };
    const next = { hash, keyed };
    if (this.mode === "delta" && this.base && !forceWhole) {
      const body = await encodeDelta(header, this.base.hash, hash, stateChanges(this.base.keyed, keyed));
      return { kind: "delta", body, next };
    }
    const whole = await encodeSnapshot(header, state.nodes, state.pods, state.ingressControllers);
    return { kind: "whole", body: whole.body, next };
  }

  accepted(push: PreparedPush): void {
    this.base = push.next;
  }

  /** A refused or unanswered push leaves the API's state unknown: the next push goes whole. */
  forget(): void {
    this.base = null;
  }
}
