/** fast-check arbitraries for snapshot-shaped input with random corruptions. */
import fc from "fast-check";

/** Strings PostgreSQL or the contract refuse, next to ordinary ones. */
export const oddString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    "\u0000",
    "a\u0000b",
    "\uD800",
    "x\uDC00",
    "__proto__",
    "constructor",
    "c".repeat(3000),
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "Prod_EU",
  ),
);

export const extremeNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    65535,
    65536,
    2 ** 31,
    2 ** 53,
    2 ** 63,
    1e308,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ),
);

/** An array nested `depth` levels deep: far past the contract's 16, yet within what JSON.stringify in the test can write. */
const deeplyNested = fc.integer({ min: 1, max: 1000 }).map((depth) => {
  let value: unknown = "x";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
});

const junk = fc.oneof(oddString, extremeNumber, fc.jsonValue({ maxDepth: 3 }), deeplyNested);

/** Usually the well-formed value, sometimes junk in its place. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary }, { weight: 1, arbitrary: junk as fc.Arbitrary<unknown> });

const name = maybe(fc.constantFrom("worker-1", "worker-2", "a", "node.example.com"));
const labels = maybe(
  fc.dictionary(
    fc.oneof(fc.constantFrom("env", "app.kubernetes.io/name", "__proto__"), oddString),
    maybe(fc.constantFrom("prod", "")),
    { maxKeys: 5 },
  ),
);

const port = fc.record(
  {
    container: maybe(fc.constantFrom("main", "sidecar")),
    containerPort: maybe(fc.integer({ min: 1, max: 65535 })),
    hostPort: maybe(fc.integer({ min: 1, max: 65535 })),
    hostIP: maybe(fc.constantFrom("", "0.0.0.0", "10.0.0.1", "::")),
    protocol: maybe(fc.constantFrom("TCP", "UDP", "SCTP", "")),
  },
  { requiredKeys: ["container", "containerPort", "hostPort"] },
);

const node = fc.record(
  {
    name,
    ready: maybe(fc.boolean()),
    labels,
    taints: maybe(
      fc.array(fc.record({ key: maybe(fc.constant("k")), effect: maybe(fc.constant("NoSchedule")) })),
    ),
  },
  { requiredKeys: ["name", "ready"] },
);

const pod = fc.record(
  {
    namespace: maybe(fc.constantFrom("kube-system", "monitoring")),
    name: maybe(fc.constantFrom("pod-a", "pod-b")),
    node: maybe(fc.constantFrom("worker-1", "worker-2", null)),
    phase: maybe(fc.constantFrom("Pending", "Running", "Unknown")),
    hostNetwork: maybe(fc.boolean()),
    owner: maybe(fc.record({ kind: maybe(fc.constant("DaemonSet")), name: maybe(fc.constant("ds")) })),
    ports: maybe(fc.array(port, { maxLength: 4 })),
    nodeSelector: labels,
    scheduling: maybe(fc.record({ unschedulable: maybe(fc.boolean()), message: oddString })),
  },
  { requiredKeys: ["namespace", "name", "node", "phase"] },
);

/** Snapshot-shaped values: mostly plausible, with corruptions at any level. */
export const snapshotLike = maybe(
  fc.record(
    {
      schemaVersion: maybe(fc.constant(1)),
      cluster: maybe(fc.constant("prod-eu-1")),
      observedAt: maybe(fc.constantFrom("2026-11-27T10:00:00Z", "2026-11-27T10:00:00.123+02:00")),
      nodes: maybe(fc.array(node, { maxLength: 4 })),
      pods: maybe(fc.array(pod, { maxLength: 4 })),
    },
    { requiredKeys: ["schemaVersion", "cluster", "observedAt", "nodes", "pods"] },
  ),
);
