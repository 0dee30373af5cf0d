/**
 * A delta that misses this process's BaseStates is applied to the cluster's open facts read back from
 * the database (loadFactState): they must be the very facts the whole push built and stored, field for
 * field, or the delta would close and reopen rows that did not change. Every state table is read by
 * one generic statement from its declaration (src/services/history-tables.ts).
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { clusters } from "../../src/db/schema/index.js";
import { factStateOf } from "../../src/domain/fact-state.js";
import { factsFromState } from "../../src/domain/history.js";
import { loadFactState } from "../../src/services/base-states.js";
import { edgeProd, ocpProd } from "../fixtures/ingress-fleet.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { canonical } from "../helpers/delta-body.js";

/** ocp-prod with what the fixture leaves out: a node's addresses and an unready one, affinity, UDP, a host IP. */
const detailed: SnapshotInput = {
  ...ocpProd,
  nodes: [
    ...ocpProd.nodes,
    {
      name: "w5",
      ready: false,
      unschedulable: true,
      addresses: [{ type: "InternalIP", address: "10.0.0.5" }],
    },
  ],
  pods: [
    ...ocpProd.pods,
    {
      namespace: "dns",
      name: "resolver-1",
      node: "w4",
      phase: "Running",
      owner: { kind: "DaemonSet", name: "resolver" },
      ports: [{ container: "dns", containerPort: 53, hostPort: 53, protocol: "UDP", hostIP: "10.0.0.4" }],
      requiredNodeAffinity: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "node-role.kubernetes.io/worker", operator: "Exists" }] },
        ],
      },
      tolerations: [{ key: "dedicated", operator: "Equal", value: "dns", effect: "NoSchedule" }],
    },
  ],
  // Listener reports of every shape: attributed and not, with and without a port range, empty.
  nodeListeners: [
    {
      node: "w5",
      attribution: "process",
      localPortRange: { from: 32768, to: 60999 },
      listeners: [
        { protocol: "TCP", address: "0.0.0.0", port: 22, processes: [{ name: "sshd", pid: 1021 }] },
        { protocol: "TCP", address: "::", port: 10250, dualStack: true, processes: [{ name: "kubelet" }] },
        { protocol: "UDP", address: "0.0.0.0", port: 67, interface: "enp1s0", processes: [] },
        {
          protocol: "TCP",
          address: "127.0.0.1",
          family: 6,
          port: 29103,
          processes: [{ name: "ovnkube" }],
          pod: { namespace: "openshift-ovn-kubernetes", name: "ovnkube-node-a", container: "ovnkube" },
        },
      ],
    },
    { node: "w4", listeners: [] },
  ],
};

describe("the open facts read back for a delta", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  it.each([
    ["a cluster with every kind of fact", detailed],
    ["Pending router pods and an IngressController holding ports by declaration", edgeProd],
  ])("are the facts the whole push stored: %s", async (_, snapshot) => {
    const token = await h.register(snapshot.cluster);
    expect((await h.push(token, snapshot)).status).toBe(200);
    const [cluster] = await h.database.db
      .select({ id: clusters.id })
      .from(clusters)
      .where(eq(clusters.name, snapshot.cluster));
    if (!cluster) throw new Error("cluster not registered");
    const built = factStateOf(factsFromState(canonical(snapshot).state));
    expect(built.pods.size).toBeGreaterThan(1);
    expect(await loadFactState(h.database.db, cluster.id)).toEqual(built);
  });
});
