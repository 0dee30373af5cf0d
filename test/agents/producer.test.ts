import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { collectNode, collectPod } from "../../agents/src/collect/canonical.js";
import { silentLogger } from "../../agents/src/ops/log.js";
import { createAgentMetrics } from "../../agents/src/ops/metrics.js";
import type { OfferedSnapshot } from "../../agents/src/push/pusher.js";
import { SnapshotProducer } from "../../agents/src/run/producer.js";
import { fixtureNodes, fixturePod, fixturePods } from "./helpers/fixtures.js";

const nodes = () => fixtureNodes().map((n) => collectNode(n)!);
const pods = () => fixturePods().flatMap((p) => collectPod(p) ?? []);

function producer(now: string, notBeforeMs?: number) {
  const offered: OfferedSnapshot[] = [];
  const metrics = createAgentMetrics();
  const p = new SnapshotProducer({
    cluster: "prod-eu-1",
    mode: "watch",
    clock: { now: () => new Date(now) },
    sink: { offer: async (o) => void offered.push(o) },
    logger: silentLogger,
    metrics,
    ...(notBeforeMs !== undefined ? { notBeforeMs } : {}),
  });
  return { p, offered, metrics };
}

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
});
