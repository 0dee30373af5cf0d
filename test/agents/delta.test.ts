/**
 * Deltas with IngressControllers (the whole new list when any changed, nothing when none did) and
 * with node listener reports (each changed node's whole report, removals by node, nothing for a node
 * removed with its report), in a body the contract accepts whose application gives the state the
 * agent hashed.
 */
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeSnapshot } from "../../agents/src/collect/encode.js";
import { collectSnapshot } from "../../agents/src/collect/snapshot.js";
import { encodeDelta, keyedState, stateChanges } from "../../agents/src/push/delta.js";
import { canonicalState, stateHash } from "../../src/contract/canonical.js";
import type { NodeListeners } from "../../src/contract/listeners.js";
import { parseDelta, parseSnapshot, type Snapshot } from "../../src/contract/snapshot.js";
import { tcpListener } from "../fixtures/listeners.js";
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

describe("a delta's node listener reports", () => {
  const sshd = tcpListener(22, "0.0.0.0", { processes: [{ name: "sshd", pid: 1 }] });
  const ovnkube = tcpListener(29103, "127.0.0.1", { processes: [{ name: "ovnkube", pid: 7 }] });
  const report = (node: string, listeners = [sshd]): NodeListeners => ({
    node,
    attribution: "process",
    listeners,
  });
  const all = () => ["master-0", "master-1", "worker-1"].map((node) => report(node));

  async function listenerState(reports: NodeListeners[], nodes = fixtureNodes()) {
    const { snapshot } = collectSnapshot(meta, nodes, fixturePods(), undefined, reports);
    const { hash } = await encodeSnapshot(
      snapshot,
      snapshot.nodes,
      snapshot.pods,
      [],
      snapshot.nodeListeners,
    );
    return {
      snapshot,
      hash,
      keyed: keyedState(snapshot.nodes, snapshot.pods, [], snapshot.nodeListeners),
    };
  }

  /** The delta as the contract reads it, and the whole state it leads to (what the server applies). */
  async function sent(
    from: Awaited<ReturnType<typeof listenerState>>,
    to: Awaited<ReturnType<typeof listenerState>>,
  ) {
    const { nodes: _n, pods: _p, ingressControllers: _i, nodeListeners: _l, ...header } = to.snapshot;
    const body = JSON.parse(
      gunzipSync(await encodeDelta(header, from.hash, to.hash, stateChanges(from.keyed, to.keyed))).toString(
        "utf8",
      ),
    );
    const parsed = parseDelta(body);
    if (!parsed.ok) throw new Error(parsed.message);
    const { delta } = parsed.delta;
    const reports = new Map((from.snapshot.nodeListeners ?? []).map((r) => [r.node, r]));
    for (const node of [...delta.nodes.remove, ...delta.nodeListeners.remove]) reports.delete(node);
    for (const r of delta.nodeListeners.upsert) reports.set(r.node, r);
    const nodes = new Map(from.snapshot.nodes.map((n) => [n.name, n]));
    for (const name of delta.nodes.remove) nodes.delete(name);
    const result = parseSnapshot({
      ...from.snapshot,
      nodes: [...nodes.values()],
      pods: from.snapshot.pods.filter((p) => p.node === null || nodes.has(p.node)),
      nodeListeners: [...reports.values()],
    });
    if (!result.ok) throw new Error(result.message);
    return { body, delta, resultHash: stateHash(canonicalState(result.snapshot as Snapshot)) };
  }

  it.each([
    {
      what: "one node's listeners changed: just that node's whole report",
      from: all(),
      to: all().map((r) => (r.node === "master-1" ? report("master-1", [sshd, ovnkube]) : r)),
      upsert: ["master-1"],
      remove: [],
    },
    {
      what: "a node no longer observed: removed by name",
      from: all(),
      to: all().filter((r) => r.node !== "worker-1"),
      upsert: [],
      remove: ["worker-1"],
    },
    {
      what: "a node observed for the first time",
      from: [],
      to: [report("worker-1")],
      upsert: ["worker-1"],
      remove: [],
    },
    {
      what: "a node observed with no listeners any more: an empty report, not a removal",
      from: all(),
      to: all().map((r) => (r.node === "master-0" ? report("master-0", []) : r)),
      upsert: ["master-0"],
      remove: [],
    },
  ])("$what", async ({ from, to, upsert, remove }) => {
    const base = await listenerState(from);
    const next = await listenerState(to);
    const { delta, resultHash } = await sent(base, next);
    expect(delta.nodeListeners.upsert.map((r) => r.node)).toEqual(upsert);
    expect(delta.nodeListeners.remove).toEqual(remove);
    expect(delta.nodes.upsert).toEqual([]);
    expect(delta.pods.upsert).toEqual([]);
    expect(resultHash).toBe(next.hash);
  });

  it("unchanged: the delta has no nodeListeners member at all", async () => {
    const { body, delta } = await sent(await listenerState(all()), await listenerState(all()));
    expect(body.delta).not.toHaveProperty("nodeListeners");
    expect(delta.nodeListeners).toEqual({ upsert: [], remove: [] });
  });

  it("a node removed from the cluster takes its report with it: not named in nodeListeners.remove", async () => {
    const base = await listenerState(all());
    const next = await listenerState(
      all(),
      fixtureNodes().filter((n) => n.metadata.name !== "worker-1"),
    );
    const { delta, resultHash } = await sent(base, next);
    expect(delta.nodes.remove).toEqual(["worker-1"]);
    expect(delta.nodeListeners).toEqual({ upsert: [], remove: [] });
    expect(resultHash).toBe(next.hash);
  });
});

describe("a delta's nodes and pods", () => {
  const sorted = () => collectSnapshot(meta, fixtureNodes(), fixturePods()).snapshot;

  it("names what changed, what is new and what is gone, whatever order the states were given in", () => {
    const before = sorted();
    const after = sorted();
    const [gonePod, changedPod] = after.pods;
    if (!gonePod || !changedPod) throw new Error("the fixtures have pods");
    const changed = { ...changedPod, phase: "Pending" as const };
    const added = { ...changedPod, name: "zz-new-pod" };
    const nextPods = [added, ...after.pods.slice(2), changed];
    const nextNodes = [...after.nodes.slice(1)].reverse();
    const expected = {
      nodes: { upsert: [], remove: [before.nodes[0]?.name] },
      pods: {
        upsert: [changed, added],
        remove: [[gonePod.namespace, gonePod.name]],
      },
    };
    expect(stateChanges(keyedState(before.nodes, before.pods), keyedState(nextNodes, nextPods))).toEqual(
      expected,
    );
    expect(
      stateChanges(
        keyedState([...before.nodes].reverse(), [...before.pods].reverse()),
        keyedState(nextNodes, nextPods),
      ),
    ).toEqual(expected);
  });

  it("a pod given twice counts as the last one given, as a map by key would keep it", () => {
    const before = sorted();
    const [first] = before.pods;
    if (!first) throw new Error("the fixtures have pods");
    const again = { ...first, phase: "Pending" as const };
    const changes = stateChanges(
      keyedState(before.nodes, before.pods),
      keyedState(before.nodes, [...before.pods, again]),
    );
    expect(changes.pods).toEqual({ upsert: [again], remove: [] });
  });
});
