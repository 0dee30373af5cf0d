/**
 * Deltas with IngressControllers: the whole new list when any changed, nothing when none did, and a
 * body the contract accepts whose application gives the state the agent hashed.
 */
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeSnapshot } from "../../agents/src/collect/encode.js";
import { collectSnapshot } from "../../agents/src/collect/snapshot.js";
import { encodeDelta, keyedState, stateChanges } from "../../agents/src/push/delta.js";
import { parseDelta } from "../../src/contract/snapshot.js";
import { fixtureIngressControllers, fixtureNodes, fixturePods, type KubeJson } from "./helpers/fixtures.js";

const meta = {
  cluster: "prod-eu-1",
  observedAt: new Date("2026-11-27T10:00:00Z"),
  agent: { version: "test", mode: "watch" },
};

async function state(controllers: KubeJson[] | undefined) {
  const { snapshot } = collectSnapshot(meta, fixtureNodes(), fixturePods(), controllers);
  const { hash } = await encodeSnapshot(snapshot, snapshot.nodes, snapshot.pods, snapshot.ingressControllers);
  return { snapshot, hash, keyed: keyedState(snapshot.nodes, snapshot.pods, snapshot.ingressControllers) };
}

const scaledDefault = () => {
  const controllers = fixtureIngressControllers();
  const first = controllers.find((ic) => ic.metadata.name === "default") as KubeJson;
  first.spec.replicas = 3;
  return controllers;
};

async function sentDelta(from: Awaited<ReturnType<typeof state>>, to: Awaited<ReturnType<typeof state>>) {
  const { nodes: _n, pods: _p, ingressControllers: _i, ...header } = to.snapshot;
  const body = await encodeDelta(header, from.hash, to.hash, stateChanges(from.keyed, to.keyed));
  const parsed = parseDelta(JSON.parse(gunzipSync(body).toString("utf8")));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.delta.delta;
}

describe("a delta's IngressControllers", () => {
  it.each([
    {
      what: "one scaled: the whole new list",
      from: fixtureIngressControllers(),
      to: scaledDefault(),
      sent: 3,
    },
    {
      what: "one removed: the whole new list",
      from: fixtureIngressControllers(),
      to: fixtureIngressControllers().slice(1),
      sent: 2,
    },
    { what: "the last removed: an empty list", from: fixtureIngressControllers(), to: [], sent: 0 },
    {
      what: "unchanged: absent",
      from: fixtureIngressControllers(),
      to: fixtureIngressControllers(),
      sent: undefined,
    },
    { what: "none and not served are the same state: absent", from: [], to: undefined, sent: undefined },
    { what: "first seen: the whole list", from: undefined, to: fixtureIngressControllers(), sent: 3 },
  ])("$what", async ({ from, to, sent }) => {
    const base = await state(from);
    const next = await state(to);
    const delta = await sentDelta(base, next);
    expect(delta.ingressControllers?.length).toBe(sent);
    expect(delta.nodes.upsert).toEqual([]);
    expect(delta.pods.upsert).toEqual([]);
    if (sent !== undefined) expect(delta.ingressControllers).toEqual(next.snapshot.ingressControllers ?? []);
  });

  it("carries the new replicas of the one that changed", async () => {
    const delta = await sentDelta(await state(fixtureIngressControllers()), await state(scaledDefault()));
    expect(delta.ingressControllers?.find((ic) => ic.name === "default")?.replicas).toBe(3);
  });
});
