/**
 * Push bodies as the agent sends them (gzipped, the agent's own delta encoder), shared by the push
 * benchmarks (bench/ingest.ts, bench/push-profile.ts, bench/worker-push.ts): a whole snapshot, a ~1 %
 * churn delta either way between two states of a bench cluster, and a heartbeat (an empty delta).
 */
import { gzipSync } from "node:zlib";
import { encodeDelta, keyedState, type StateChanges, stateChanges } from "../agents/src/push/delta.js";
import { canonicalState, stateHash } from "../src/contract/canonical.js";
import { parseSnapshot, type SnapshotInput } from "../src/contract/snapshot.js";
import { clusterSnapshot } from "./fleet.js";

/** The canonical state of a snapshot and its hash, as the agent computes them. */
export function canonical(input: SnapshotInput) {
  const parsed = parseSnapshot(input);
  if (!parsed.ok) throw new Error(parsed.message);
  const state = canonicalState(parsed.snapshot);
  return { state, hash: stateHash(state) };
}

export type CanonicalState = ReturnType<typeof canonical>;

/** A whole snapshot, gzipped. */
export const wholeBody = (input: SnapshotInput): Buffer => gzipSync(JSON.stringify(input));

/** What changes from one canonical state to another, as the agent diffs them. */
export const changesBetween = (from: CanonicalState, to: CanonicalState): StateChanges =>
  stateChanges(keyedState(from.state.nodes, from.state.pods), keyedState(to.state.nodes, to.state.pods));

const header = (cluster: string, observedAt: string) => ({ schemaVersion: 1, cluster, observedAt });

/** A delta body from `from` to `to`. */
export const deltaBody = (
  cluster: string,
  observedAt: string,
  from: CanonicalState,
  to: CanonicalState,
  changes = changesBetween(from, to),
): Promise<Buffer> => encodeDelta(header(cluster, observedAt), from.hash, to.hash, changes);

const EMPTY: StateChanges = { nodes: { upsert: [], remove: [] }, pods: { upsert: [], remove: [] } };

/** The agent's heartbeat: nothing changed, an empty delta naming the state the API holds. */
export const heartbeatBody = (cluster: string, observedAt: string, hash: string): Promise<Buffer> =>
  encodeDelta(header(cluster, observedAt), hash, hash, EMPTY);

/**
 * A bench cluster's two states: A, and B with ~1 % of its pods renamed (a rolling restart), or B made
 * from A by `change`, with the changes either way, so deltas can go A → B → A … indefinitely.
 */
export function churnPair(
  cluster: string,
  nodes: number,
  observedAt: string,
  churnSeed = 42,
  change?: (a: SnapshotInput) => SnapshotInput,
) {
  const a = clusterSnapshot(cluster, nodes, observedAt);
  const b = change ? change(a) : clusterSnapshot(cluster, nodes, observedAt, churnSeed);
  const ca = canonical(a);
  const cb = canonical(b);
  return { a, b, ca, cb, ab: changesBetween(ca, cb), ba: changesBetween(cb, ca) };
}
