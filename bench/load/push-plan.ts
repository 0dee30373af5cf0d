/**
 * A cluster's pushes, built before the timed window so that pushing is mostly picking bytes. The
 * cluster goes through a fixed sequence of states (each ~1 % churn after the previous one); state k
 * carries the observedAt planned for it, its state hash, the delta body against state k-1 and, on
 * demand, the whole body. Bodies are written with the agent's own encoders (encodeDelta,
 * encodeSnapshot), so they are byte for byte what the agent would send for that state.
 *
 * The sequence advances only when a push is accepted or may have been applied: a push refused before
 * its transaction (503 SERVER_BUSY, 429) is offered again at the next tick, as the agent would send the
 * same changes against the same base; an unanswered one (5xx, network) is skipped and the next state
 * goes whole. observedAt_k = anchor + phase + k × interval, with the anchor taken before the window
 * starts, so it is never ahead of the clock when push k is sent (push k goes at tick k or later).
 *
 * What building costs is the canonical state and its hash per state: pods are parsed through the
 * contract and made canonical once per pod object (churn replaces ~1 % of them), and unchanged pods
 * stay the same objects, so stateChanges' identity check answers for them. The first state of every
 * cluster, and every state of the first, is checked against the full path the agent takes
 * (parseSnapshot, canonicalState, stateHash): a mismatch stops the run before it starts.
 */
import { encodeSnapshot } from "../../agents/src/collect/encode.js";
import { encodeDelta, type KeyedState, keyedState, stateChanges } from "../../agents/src/push/delta.js";
import {
  type CanonicalState,
  canonicalPod,
  canonicalState,
  stateHash,
} from "../../src/contract/canonical.js";
import { parseSnapshot, type SnapshotPod } from "../../src/contract/snapshot.js";
import { allocationKeys, type ClusterSim } from "./cluster-sim.js";

type SimPod = ReturnType<ClusterSim["snapshot"]>["pods"][number];

export interface PlannedState {
  observedAt: string;
  hash: string;
  /** the delta against the previous state (absent for state 0) */
  delta?: Buffer;
  /** the simulated snapshot (its pods array; nodes are shared), for the verifier's keys */
  snapshot: ReturnType<ClusterSim["snapshot"]>;
  state: CanonicalState;
  /** kept only until the next state's delta is built */
  keyed?: KeyedState;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class PushPlan {
  private readonly states: PlannedState[] = [];
  private readonly canonical = new WeakMap<SimPod, SnapshotPod>();
  private readonly wholes = new Map<number, Buffer>();

  /** where in each interval this cluster pushes */
  readonly phaseMs: number;
  private readonly firstObservedMs: number;
  private readonly intervalMs: number;
  private readonly checkEvery: number;

  constructor(
    private readonly sim: ClusterSim,
    options: {
      /** wall-clock ms, taken before the timed window starts */
      anchorMs: number;
      phaseMs: number;
      intervalMs: number;
      /** every this many states are checked against the agent's full path (0: only the first) */
      checkEvery: number;
    },
  ) {
    this.phaseMs = options.phaseMs;
    this.firstObservedMs = options.anchorMs + options.phaseMs;
    this.intervalMs = options.intervalMs;
    this.checkEvery = options.checkEvery;
  }

  get name(): string {
    return this.sim.name;
  }

  get length(): number {
    return this.states.length;
  }

  /** Builds states up to index k (churning the simulated cluster once per state after the first). */
  async ensure(k: number): Promise<void> {
    while (this.states.length <= k) await this.buildNext();
  }

  async state(k: number): Promise<PlannedState> {
    await this.ensure(k);
    return this.states[k] as PlannedState;
  }

  /** The whole body of state k (built on first use: at start, after BASE_MISMATCH or a lost answer). */
  async whole(k: number): Promise<Buffer> {
    const known = this.wholes.get(k);
    if (known) return known;
    const planned = await this.state(k);
    const { state } = planned;
    const encoded = await encodeSnapshot(this.header(planned), state.nodes, state.pods);
    if (encoded.hash !== planned.hash) throw new Error(`${this.sim.name}: whole body hash differs`);
    this.wholes.set(k, encoded.body);
    return encoded.body;
  }

  /** Allocation keys of state k as the server stores them (for the verifier). */
  keys(k: number): string[] {
    const planned = this.states[k];
    if (!planned) throw new Error(`${this.sim.name}: state ${k} was never built`);
    return allocationKeys(planned.snapshot);
  }

  /** Frees what pushes at or before k no longer need (the base of the next delta is k's keyed state). */
  release(k: number): void {
    for (const key of this.wholes.keys()) if (key <= k) this.wholes.delete(key);
  }

  private header(planned: { observedAt: string }) {
    return { schemaVersion: 1, cluster: this.sim.name, observedAt: planned.observedAt };
  }

  private canonicalPodOf(pod: SimPod, nodes: ReturnType<ClusterSim["snapshot"]>["nodes"]): SnapshotPod {
    const known = this.canonical.get(pod);
    if (known) return known;
    // One pod through the contract, as the server parses it (defaults filled in), then canonical.
    const node = nodes.find((n) => n.name === pod.node);
    const parsed = parseSnapshot({
      schemaVersion: 1,
      cluster: this.sim.name,
      observedAt: new Date(this.firstObservedMs).toISOString(),
      nodes: node ? [node] : [],
      pods: [pod],
    });
    if (!parsed.ok) throw new Error(`the simulated pod is refused by the contract: ${parsed.message}`);
    const canonical = canonicalPod(parsed.snapshot.pods[0] as SnapshotPod);
    this.canonical.set(pod, canonical);
    return canonical;
  }

  private async buildNext(): Promise<void> {
    const k = this.states.length;
    if (k > 0) this.sim.churn();
    const observedMs = this.firstObservedMs + k * this.intervalMs;
    const snapshot = this.sim.snapshot(observedMs);
    const previous = this.states[k - 1];
    const nodes = previous ? previous.state.nodes : canonicalState(this.parsed(snapshot)).nodes;
    const pods = snapshot.pods
      .map((pod) => this.canonicalPodOf(pod, snapshot.nodes))
      .sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name));
    const state: CanonicalState = {
      cluster: this.sim.name,
      nodes,
      pods,
      ingressControllers: [],
      nodeListeners: [],
    };
    const hash = stateHash(state);
    if (k === 0 || (this.checkEvery > 0 && k % this.checkEvery === 0)) {
      const agentHash = stateHash(canonicalState(this.parsed(snapshot)));
      if (agentHash !== hash)
        throw new Error(`${this.sim.name} state ${k}: planned hash differs from the agent's`);
    }
    const keyed = keyedState(state.nodes, state.pods, state.ingressControllers, state.nodeListeners);
    const planned: PlannedState = {
      observedAt: snapshot.observedAt,
      hash,
      snapshot,
      state,
      keyed,
    };
    if (previous) {
      planned.delta = await encodeDelta(
        this.header(planned),
        previous.hash,
        hash,
        stateChanges(previous.keyed as KeyedState, keyed),
      );
      delete previous.keyed;
    }
    this.states.push(planned);
  }

  private parsed(snapshot: ReturnType<ClusterSim["snapshot"]>) {
    const parsed = parseSnapshot(snapshot);
    if (!parsed.ok) throw new Error(`the simulated snapshot is refused by the contract: ${parsed.message}`);
    return parsed.snapshot;
  }
}
