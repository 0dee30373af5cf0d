/**
 * Property: the hand-written readers ingest uses (src/contract/quick-read.ts) give exactly what the zod
 * schemas give — the same snapshot or delta value (defaults, normalisation, key order) and the same
 * refusal (code, message, issues in order) — for generated valid and invalid input, for the real
 * kubectl dumps as the agent turns them into a snapshot, and for mutations of those.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeKubeObjects, readKubeObjects } from "../../agents/src/collect/kubectl-dump.js";
import { collectSnapshot } from "../../agents/src/collect/snapshot.js";
import { quickNode, quickPodEnvelope, quickPort } from "../../src/contract/quick-read.js";
import {
  checkSnapshot,
  nodeSchema,
  parseDelta,
  parseSnapshot,
  parseSnapshotPausing,
  podEnvelopeSchema,
  portSchema,
  schemaReader,
} from "../../src/contract/snapshot.js";
import { realDumpClusters } from "../helpers/real-dump-clusters.js";
import { sharedInputDir } from "../helpers/shared-inputs.js";
import { extremeNumber, oddString } from "./arbitraries.js";

/** Equal as values and in key order (what the canonical state and the answers would show). */
function expectSame(quick: unknown, schema: unknown) {
  expect(quick).toStrictEqual(schema);
  expect(JSON.stringify(quick)).toBe(JSON.stringify(schema));
}

/** A quick reader reads a value only as its schema does; otherwise it leaves it to the schema. */
function expectReadsAsSchema(
  read: (v: unknown) => unknown,
  schema: { safeParse(v: unknown): unknown },
  v: unknown,
) {
  const quick = read(v);
  if (quick === undefined) return false;
  const parsed = schema.safeParse(v) as { success: boolean; data?: unknown };
  expect(parsed.success).toBe(true);
  expectSame(quick, parsed.data);
  return true;
}

const junk: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  extremeNumber,
  fc.constantFrom(null, true, false, [], {}, "", "0", 0),
  fc.jsonValue({ maxDepth: 2 }),
);
/**
 * The generators, valid `valid` times out of `valid + 1` at each place: mostly valid input (accepted
 * whole, so values are compared) or often invalid (refused, so issues are compared).
 */
function inputs(valid: number) {
  /** Usually the valid value, sometimes junk of any type. */
  const maybe = <T>(good: fc.Arbitrary<T>) =>
    fc.oneof({ weight: valid, arbitrary: good }, { weight: 1, arbitrary: junk as fc.Arbitrary<unknown> });
  /** One of the good values, sometimes one of the bad ones (out of range, too long, wrong case). */
  const goodOrBad = <T>(good: T[], bad: T[]) =>
    fc.oneof(
      { weight: valid, arbitrary: fc.constantFrom(...good) },
      { weight: 1, arbitrary: fc.constantFrom(...bad) },
    );
  /** The same, sometimes junk of any type instead. */
  const pick = <T>(good: T[], bad: T[]) => maybe(goodOrBad(good, bad));
  /** A record with every key optional (missing fields) plus unknown keys (extra fields, dropped). */
  const loose = (fields: Record<string, fc.Arbitrary<unknown>>, required: string[]) =>
    fc
      .tuple(
        fc.oneof(
          { weight: valid, arbitrary: fc.record(fields, { requiredKeys: required }) },
          { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
        ),
        fc.oneof(
          { weight: 4, arbitrary: fc.constant({}) },
          {
            weight: 1,
            arbitrary: fc.dictionary(fc.constantFrom("extra", "status", "x"), junk, { maxKeys: 2 }),
          },
        ),
      )
      .map(([known, extra]) => ({ ...extra, ...known }));
  const array = <T>(item: fc.Arbitrary<T>, maxLength: number) => maybe(fc.array(item, { maxLength }));

  const dnsName = pick(
    ["worker-1", "a", "node.example.com", "kube-system", "x".repeat(63)],
    ["x".repeat(64), "Bad", "-a", "", "a_b"],
  );
  // Keys of a label map are strings whatever they hold: junk there (a JSON object with its own
  // "toString", which String() cannot convert) is not a key JSON can make, and fast-check throws building it.
  const labelKeyText = goodOrBad(
    [
      "env",
      "app.kubernetes.io/name",
      "node-role.kubernetes.io/control-plane",
      "kubernetes.io/hostname",
      "constructor",
      "123",
    ],
    ["", "a/b/c", "_x", "x".repeat(64), `${"a".repeat(254)}/x`, "__proto__"],
  );
  const labelKey = maybe(labelKeyText);
  const labelValue = pick(["", "prod", "a.b-c_d", "x".repeat(63)], ["x".repeat(64), "-x", "a b"]);
  const labels = maybe(fc.dictionary(labelKeyText, labelValue, { maxKeys: 4 }));
  const effect = pick(["NoSchedule", "PreferNoSchedule", "NoExecute"], ["", "Other"]);
  const port = maybe(
    fc.oneof(
      { weight: valid, arbitrary: fc.integer({ min: 1, max: 65535 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, 65536, -1, 1.5, -0) },
    ),
  );
  const taint = maybe(loose({ key: labelKey, value: labelValue, effect }, ["key", "effect"]));
  const toleration = maybe(
    loose(
      {
        key: fc.oneof(labelKey, fc.constant("")),
        operator: pick(["Exists", "Equal"], ["In", ""]),
        value: labelValue,
        effect: fc.oneof(effect, fc.constant("")),
        tolerationSeconds: pick([null, 300, 0, -5], [2 ** 53, 1.5, "300"]),
      },
      [],
    ),
  );
  const requirement = maybe(
    loose(
      {
        key: pick(["metadata.name", "kubernetes.io/os"], ["", "a b"]),
        operator: pick(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"], ["Is"]),
        values: array(pick(["worker-1", "linux", "1"], ["x".repeat(254)]), 3),
      },
      ["key", "operator"],
    ),
  );
  const affinity = maybe(
    fc.oneof(
      fc.constant(null),
      loose(
        {
          nodeSelectorTerms: array(
            maybe(loose({ matchExpressions: array(requirement, 2), matchFields: array(requirement, 2) }, [])),
            2,
          ),
        },
        ["nodeSelectorTerms"],
      ),
    ),
  );
  const node = maybe(
    loose(
      {
        name: dnsName,
        labels,
        unschedulable: maybe(fc.boolean()),
        ready: maybe(fc.boolean()),
        taints: array(taint, 3),
        addresses: array(
          maybe(
            loose({ type: pick(["InternalIP", "Hostname"], ["x".repeat(65)]), address: maybe(oddString) }, [
              "type",
              "address",
            ]),
          ),
          3,
        ),
      },
      ["name", "ready"],
    ),
  );
  const hostPort = maybe(
    loose(
      {
        container: pick(["main", "sidecar"], ["Main", ""]),
        containerPort: port,
        hostPort: port,
        hostIP: pick(
          ["", "0.0.0.0", "10.0.0.1", "::", "fe80::1", "::ffff:10.0.0.1", "2001:db8::8a2e:370:7334"],
          ["1.2.3", "256.1.1.1", "::1\n", "localhost", "01.2.3.4"],
        ),
        protocol: pick(["TCP", "UDP", "SCTP", ""], ["tcp", "HTTP"]),
      },
      ["container", "containerPort", "hostPort"],
    ),
  );
  const pod = maybe(
    loose(
      {
        namespace: dnsName,
        name: dnsName,
        node: fc.oneof(fc.constant(null), dnsName),
        phase: pick(["Pending", "Running", "Unknown"], ["Succeeded"]),
        hostNetwork: maybe(fc.boolean()),
        owner: maybe(
          fc.oneof(
            fc.constant(null),
            loose(
              {
                kind: pick(["DaemonSet", "ReplicaSet"], ["1x", "Node-x", "K".repeat(64)]),
                name: pick(["ds", "x".repeat(253)], ["", "x".repeat(254), "a\u0000"]),
              },
              ["kind", "name"],
            ),
          ),
        ),
        ports: array(hostPort, 4),
        nodeSelector: labels,
        tolerations: array(toleration, 3),
        requiredNodeAffinity: affinity,
        scheduling: maybe(
          fc.oneof(
            fc.constant(null),
            loose({ unschedulable: maybe(fc.boolean()), message: maybe(oddString) }, [
              "unschedulable",
              "message",
            ]),
          ),
        ),
      },
      ["namespace", "name", "node", "phase"],
    ),
  );
  const header = {
    schemaVersion: pick([1], [2]),
    cluster: pick(["prod-eu-1"], ["Prod"]),
    observedAt: pick(
      ["2026-11-27T10:00:00Z", "2026-11-27T10:00:00.123+02:00"],
      ["1999-01-01T00:00:00Z", "2026-13-01T00:00:00Z"],
    ),
  };
  // few distinct names: duplicates and unknown nodes are frequent
  const snapshot = loose({ ...header, nodes: array(node, 5), pods: array(pod, 6) }, [
    "schemaVersion",
    "cluster",
    "observedAt",
    "nodes",
    "pods",
  ]);
  const hash = pick(["a".repeat(64), "b".repeat(64)], ["A".repeat(64), "abc"]);
  const changes = (item: fc.Arbitrary<unknown>, key: fc.Arbitrary<unknown>) =>
    maybe(loose({ upsert: array(item, 4), remove: array(key, 3) }, []));
  const delta = loose(
    {
      ...header,
      delta: maybe(
        loose(
          {
            base: hash,
            hash,
            nodes: changes(node, dnsName),
            pods: changes(pod, maybe(fc.tuple(dnsName, dnsName))),
          },
          ["base", "hash"],
        ),
      ),
    },
    ["schemaVersion", "cluster", "observedAt", "delta"],
  );
  return { node, pod, hostPort, snapshot, delta };
}
const mostlyValid = inputs(60);
const oftenInvalid = inputs(6);
const either = <K extends keyof typeof mostlyValid>(k: K) => fc.oneof(mostlyValid[k], oftenInvalid[k]);

/** The same input, parsed by the quick readers and by the schemas alone. */
function expectSameSnapshotParse(input: unknown) {
  const quick = parseSnapshot(input);
  expectSame(quick, parseSnapshot(input, schemaReader));
  const check = checkSnapshot(input);
  expect(check).toStrictEqual(quick.ok ? { ok: true } : quick);
  return quick;
}

describe("the quick readers read what the schemas read", () => {
  it("a node, a pod (without its ports) and a port: the schema's value, or left to the schema", () => {
    let read = 0;
    fc.assert(
      fc.property(either("node"), either("pod"), either("hostPort"), (node, pod, p) => {
        if (expectReadsAsSchema(quickNode, nodeSchema, node)) read++;
        if (expectReadsAsSchema(quickPodEnvelope, podEnvelopeSchema, pod)) read++;
        if (expectReadsAsSchema(quickPort, portSchema, p)) read++;
      }),
      { numRuns: 3000 },
    );
    // the generators make valid objects often enough that the comparison says something
    expect(read).toBeGreaterThan(1000);
  });

  it("anything at all is left to the schema or read as the schema reads it", () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expectReadsAsSchema(quickNode, nodeSchema, v);
        expectReadsAsSchema(quickPodEnvelope, podEnvelopeSchema, v);
        expectReadsAsSchema(quickPort, portSchema, v);
      }),
      { numRuns: 1000 },
    );
  });

  it("snapshots, valid and invalid: the same snapshot, or the same code, message and issues", () => {
    let accepted = 0;
    fc.assert(
      fc.property(either("snapshot"), (input) => {
        if (expectSameSnapshotParse(input).ok) accepted++;
        // as the API receives it: through JSON
        expectSameSnapshotParse(JSON.parse(JSON.stringify(input)));
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it("deltas, valid and invalid: the same delta, or the same code, message and issues", () => {
    let accepted = 0;
    fc.assert(
      fc.property(either("delta"), (input) => {
        const quick = parseDelta(input);
        expectSame(quick, parseDelta(input, schemaReader));
        if (quick.ok) accepted++;
        const sent = JSON.parse(JSON.stringify(input));
        expectSame(parseDelta(sent), parseDelta(sent, schemaReader));
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(20);
  });
});

describe("a large snapshot read by the quick readers", () => {
  it("still stops between chunks of pods, and gives the schemas' snapshot", async () => {
    const pods = Array.from({ length: 2_000 }, (_, i) => ({
      namespace: "kube-system",
      name: `agent-${i}`,
      node: `worker-${i % 50}`,
      phase: "Running",
      ports: [{ container: "main", containerPort: 9100, hostPort: 9100, hostIP: "" }],
    }));
    const input = {
      schemaVersion: 1,
      cluster: "big",
      observedAt: "2026-11-27T10:00:00Z",
      nodes: Array.from({ length: 50 }, (_, i) => ({ name: `worker-${i}`, ready: true })),
      pods,
    };
    let stops = 0;
    const parsed = await parseSnapshotPausing(input, async () => {
      stops++;
    });
    expect(parsed.ok).toBe(true);
    expectSame(parsed, parseSnapshot(input, schemaReader));
    // one stop before the envelope, then one per STEP_CHUNK (250) pods and ports together
    expect(stops).toBeGreaterThanOrEqual(16);
  });
});

const { dir: DUMPS, present } = sharedInputDir("k8s-dumps", "K8S_DUMPS_DIR");

/** The real clusters of the dumps, as the agent's --from-file makes them. */
const clusters = realDumpClusters.map((c) => c.files);

function realSnapshots(): unknown[] {
  const known = new Set(readdirSync(DUMPS));
  return clusters.map((files, i) => {
    const objects = mergeKubeObjects(
      files
        .filter((f) => known.has(f))
        .map((f) => readKubeObjects(JSON.parse(readFileSync(join(DUMPS, f), "utf8")), f)),
    );
    const { snapshot } = collectSnapshot(
      {
        cluster: `real-${i}`,
        observedAt: new Date("2026-11-27T10:00:00Z"),
        agent: { version: "test", mode: "file" },
      },
      objects.nodes,
      objects.pods,
      objects.hasIngressControllerList ? objects.ingressControllers : undefined,
    );
    // what the agent sends: JSON
    return JSON.parse(JSON.stringify(snapshot));
  });
}

/** Every place in a JSON value: its container and key. */
function places(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([value, i]);
      places(v, out);
    });
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k]);
      places(v, out);
    }
  }
  return out;
}

// Skipped only where ../shared/k8s-dumps is absent (K8S_DUMPS_DIR names it elsewhere): real inputs are read in place.
describe.skipIf(!present)("the quick readers on the real dumps", () => {
  const snapshots = present ? realSnapshots() : [];

  it("accept every real cluster as the schemas do, reading every node, pod and port without them", () => {
    for (const snapshot of snapshots) {
      const parsed = expectSameSnapshotParse(snapshot);
      expect(parsed.ok, JSON.stringify(parsed).slice(0, 300)).toBe(true);
      const { nodes, pods } = snapshot as { nodes: unknown[]; pods: { ports?: unknown[] }[] };
      for (const node of nodes) expect(quickNode(node)).toBeDefined();
      for (const pod of pods) {
        expect(quickPodEnvelope(pod)).toBeDefined();
        for (const p of pod.ports ?? []) expect(quickPort(p)).toBeDefined();
      }
    }
    expect(snapshots.reduce((n: number, s) => n + (s as { pods: unknown[] }).pods.length, 0)).toBeGreaterThan(
      10,
    );
  });

  it("mutations of the real clusters (junk, a field removed, an extra field, a copy): the same answer", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom("junk", "remove", "extra", "copy"), junk), {
          minLength: 1,
          maxLength: 3,
        }),
        (which, mutations) => {
          const snapshot = structuredClone(snapshots[which % snapshots.length]);
          for (const [at, kind, value] of mutations) {
            const all = places(snapshot);
            const place = all[at % all.length];
            if (!place) continue;
            const [container, key] = place;
            if (kind === "junk") (container as Record<string | number, unknown>)[key] = value;
            else if (kind === "remove") {
              if (Array.isArray(container)) container.splice(key as number, 1);
              else delete container[key as string];
            } else if (kind === "extra") {
              const target = (container as Record<string | number, unknown>)[key];
              if (typeof target === "object" && target !== null && !Array.isArray(target))
                (target as Record<string, unknown>).extra = value;
            } else if (Array.isArray(container)) container.push(structuredClone(container[key as number]));
          }
          expectSameSnapshotParse(snapshot);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
