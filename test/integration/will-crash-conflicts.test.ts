/**
 * conflicts.list's will-crash kind: a running hostNetwork pod whose declared port a listener that is
 * not its own holds on its node, named with the pod or process holding it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeListeners } from "../../src/contract/listeners.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { createHarness, type Harness } from "../helpers/app.js";

const hostNetworkPod = (name: string, node: string, port: number) => ({
  namespace: "monitoring",
  name,
  node,
  phase: "Running" as const,
  hostNetwork: true,
  owner: { kind: "DaemonSet", name },
  ports: [{ container: "main", containerPort: port, hostPort: port }],
});

const listenersOn = (
  node: string,
  port: number,
  pod?: { namespace: string; name: string },
): NodeListeners => ({
  node,
  attribution: "pod",
  listeners: [
    {
      protocol: "TCP",
      address: "0.0.0.0",
      family: 4,
      port,
      scope: "wildcard",
      processes: [{ name: pod ? "node_exporter" : "sshd" }],
      ...(pod ? { pod } : {}),
    },
  ],
});

describe("conflicts.list: will crash, not Pending", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: () => new Date("2026-12-01T10:05:00Z") });
    const token = await h.register("wc");
    const snapshot: SnapshotInput = {
      schemaVersion: 1,
      cluster: "wc",
      observedAt: "2026-12-01T10:00:00Z",
      nodes: ["n0", "n1", "n2"].map((name) => ({ name, ready: true })),
      pods: [
        hostNetworkPod("exporter", "n0", 9100),
        hostNetworkPod("own", "n1", 9100),
        hostNetworkPod("ssh", "n2", 22),
      ],
      nodeListeners: [
        // n0: another pod, which does not declare 9100, holds it; n1: the pod's own socket; n2: sshd.
        listenersOn("n0", 9100, { namespace: "kube-system", name: "rogue-exporter" }),
        listenersOn("n1", 9100, { namespace: "monitoring", name: "own" }),
        listenersOn("n2", 22),
      ],
    };
    expect((await h.push(token, snapshot)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await h.close();
  });

  it("names the pod or host process holding a running hostNetwork pod's port, never the pod's own socket", async () => {
    const answer = await h.query("conflicts.list", { clusters: ["wc"] });
    if (!answer.ok) throw new Error(answer.error.message);
    expect(
      answer.data.willCrash.map((c) => ({
        node: c.node,
        pod: c.pod,
        port: c.port.hostPort,
        heldBy: c.heldBy.map((b) => ({ processes: b.processes, pod: b.pod?.name ?? null, class: b.class })),
      })),
    ).toEqual([
      {
        node: "n0",
        pod: "exporter",
        port: 9100,
        heldBy: [{ processes: ["node_exporter"], pod: "rogue-exporter", class: "undeclared-host-network" }],
      },
      {
        node: "n2",
        pod: "ssh",
        port: 22,
        heldBy: [{ processes: ["sshd"], pod: null, class: "host-service" }],
      },
    ]);
  });
});
