import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { collectNode, collectPod } from "../../agents/src/collect/canonical.js";
import { createLogger, silentLogger } from "../../agents/src/ops/log.js";
import { createAgentMetrics } from "../../agents/src/ops/metrics.js";
import type { OfferedSnapshot } from "../../agents/src/push/pusher.js";
import { SnapshotProducer } from "../../agents/src/run/producer.js";
import { canonicalState, stateHash } from "../../src/contract/canonical.js";
import type { NodeListeners } from "../../src/contract/listeners.js";
import { parseSnapshot } from "../../src/contract/snapshot.js";
import { tcpListener } from "../fixtures/listeners.js";
import { fixtureNodes, fixturePod, fixturePods } from "./helpers/fixtures.js";

const nodes = () => fixtureNodes().map((n) => collectNode(n)!);
const pods = () => fixturePods().flatMap((p) => collectPod(p) ?? []);

function producer(now: string, notBeforeMs?: number, logs?: Record<string, unknown>[]) {
  const offered: OfferedSnapshot[] = [];
  const metrics = createAgentMetrics();
  const p = new SnapshotProducer({
    cluster: "prod-eu-1",
    mode: "watch",
    clock: { now: () => new Date(now) },
    sink: { offer: async (o) => void offered.push(o) },
    logger: logs
      ? createLogger({ level: "debug", write: (line) => logs.push(JSON.parse(line)) })
      : silentLogger,
    metrics,
    ...(notBeforeMs !== undefined ? { notBeforeMs } : {}),
  });
  return { p, offered, metrics };
}

const report = (node: string, port = 22): NodeListeners => ({
  node,
  attribution: "none",
  listeners: [tcpListener(port, "0.0.0.0")],
});
const sentReports = (o: OfferedSnapshot | undefined): string[] =>
  (JSON.parse(gunzipSync(o!.body).toString("utf8")).nodeListeners ?? []).map((r: NodeListeners) => r.node);

describe("the snapshot producer", () => {
  it("calls a new state a change and the same state a heartbeat", async () => {
    const { p, offered } = producer("2026-11-27T10:00:00Z");
    await p.produce(nodes(), pods(), 1);
    await p.produce(nodes(), pods(), 1);
    await p.produce(nodes(), pods().slice(1), 2);
    expect(offered.map((o) => o.kind)).toEqual(["change", "heartbeat", "change"]);
    expect(offered[1]?.hash).toBe(offered[0]?.hash);
  });

  it("keeps observedAt strictly increasing even when the clock does not move", async () => {
    const { p, offered } = producer("2026-11-27T10:00:00.000Z");
    await p.produce(nodes(), pods(), 1);
    await p.produce(nodes(), pods().slice(1), 2);
    expect(offered.map((o) => o.observedAt)).toEqual([
      "2026-11-27T10:00:00.000Z",
      "2026-11-27T10:00:00.001Z",
    ]);
    const body = JSON.parse(gunzipSync(offered[1]!.body).toString("utf8"));
    expect(body.observedAt).toBe("2026-11-27T10:00:00.001Z");
  });

  it("starts after the newest snapshot an earlier run left in the spool", async () => {
    const { p, offered } = producer("2026-11-27T10:00:00.000Z", Date.parse("2026-11-27T10:05:00.000Z"));
    await p.produce(nodes(), pods());
    expect(offered[0]?.observedAt).toBe("2026-11-27T10:05:00.001Z");
  });

  it("does not offer a snapshot the contract refuses, and counts it", async () => {
    const { p, offered, metrics } = producer("2026-11-27T10:00:00Z");
    const bad = fixturePod("node-exporter");
    bad.spec.containers[0].ports[0].protocol = "QUIC";
    expect(await p.produce(nodes(), [collectPod(bad)!])).toBeUndefined();
    expect(offered).toEqual([]);
    expect(metrics.invalidSnapshots.get()).toBe(1);
  });

  it("calls a change of one node's listener report alone a change", async () => {
    const { p, offered } = producer("2026-11-27T10:00:00Z");
    await p.produce(nodes(), pods(), 1, undefined, [report("worker-1")]);
    await p.produce(nodes(), pods(), 2, undefined, [report("worker-1")]);
    await p.produce(nodes(), pods(), 3, undefined, [report("worker-1", 2222)]);
    expect(offered.map((o) => o.kind)).toEqual(["change", "heartbeat", "change"]);
    expect(sentReports(offered[2])).toEqual(["worker-1"]);
    expect(offered[2]?.state?.keyed.nodeListeners.get("worker-1")?.listeners[0]?.port).toBe(2222);
  });

  it("drops the report of a node the cluster no longer lists, and logs it once while it lasts", async () => {
    const logs: Record<string, unknown>[] = [];
    const { p, offered } = producer("2026-11-27T10:00:00Z", undefined, logs);
    const reports = [report("worker-1"), report("gone-node")];
    for (let version = 1; version <= 3; version++)
      await p.produce(nodes(), pods(), version, undefined, reports);
    expect(offered.map(sentReports)).toEqual([["worker-1"], ["worker-1"], ["worker-1"]]);
    const dropped = () => logs.filter((l) => String(l.msg).startsWith("left out listener reports"));
    expect(dropped()).toHaveLength(1);
    expect(dropped()[0]?.nodes).toEqual(["gone-node"]);
    await p.produce(nodes(), pods(), 4, undefined, [report("worker-1")]);
    await p.produce(nodes(), pods(), 5, undefined, reports);
    expect(dropped()).toHaveLength(2);
  });

  it("leaves out a report the contract refuses, logs it once, and still sends the rest", async () => {
    const logs: Record<string, unknown>[] = [];
    const { p, offered, metrics } = producer("2026-11-27T10:00:00Z", undefined, logs);
    const bad: NodeListeners = {
      node: "master-0",
      attribution: "process",
      listeners: [tcpListener(22, "0.0.0.0", { processes: [{ name: "" }] })],
    };
    await p.produce(nodes(), pods(), 1, undefined, [report("worker-1"), bad]);
    await p.produce(nodes(), pods(), 2, undefined, [report("worker-1", 2222), bad]);
    expect(offered.map(sentReports)).toEqual([["worker-1"], ["worker-1"]]);
    expect(metrics.invalidSnapshots.get()).toBe(0);
    const refused = logs.filter((l) =>
      String(l.msg).startsWith("left out a listener report the contract refuses"),
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: "error", node: "master-0" });
    expect(String(refused[0]?.error)).toContain("listeners.0.processes.0.name");
  });

  it("sends a report in the form the server reads it: addresses normalised, scope derived", async () => {
    const { p, offered } = producer("2026-11-27T10:00:00Z");
    const raw: NodeListeners = {
      node: "worker-1",
      attribution: "none",
      listeners: [{ ...tcpListener(22, "::FFFF:127.0.0.1"), scope: "address" }],
    };
    await p.produce(nodes(), pods(), 1, undefined, [raw]);
    const sent = JSON.parse(gunzipSync(offered[0]!.body).toString("utf8"));
    expect(sent.nodeListeners[0].listeners[0]).toMatchObject({
      address: "127.0.0.1",
      family: 6,
      scope: "loopback",
    });
    const parsed = parseSnapshot(sent);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(offered[0]?.hash).toBe(stateHash(canonicalState(parsed.snapshot)));
  });
});
