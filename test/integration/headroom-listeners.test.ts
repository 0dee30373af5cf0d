/**
 * capacity.headroom takes observed listeners as held (docs/planning.md, "Headroom"): a node where a
 * listener no pod there declares is in the way is not free, the row says which listener, a router's
 * own socket costs it nothing, and the projection follows the listeners through whole pushes, deltas
 * and as-of reads.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { NodeListeners } from "../../src/contract/listeners.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { tcpListener } from "../fixtures/listeners.js";
import { createHarness, dataOf, type Harness } from "../helpers/app.js";
import { deltaBody } from "../helpers/delta-body.js";

const CLUSTER = "edge-1";
const at = (minute: number) => new Date(Date.parse("2026-12-01T10:00:00Z") + minute * 60_000).toISOString();

/** A hostNetwork router replica on 80 and an ordinary hostPort replica of web on 8080. */
const pods: SnapshotInput["pods"] = [
  {
    namespace: "ingress",
    name: "router-a",
    node: "n0",
    phase: "Running",
    hostNetwork: true,
    owner: { kind: "Deployment", name: "router" },
    ports: [{ container: "haproxy", containerPort: 80, hostPort: 80 }],
  },
  {
    namespace: "shop",
    name: "web-a",
    node: "n0",
    phase: "Running",
    owner: { kind: "Deployment", name: "web" },
    ports: [{ container: "web", containerPort: 8080, hostPort: 8080 }],
  },
];

const haproxy = tcpListener(80, "0.0.0.0", { processes: [{ name: "haproxy", pid: 4100 }] });
const httpd = tcpListener(80, "0.0.0.0", { processes: [{ name: "httpd", pid: 912 }] });
const tomcat = tcpListener(8080, "127.0.0.1", { processes: [{ name: "java", pid: 2201 }] });

const report = (node: string, listeners: NodeListeners["listeners"]): NodeListeners => ({
  node,
  attribution: "process",
  listeners,
});

const snapshot = (minute: number, nodeListeners: NodeListeners[]): SnapshotInput => ({
  schemaVersion: 1,
  cluster: CLUSTER,
  observedAt: at(minute),
  nodes: ["n0", "n1", "n2"].map((name) => ({ name, ready: true })),
  pods,
  nodeListeners,
});

describe("capacity.headroom with observed listeners", () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await createHarness({ now: () => new Date("2026-12-02T00:00:00Z") });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
    token = await h.register(CLUSTER);
  });

  async function push(body: unknown) {
    const res = await h.push(token, body);
    expect(res.status, await res.clone().text()).toBe(200);
  }

  /** Per workload name: headroom, max replicas, listener-blocked nodes and the example's words. */
  async function headroom(asOf?: string) {
    const answer = dataOf(
      await h.query("capacity.headroom", { clusters: [CLUSTER], ...(asOf ? { asOf } : {}) }),
    );
    return Object.fromEntries(
      answer.workloads.map((w) => [
        w.name,
        {
          headroom: w.headroom,
          max: w.maxReplicasKeepingOneSpare,
          listenerBlocked: w.listenerBlockedNodes,
          example: w.listenerExample
            ? `${w.listenerExample.node} ${w.listenerExample.hostPort}/${w.listenerExample.protocol}: ${w.listenerExample.processes.join(",")} on ${w.listenerExample.address}:${w.listenerExample.port} [${w.listenerExample.class}, ${w.listenerExample.effect}]`
            : null,
        },
      ]),
    );
  }

  const unblocked = { headroom: 2, max: 2, listenerBlocked: 0, example: null };

  it("keeps a node from a workload where a listener no pod declares is in its way, and names the listener", async () => {
    // n0: the router's own haproxy (declared by its pod: no blocker); n1: httpd on 80, and java on
    // 127.0.0.1:8080, which web's 0.0.0.0 hostPort meets by the address rule plan fit applies.
    await push(snapshot(0, [report("n0", [haproxy]), report("n1", [httpd, tomcat]), report("n2", [])]));
    expect(await headroom()).toEqual({
      router: {
        headroom: 1,
        max: 1,
        listenerBlocked: 1,
        example: "n1 80/TCP: httpd on 0.0.0.0:80 [host-service, crash-loop-eaddrinuse]",
      },
      web: {
        headroom: 1,
        max: 1,
        listenerBlocked: 1,
        example: "n1 8080/TCP: java on 127.0.0.1:8080 [host-service, captures-host-traffic]",
      },
    });
  });

  it("leaves a node free where the listeners are on other ports, protocols or only IPv6", async () => {
    const other = [
      tcpListener(8081, "0.0.0.0", { processes: [{ name: "java" }] }),
      { ...httpd, protocol: "UDP" as const },
      tcpListener(80, "::", { dualStack: false, processes: [{ name: "httpd6" }] }),
    ];
    await push(snapshot(0, [report("n1", other), report("n2", other)]));
    expect(await headroom()).toEqual({ router: unblocked, web: unblocked });
  });

  it("recomputes the projection when a delta changes only listeners, and reads it as of an instant", async () => {
    const s0 = snapshot(0, [report("n0", [haproxy]), report("n1", [])]);
    await push(s0);
    expect((await headroom()).router).toEqual(unblocked);
    // Minute 5: a delta gives n1 httpd on 80; minute 10: a delta removes n1's report.
    const s1 = snapshot(5, [report("n0", [haproxy]), report("n1", [httpd])]);
    const d1 = deltaBody(s0, s1);
    expect(d1.delta.pods.upsert).toEqual([]);
    await push(d1);
    expect((await headroom()).router).toMatchObject({ headroom: 1, listenerBlocked: 1 });
    const s2 = snapshot(10, [report("n0", [haproxy])]);
    await push(deltaBody(s1, s2));
    expect((await headroom()).router).toEqual(unblocked);

    // As of an instant: open at it, the listener blocks; closed before it, it does not.
    expect((await headroom(at(2))).router).toEqual(unblocked);
    expect((await headroom(at(7))).router).toMatchObject({ headroom: 1, listenerBlocked: 1 });
    expect((await headroom(at(12))).router).toEqual(unblocked);
  });

  it("ends the blocked row on a whole push whose listeners moved away", async () => {
    await push(snapshot(0, [report("n1", [httpd])]));
    expect((await headroom()).router).toMatchObject({ listenerBlocked: 1 });
    await push(snapshot(5, [report("n1", []), report("n2", [])]));
    expect((await headroom()).router).toEqual(unblocked);
    expect((await headroom(at(3))).router).toMatchObject({ listenerBlocked: 1 });
  });
});
