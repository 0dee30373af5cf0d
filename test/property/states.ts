/** fast-check arbitraries for valid cluster states: every field of the contract, in random order. */
import fc from "fast-check";
import type { SnapshotInput } from "../../src/contract/snapshot.js";

type NodeInput = SnapshotInput["nodes"][number];
type PodInput = SnapshotInput["pods"][number];

export const NODE_NAMES = ["n0", "n1", "n2", "n3"];

const labelMap = fc.dictionary(
  fc.constantFrom("env", "zone", "app.kubernetes.io/name", "node-role.kubernetes.io/worker"),
  fc.constantFrom("", "prod", "a", "b"),
  { maxKeys: 3 },
);

const taint = fc.record({
  key: fc.constantFrom("dedicated", "gpu"),
  value: fc.option(fc.constantFrom("x", ""), { nil: undefined }),
  effect: fc.constantFrom("NoSchedule" as const, "NoExecute" as const),
});

const toleration = fc.record(
  {
    key: fc.constantFrom("dedicated", "gpu", ""),
    operator: fc.constantFrom("Exists" as const, "Equal" as const),
    value: fc.constantFrom("x", ""),
    effect: fc.constantFrom("NoSchedule" as const, ""),
    tolerationSeconds: fc.option(fc.integer({ min: 0, max: 600 }), { nil: null }),
  },
  { requiredKeys: [] },
);

const requirement = fc.record({
  key: fc.constantFrom("zone", "env"),
  operator: fc.constantFrom("In" as const, "NotIn" as const, "Exists" as const),
  values: fc.uniqueArray(fc.constantFrom("a", "b", "prod"), { maxLength: 3 }),
});

const affinity = fc.record({
  nodeSelectorTerms: fc.array(
    fc.record({ matchExpressions: fc.array(requirement, { maxLength: 2 }) }, { requiredKeys: [] }),
    { minLength: 1, maxLength: 2 },
  ),
});

const port = fc.record({
  container: fc.constantFrom("c0", "c1"),
  containerPort: fc.constantFrom(80, 8080),
  hostPort: fc.constantFrom(80, 9100, 30000),
  protocol: fc.constantFrom("TCP" as const, "UDP" as const, ""),
  hostIP: fc.constantFrom("", "10.0.0.1", "::1"),
});

const node = (name: string) =>
  fc.record({
    name: fc.constant(name),
    ready: fc.boolean(),
    unschedulable: fc.boolean(),
    labels: labelMap,
    taints: fc.uniqueArray(taint, { maxLength: 2, selector: (t) => `${t.key}|${t.effect}` }),
    addresses: fc.uniqueArray(
      fc.record({
        type: fc.constantFrom("InternalIP", "Hostname"),
        address: fc.constantFrom("10.0.0.5", name),
      }),
      { maxLength: 2, selector: (a) => a.type },
    ),
  });

const pod = fc.record({
  namespace: fc.constantFrom("a", "b"),
  name: fc.constantFrom("p0", "p1", "p2", "p3", "p4"),
  /** an index into the state's nodes, or null for a pod not bound to a node */
  node: fc.option(fc.nat(), { nil: null }),
  hostNetwork: fc.boolean(),
  owner: fc.option(
    fc.record({ kind: fc.constantFrom("DaemonSet", "Deployment"), name: fc.constantFrom("ds", "web") }),
    { nil: null },
  ),
  ports: fc.uniqueArray(port, {
    maxLength: 3,
    selector: (p) => `${p.container}|${p.protocol || "TCP"}|${p.hostIP || "0.0.0.0"}|${p.hostPort}`,
  }),
  nodeSelector: labelMap,
  tolerations: fc.array(toleration, { maxLength: 2 }),
  requiredNodeAffinity: fc.option(affinity, { nil: null }),
  scheduling: fc.option(
    fc.record({ unschedulable: fc.boolean(), message: fc.constantFrom("0/3 nodes", "") }),
    {
      nil: null,
    },
  ),
});

export interface StateInput {
  nodes: NodeInput[];
  pods: PodInput[];
}

/** One cluster's state: a random node set (any order) and pods bound to those nodes or to none. */
export const stateArb: fc.Arbitrary<StateInput> = fc
  .uniqueArray(fc.constantFrom(...NODE_NAMES), { minLength: 1, maxLength: NODE_NAMES.length })
  .chain((names) =>
    fc.record({
      nodes: fc.tuple(...names.map(node)),
      pods: fc.uniqueArray(pod, { maxLength: 5, selector: (p) => `${p.namespace}/${p.name}` }),
    }),
  )
  .map(({ nodes, pods }) => ({
    nodes,
    pods: pods.map(({ node: index, ...rest }): PodInput => {
      const bound = index === null ? null : (nodes[index % nodes.length]?.name ?? null);
      return { ...rest, node: bound, phase: bound === null ? "Pending" : "Running" };
    }),
  }));

export const snapshotOf = (cluster: string, observedAt: string, state: StateInput): SnapshotInput => ({
  schemaVersion: 1,
  cluster,
  observedAt,
  ...state,
});
