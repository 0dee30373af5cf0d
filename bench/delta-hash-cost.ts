/**
 * What checking a delta costs, on a 5,000-node cluster with 20 host-port pods per node: verifying a
 * claimed state hash (serialising and hashing the whole canonical state, the contract's state hash) against
 * measuring the resulting state for its bounds (what a delta does instead: docs/snapshot-contract.md,
 * "Deltas"). Rebuilding the canonical objects from stored facts, which verification would also need, is
 * not counted.
 *
 * Usage: npx tsx bench/delta-hash-cost.ts [nodes=5000] [podsPerNode=20]
 */
import { canonicalState, stateHash } from "../src/contract/canonical.js";
import { parseSnapshot } from "../src/contract/snapshot.js";
import { brokenStateBound } from "../src/contract/state-bounds.js";
import { factStateOf, stateSize } from "../src/domain/fact-state.js";
import { factsFromState } from "../src/domain/history.js";

const NODES = Number(process.argv[2] ?? 5000);
const PER_NODE = Number(process.argv[3] ?? 20);

const nodes = Array.from({ length: NODES }, (_, i) => ({
  name: `node-${i}`,
  ready: true,
  labels: { "kubernetes.io/hostname": `node-${i}`, zone: `z${i % 3}` },
  addresses: [{ type: "InternalIP", address: `10.0.${i >> 8}.${i & 255}` }],
}));
const pods = nodes.flatMap((node, i) =>
  Array.from({ length: PER_NODE }, (_, j) => ({
    namespace: `ns-${j}`,
    name: `ds-${j}-${i}`,
    node: node.name,
    phase: "Running" as const,
    hostNetwork: j % 2 === 0,
    owner: { kind: "DaemonSet", name: `ds-${j}` },
    ports: [{ container: "main", containerPort: 9000 + j, hostPort: 9000 + j }],
    tolerations: [{ operator: "Exists" as const }],
  })),
);
const parsed = parseSnapshot({
  schemaVersion: 1,
  cluster: "big",
  observedAt: "2026-01-01T00:00:00Z",
  nodes,
  pods,
});
if (!parsed.ok) throw new Error(parsed.message);
const state = canonicalState(parsed.snapshot);
const facts = factStateOf(factsFromState(state));

function msPerRun(run: () => unknown, runs: number): number {
  run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) run();
  return Number(process.hrtime.bigint() - start) / 1e6 / runs;
}

const verify = msPerRun(() => stateHash(state), 5);
const bounds = msPerRun(() => brokenStateBound(stateSize(facts)), 20);
console.log(
  `${NODES} nodes, ${pods.length} pods; canonical text ${(JSON.stringify(state).length / 1e6).toFixed(1)} MB`,
);
console.log(`verifying a claimed hash (serialise + SHA-256 of the whole state): ${verify.toFixed(1)} ms`);
console.log(`measuring the resulting state for its bounds: ${bounds.toFixed(2)} ms`);
console.log(`ratio: ${(verify / bounds).toFixed(0)}x`);
