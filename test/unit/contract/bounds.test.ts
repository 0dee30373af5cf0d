import { describe, expect, it } from "vitest";
import {
  checkHostPortTotal,
  IssueList,
  isLabelKey,
  isLabelValue,
  MAX_CONTAINERS_PER_POD,
  MAX_DISTINCT_HOST_PORTS,
  MAX_HOST_PORTS,
  MAX_ISSUES,
  MAX_LABELS,
  MAX_NODES,
  MAX_PODS,
  MAX_PORTS_PER_POD,
  MAX_TAINTS,
  parseSnapshot,
  type SnapshotInput,
} from "../../../src/contract/snapshot.js";

type Loose = Record<string, unknown> & {
  nodes: Record<string, unknown>[];
  pods: (Record<string, unknown> & { ports: Record<string, unknown>[] })[];
};

const base = (): Loose => ({
  schemaVersion: 1,
  cluster: "prod-eu-1",
  observedAt: "2026-11-27T10:00:00Z",
  nodes: [{ name: "worker-1", ready: true, labels: { "kubernetes.io/hostname": "worker-1" } }],
  pods: [
    {
      namespace: "monitoring",
      name: "node-exporter-abcde",
      node: "worker-1",
      phase: "Running",
      owner: { kind: "DaemonSet", name: "node-exporter" },
      ports: [{ container: "node-exporter", containerPort: 9100, hostPort: 9100 }],
    },
  ],
});

const ports = (n: number, container = (i: number) => `c${i % 3}`) =>
  Array.from({ length: n }, (_, i) => ({ container: container(i), containerPort: 1 + i, hostPort: 1 + i }));

describe("Kubernetes label rules", () => {
  it.each([
    ["app", true],
    ["app.kubernetes.io/name", true],
    ["node-role.kubernetes.io/control-plane", true],
    ["A_b.c-D", true],
    [`example.com/${"n".repeat(63)}`, true],
    [`${"p".repeat(254)}/name`, false],
    ["n".repeat(64), false],
    ["__proto__", false],
    ["-app", false],
    ["app/", false],
    ["/app", false],
    ["Example.com/app", false],
    ["", false],
  ])("key %j is valid: %s", (key, valid) => {
    expect(isLabelKey(key)).toBe(valid);
  });

  it.each([
    ["", true],
    ["prod", true],
    ["v1.2_3-x", true],
    ["v".repeat(63), true],
    ["v".repeat(64), false],
    ["a b", false],
    ["-x", false],
  ])("value %j is valid: %s", (value, valid) => {
    expect(isLabelValue(value)).toBe(valid);
  });
});

describe("snapshot bounds and storable text", () => {
  it.each<[string, string, (s: Loose) => void]>([
    ["a NUL byte in a pod name", "INVALID_STRING", (s) => Object.assign(s.pods[0]!, { name: "a\u0000b" })],
    [
      "a NUL byte in a label value",
      "INVALID_STRING",
      (s) => Object.assign(s.nodes[0]!, { labels: { a: "x\u0000" } }),
    ],
    [
      "a NUL byte in a label key",
      "INVALID_STRING",
      (s) => Object.assign(s.nodes[0]!, { labels: { "a\u0000": "x" } }),
    ],
    [
      "a lone high surrogate in a name",
      "INVALID_STRING",
      (s) => Object.assign(s.pods[0]!, { name: "pod\uD800" }),
    ],
    [
      "a lone low surrogate in a message",
      "INVALID_STRING",
      (s) => Object.assign(s.pods[0]!, { scheduling: { unschedulable: true, message: "x\uDC00" } }),
    ],
    [
      "observedAt in year 0000",
      "OBSERVED_AT_OUT_OF_RANGE",
      (s) => Object.assign(s, { observedAt: "0000-01-01T00:00:00Z" }),
    ],
    [
      "observedAt in 1999",
      "OBSERVED_AT_OUT_OF_RANGE",
      (s) => Object.assign(s, { observedAt: "1999-12-31T23:59:59Z" }),
    ],
    [
      "a 3,000-character container name",
      "INVALID_NAME",
      (s) => Object.assign(s.pods[0]!.ports[0]!, { container: "c".repeat(3000) }),
    ],
    [
      "a container name with capitals",
      "INVALID_NAME",
      (s) => Object.assign(s.pods[0]!.ports[0]!, { container: "Main" }),
    ],
    ["a namespace with a dot", "INVALID_NAME", (s) => Object.assign(s.pods[0]!, { namespace: "a.b" })],
    [
      "a 254-character node name",
      "INVALID_NAME",
      (s) => Object.assign(s.nodes[0]!, { name: "n".repeat(254) }),
    ],
    [
      "an owner kind with a space",
      "INVALID_NAME",
      (s) => Object.assign(s.pods[0]!, { owner: { kind: "Daemon Set", name: "x" } }),
    ],
    [
      "a 1 MB label value",
      "INVALID_LABEL",
      (s) => Object.assign(s.nodes[0]!, { labels: { a: "v".repeat(1 << 20) } }),
    ],
    [
      "the label key __proto__",
      "INVALID_LABEL",
      (s) => Object.assign(s.nodes[0]!, { labels: JSON.parse('{"__proto__":"x"}') }),
    ],
    [
      "a nodeSelector key with a space",
      "INVALID_LABEL",
      (s) => Object.assign(s.pods[0]!, { nodeSelector: { "a b": "x" } }),
    ],
    [
      "a taint key of 64 characters",
      "INVALID_LABEL",
      (s) => Object.assign(s.nodes[0]!, { taints: [{ key: "k".repeat(64), effect: "NoSchedule" }] }),
    ],
    [
      "100,000 labels",
      "TOO_MANY_LABELS",
      (s) =>
        Object.assign(s.nodes[0]!, {
          labels: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`l${i}`, "v"])),
        }),
    ],
    [
      `${MAX_NODES + 1} nodes`,
      "TOO_MANY_NODES",
      (s) => Object.assign(s, { nodes: Array.from({ length: MAX_NODES + 1 }, () => 0) }),
    ],
    [
      `${MAX_PODS + 1} pods`,
      "TOO_MANY_PODS",
      (s) => Object.assign(s, { pods: Array.from({ length: MAX_PODS + 1 }, () => 0) }),
    ],
    ["60,000 ports in one pod", "TOO_MANY_PORTS", (s) => Object.assign(s.pods[0]!, { ports: ports(60_000) })],
    [
      `${MAX_CONTAINERS_PER_POD + 1} containers in one pod`,
      "TOO_MANY_CONTAINERS",
      (s) => Object.assign(s.pods[0]!, { ports: ports(MAX_CONTAINERS_PER_POD + 1, (i) => `c${i}`) }),
    ],
    [
      `${MAX_TAINTS + 1} taints`,
      "TOO_MANY_ITEMS",
      (s) =>
        Object.assign(s.nodes[0]!, {
          taints: Array.from({ length: MAX_TAINTS + 1 }, (_, i) => ({ key: `k${i}`, effect: "NoSchedule" })),
        }),
    ],
    [
      "nesting 10,000 levels deep",
      "INVALID_SNAPSHOT",
      (s) => {
        let deep: unknown = "x";
        for (let i = 0; i < 10_000; i++) deep = [deep];
        Object.assign(s.pods[0]!, { extra: deep });
      },
    ],
  ])("refuses %s with %s", (_name, code, mutate) => {
    const input = base();
    mutate(input);
    const parsed = parseSnapshot(input);
    expect(parsed.ok ? "accepted" : parsed.code).toBe(code);
  });

  it("accepts every bound at its limit", () => {
    const input = base();
    Object.assign(input.nodes[0]!, {
      name: `${"n".repeat(63)}.${"n".repeat(63)}.${"n".repeat(63)}.${"n".repeat(61)}`,
      labels: Object.fromEntries(
        Array.from({ length: MAX_LABELS }, (_, i) => [`example.com/l${i}`, "v".repeat(63)]),
      ),
    });
    Object.assign(input.pods[0]!, {
      node: input.nodes[0]!.name,
      ports: ports(MAX_PORTS_PER_POD, (i) => `c${i % MAX_CONTAINERS_PER_POD}`),
    });
    expect(parseSnapshot(input).ok).toBe(true);
  });

  it("answers 90,000 invalid ports with a code and at most MAX_ISSUES issues instead of overflowing the stack", () => {
    const input = base();
    input.pods = Array.from({ length: MAX_HOST_PORTS / MAX_PORTS_PER_POD - 1 }, (_, i) => ({
      namespace: "ns",
      name: `p${i}`,
      node: null,
      phase: "Pending",
      ports: Array.from({ length: MAX_PORTS_PER_POD }, () => ({
        container: 1,
        containerPort: "x",
        hostPort: "x",
      })),
    }));
    const parsed = parseSnapshot(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.code).toBe("INVALID_SNAPSHOT");
      expect(parsed.issues).toHaveLength(MAX_ISSUES);
    }
  });

  describe("host ports per snapshot in total", () => {
    /** `total` valid, distinct host ports over pods of at most MAX_PORTS_PER_POD each, one node each. */
    const withPorts = (total: number) => {
      const input = base();
      const pods = Math.ceil(total / MAX_PORTS_PER_POD);
      input.nodes = Array.from({ length: pods }, (_, i) => ({ name: `worker-${i}`, ready: true }));
      input.pods = Array.from({ length: pods }, (_, i) => ({
        namespace: "media",
        name: `relay-${i}`,
        node: `worker-${i}`,
        phase: "Running",
        ports: ports(Math.min(MAX_PORTS_PER_POD, total - i * MAX_PORTS_PER_POD)),
      }));
      return input;
    };

    it("accepts MAX_HOST_PORTS in total", () => {
      expect(parseSnapshot(withPorts(MAX_HOST_PORTS)).ok).toBe(true);
    });

    it("refuses one more with TOO_MANY_PORTS and a message that says it is the total, not one pod", () => {
      const parsed = parseSnapshot(withPorts(MAX_HOST_PORTS + 1));
      expect(parsed).toMatchObject({ ok: false, code: "TOO_MANY_PORTS" });
      if (!parsed.ok) {
        expect(parsed.message).toContain(`${MAX_HOST_PORTS + 1} host ports in the snapshot in total`);
        expect(parsed.message).toContain(
          `at most ${MAX_HOST_PORTS} in total and ${MAX_PORTS_PER_POD} per pod`,
        );
      }
    });

    it("is one callable check over any parsed pods (a delta's resulting state uses it too)", () => {
      const onePort = { ports: [{}] };
      const within = new IssueList();
      checkHostPortTotal(
        Array.from({ length: MAX_HOST_PORTS }, () => onePort),
        ["pods"],
        within,
      );
      expect(within.found).toEqual([]);
      const over = new IssueList();
      checkHostPortTotal(
        Array.from({ length: MAX_HOST_PORTS + 1 }, () => onePort),
        ["pods"],
        over,
      );
      expect(over.found).toMatchObject([{ code: "TOO_MANY_PORTS", path: "pods" }]);
    });

    it("says a single pod over its own bound is over the per-pod bound", () => {
      const input = base();
      Object.assign(input.pods[0]!, { ports: ports(MAX_PORTS_PER_POD + 1) });
      const parsed = parseSnapshot(input);
      expect(parsed).toMatchObject({ ok: false, code: "TOO_MANY_PORTS" });
      if (!parsed.ok) expect(parsed.message).toContain("in one pod");
    });
  });

  describe("distinct host ports per snapshot", () => {
    /** Pods of MAX_PORTS_PER_POD ports each; pod i's ports start at `start(i)`. */
    const spread = (pods: number, start: (i: number) => number, hostIP?: (i: number) => string) => {
      const input = base();
      input.nodes = Array.from({ length: pods }, (_, i) => ({ name: `worker-${i}`, ready: true }));
      input.pods = Array.from({ length: pods }, (_, i) => ({
        namespace: "games",
        name: `server-${i}`,
        node: `worker-${i}`,
        phase: "Running",
        ports: Array.from({ length: MAX_PORTS_PER_POD }, (_, j) => ({
          container: "server",
          containerPort: start(i) + j,
          hostPort: start(i) + j,
          ...(hostIP ? { hostIP: hostIP(i) } : {}),
        })),
      }));
      return input;
    };

    it("accepts MAX_DISTINCT_HOST_PORTS distinct ports however many pods declare them", () => {
      expect(MAX_DISTINCT_HOST_PORTS).toBe(MAX_PORTS_PER_POD);
      expect(parseSnapshot(spread(10, () => 1)).ok).toBe(true);
    });

    it("refuses one distinct port more with TOO_MANY_DISTINCT_PORTS", () => {
      const input = spread(2, (i) => 1 + i);
      const parsed = parseSnapshot(input);
      expect(parsed).toMatchObject({ ok: false, code: "TOO_MANY_DISTINCT_PORTS" });
      if (!parsed.ok) expect(parsed.message).toContain(`at most ${MAX_DISTINCT_HOST_PORTS}`);
    });

    it("counts the same port on another host IP as another port", () => {
      const parsed = parseSnapshot(
        spread(
          2,
          () => 1,
          (i) => `10.0.0.${i + 1}`,
        ),
      );
      expect(parsed).toMatchObject({ ok: false, code: "TOO_MANY_DISTINCT_PORTS" });
    });
  });

  it("never lets a __proto__ key set a prototype: refused in labels and in any other object", () => {
    const inLabels = base();
    Object.assign(inLabels.nodes[0]!, { labels: JSON.parse('{"__proto__": {"polluted": "yes"}}') });
    expect(parseSnapshot(inLabels)).toMatchObject({ ok: false, code: "INVALID_LABEL" });

    const text = JSON.stringify(base()).replace('"phase"', '"__proto__":{"polluted":"yes"},"phase"');
    expect(parseSnapshot(JSON.parse(text))).toMatchObject({ ok: false, code: "INVALID_SNAPSHOT" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("keeps a snapshot as the agent types it valid", () => {
    expect(parseSnapshot(base() as unknown as SnapshotInput).ok).toBe(true);
  });
});
