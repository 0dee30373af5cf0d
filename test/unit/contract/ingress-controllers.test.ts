import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalState, stateHash } from "../../../src/contract/canonical.js";
import { parseDelta } from "../../../src/contract/delta.js";
import {
  parseSnapshot,
  type Snapshot,
  type SnapshotInput,
  snapshotJsonSchema,
} from "../../../src/contract/snapshot.js";

const base = (ingressControllers?: SnapshotInput["ingressControllers"]): SnapshotInput => ({
  schemaVersion: 1,
  cluster: "prod-eu-1",
  observedAt: "2026-11-27T10:00:00Z",
  nodes: [{ name: "worker-1", ready: true }],
  pods: [],
  ...(ingressControllers ? { ingressControllers } : {}),
});

function parsed(input: SnapshotInput): Snapshot {
  const result = parseSnapshot(input);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.snapshot;
}

const shardB = {
  namespace: "openshift-ingress-operator",
  name: "shard-b",
  replicas: 2,
  endpointPublishingStrategy: "HostNetwork",
  hostNetwork: { httpPort: 10080, httpsPort: 10443, statsPort: 11936 },
  nodeSelector: { "node-role.kubernetes.io/infra": "" },
  deployment: { namespace: "openshift-ingress", name: "router-shard-b" },
};

describe("IngressControllers in snapshot v1", () => {
  it("are optional: a snapshot without them parses to an empty list", () => {
    expect(parsed(base()).ingressControllers).toEqual([]);
  });

  it("fill the CRD's defaults: unset or 0 ports are 80/443/1936, protocol '' is TCP", () => {
    const ic = parsed(
      base([
        {
          namespace: "openshift-ingress-operator",
          name: "default",
          endpointPublishingStrategy: "HostNetwork",
          hostNetwork: { httpPort: 0, protocol: "" },
        },
      ]),
    ).ingressControllers[0];
    expect(ic).toEqual({
      namespace: "openshift-ingress-operator",
      name: "default",
      replicas: null,
      availableReplicas: null,
      endpointPublishingStrategy: "HostNetwork",
      hostNetwork: { httpPort: 80, httpsPort: 443, statsPort: 1936, protocol: "TCP" },
      nodeSelector: null,
      tolerations: [],
      deployment: null,
    });
  });

  it.each([
    ["a duplicate", [shardB, shardB], "DUPLICATE_INGRESS_CONTROLLER"],
    ["a port above 65535", [{ ...shardB, hostNetwork: { httpPort: 70000 } }], "PORT_OUT_OF_RANGE"],
    ["a name that is not a DNS subdomain", [{ ...shardB, name: "Shard_B" }], "INVALID_NAME"],
    ["a bad selector key", [{ ...shardB, nodeSelector: { "bad key": "" } }], "INVALID_LABEL"],
    ["negative replicas", [{ ...shardB, replicas: -1 }], "INVALID_SNAPSHOT"],
  ])("refuses %s", (_name, list, code) => {
    const result = parseSnapshot(base(list as SnapshotInput["ingressControllers"]));
    expect(result.ok ? "accepted" : result.code).toBe(code);
  });

  it("leave the state hash of a snapshot without them as it was, and change it when present", () => {
    const without = canonicalState(parsed(base()));
    const legacyText = JSON.stringify({ cluster: without.cluster, nodes: without.nodes, pods: without.pods });
    expect(stateHash(without)).toBe(createHash("sha256").update(legacyText).digest("hex"));
    const withShard = stateHash(canonicalState(parsed(base([shardB]))));
    expect(withShard).not.toBe(stateHash(without));
    const scaled = stateHash(canonicalState(parsed(base([{ ...shardB, replicas: 3 }]))));
    expect(scaled).not.toBe(withShard);
  });

  it("hash the same whatever order the agent lists them in", () => {
    const other = { ...shardB, name: "shard-a" };
    const one = stateHash(canonicalState(parsed(base([shardB, other]))));
    const two = stateHash(canonicalState(parsed(base([other, shardB]))));
    expect(one).toBe(two);
  });

  it("travel in a delta as the whole new list, checked like a snapshot's", () => {
    const delta = (ingressControllers: unknown) => ({
      schemaVersion: 1,
      cluster: "prod-eu-1",
      observedAt: "2026-11-27T10:00:00Z",
      delta: { base: "a".repeat(64), hash: "b".repeat(64), ingressControllers },
    });
    const ok = parseDelta(delta([shardB]));
    expect(ok.ok && ok.delta.delta.ingressControllers?.[0]?.hostNetwork?.statsPort).toBe(11936);
    const absent = parseDelta({ ...delta(undefined), delta: { base: "a".repeat(64), hash: "b".repeat(64) } });
    expect(absent.ok && absent.delta.delta.ingressControllers).toBeUndefined();
    const twice = parseDelta(delta([shardB, shardB]));
    expect(twice.ok ? "accepted" : twice.code).toBe("DUPLICATE_INGRESS_CONTROLLER");
  });

  it("appear in the published JSON Schema", () => {
    const schema = snapshotJsonSchema() as { properties: Record<string, unknown>; required?: string[] };
    expect(schema.properties.ingressControllers).toBeDefined();
    expect(schema.required ?? []).not.toContain("ingressControllers");
  });
});
