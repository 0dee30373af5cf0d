/**
 * ports.node classifies a node's observed listeners against every hostNetwork allocation of the node
 * on their ports at the instant asked, not against the page of allocations it shows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeListeners } from "../../src/contract/listeners.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { tcpListener } from "../fixtures/listeners.js";
import { hostNetworkPod } from "../fixtures/snapshots.js";
import { createHarness, dataOf, type Harness } from "../helpers/app.js";

const CLUSTER = "np";

const listeners: NodeListeners = {
  node: "n0",
  attribution: "process",
  listeners: [
    tcpListener(22, "0.0.0.0", { processes: [{ name: "sshd" }] }),
    tcpListener(9100, "0.0.0.0", { processes: [{ name: "node_exporter" }] }),
  ],
};

/** node-exporter on n0, declaring `ports` (80 sorts first, so a page of one allocation holds only it). */
const snapshot = (observedAt: string, ports: number[]): SnapshotInput => ({
  schemaVersion: 1,
  cluster: CLUSTER,
  observedAt,
  nodes: [{ name: "n0", ready: true }],
  pods: [
    hostNetworkPod("monitoring", "node-exporter-n0", "n0", ports, {
      kind: "DaemonSet",
      name: "node-exporter",
    }),
  ],
  nodeListeners: [listeners],
});

describe("ports.node classifies listeners against all the node's allocations", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: () => new Date("2026-12-02T00:00:00Z") });
    const token = await h.register(CLUSTER);
    // 10:00 the pod declares 80 and 443; from 10:05 also 9100, the port node_exporter listens on.
    for (const [at, ports] of [
      ["2026-12-01T10:00:00Z", [80, 443]],
      ["2026-12-01T10:05:00Z", [80, 443, 9100]],
    ] as const) {
      const res = await h.push(token, snapshot(at, [...ports]));
      expect(res.status).toBe(200);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  const classes = async (input: { limit?: number; asOf?: string }) => {
    const answer = dataOf(await h.query("ports.node", { cluster: CLUSTER, node: "n0", ...input }));
    return {
      page: answer.allocations.map((a) => a.hostPort),
      listeners: answer.listeners.map((l) => `${l.port} ${l.class}`),
    };
  };

  it("names a listener declared by an allocation beyond the page as declared", async () => {
    expect(await classes({ limit: 1 })).toEqual({
      page: [80],
      listeners: ["22 host-service", "9100 declared"],
    });
  });

  it("classifies against the allocations valid at the instant asked", async () => {
    expect(await classes({ limit: 1, asOf: "2026-12-01T10:02:00Z" })).toEqual({
      page: [80],
      listeners: ["22 host-service", "9100 host-service"],
    });
  });
});
