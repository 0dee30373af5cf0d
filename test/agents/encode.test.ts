import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collectPod, Interner } from "../../agents/src/collect/canonical.js";
import { encodeSnapshot } from "../../agents/src/collect/encode.js";
import { assembleSnapshot, collectSnapshot } from "../../agents/src/collect/snapshot.js";
import { canonicalNode, canonicalPod, canonicalState, stateHash } from "../../src/contract/canonical.js";
import { parseSnapshot } from "../../src/contract/snapshot.js";
import { snapshotOf, stateArb } from "../property/states.js";
import {
  fixtureIngressControllers,
  fixtureNodes,
  fixturePod,
  fixturePodNames,
  fixturePods,
} from "./helpers/fixtures.js";

const meta = {
  cluster: "prod-eu-1",
  observedAt: new Date("2026-11-27T10:00:00Z"),
  agent: { version: "test", mode: "file" },
};

async function encoded(nodes = fixtureNodes(), pods = fixturePods()) {
  const { snapshot } = collectSnapshot(meta, nodes, pods);
  return { snapshot, ...(await encodeSnapshot(snapshot, snapshot.nodes, snapshot.pods)) };
}

describe("encoding a snapshot in one pass", () => {
  it("gives the hash the server computes for the same snapshot", async () => {
    const { snapshot, hash } = await encoded();
    const parsed = parseSnapshot(snapshot);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(hash).toBe(stateHash(canonicalState(parsed.snapshot)));
  });

  it("gives a gzipped body that is the snapshot, and that the contract accepts", async () => {
    const { snapshot, body } = await encoded();
    const sent = JSON.parse(gunzipSync(body).toString("utf8"));
    expect(sent).toEqual(snapshot);
    expect(parseSnapshot(sent).ok).toBe(true);
  });

  it("does not depend on the order the objects were listed in", async () => {
    const a = await encoded();
    const b = await encoded(fixtureNodes().reverse(), fixturePods().reverse());
    expect(b.hash).toBe(a.hash);
    expect(gunzipSync(b.body)).toEqual(gunzipSync(a.body));
  });

  it("changes the hash with the state, not with observedAt", async () => {
    const a = await encoded();
    const { snapshot } = collectSnapshot(meta, fixtureNodes(), fixturePods());
    const later = await encodeSnapshot(
      { ...snapshot, observedAt: "2026-11-27T11:00:00.000Z" },
      snapshot.nodes,
      snapshot.pods,
    );
    expect(later.hash).toBe(a.hash);
    const fewer = await encoded(fixtureNodes(), fixturePods().slice(1));
    expect(fewer.hash).not.toBe(a.hash);
  });

  it("stays correct for a large cluster written in many chunks", async () => {
    const pods = Array.from({ length: 3000 }, (_, i) => {
      const pod = fixturePod("node-exporter");
      pod.metadata.name = `exporter-${i}`;
      return pod;
    });
    const { snapshot, hash, body } = await encoded(fixtureNodes(), pods);
    expect(JSON.parse(gunzipSync(body).toString("utf8")).pods).toHaveLength(3000);
    const parsed = parseSnapshot(snapshot);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(hash).toBe(stateHash(canonicalState(parsed.snapshot)));
  });
});

/** The server's reading of a body: parsed by the contract, then hashed by the contract's one implementation. */
function serverHash(body: Buffer): string {
  const parsed = parseSnapshot(JSON.parse(gunzipSync(body).toString("utf8")));
  if (!parsed.ok) throw new Error(parsed.message);
  return stateHash(canonicalState(parsed.snapshot));
}

describe("the streaming encoder against the contract's state hash", () => {
  it.each(fixturePodNames())("agrees on the fixture %s with every node", async (name) => {
    const { hash, body } = await encoded(fixtureNodes(), [fixturePod(name)]);
    expect(hash).toBe(serverHash(body));
  });

  it("agrees on generated snapshots, whatever order their objects and lists came in", async () => {
    await fc.assert(
      fc.asyncProperty(stateArb, async (state) => {
        const input = snapshotOf("prod-eu-1", "2026-11-27T10:00:00Z", state);
        const parsed = parseSnapshot(input);
        if (!parsed.ok) throw new Error(parsed.message);
        // The agent's path: each object made canonical on its own, then the lists sorted.
        const { snapshot } = assembleSnapshot(
          meta,
          parsed.snapshot.nodes.map(canonicalNode),
          parsed.snapshot.pods.map(canonicalPod),
        );
        const { hash, body } = await encodeSnapshot(snapshot, snapshot.nodes, snapshot.pods);
        expect(hash).toBe(serverHash(body));
        expect(hash).toBe(stateHash(canonicalState({ ...parsed.snapshot, cluster: meta.cluster })));
      }),
      { numRuns: 200 },
    );
  });
});

describe("encoding a snapshot with IngressControllers", () => {
  const withControllers = async (controllers = fixtureIngressControllers()) => {
    const { snapshot } = collectSnapshot(meta, fixtureNodes(), fixturePods(), controllers);
    return {
      snapshot,
      ...(await encodeSnapshot(snapshot, snapshot.nodes, snapshot.pods, snapshot.ingressControllers)),
    };
  };

  it("gives the hash the server computes, and a body carrying them that the contract accepts", async () => {
    const { snapshot, hash, body } = await withControllers();
    const sent = JSON.parse(gunzipSync(body).toString("utf8"));
    expect(sent.ingressControllers.map((ic: { name: string }) => ic.name)).toEqual([
      "default",
      "internal-apps",
      "partner-lb",
    ]);
    expect(sent).toEqual(snapshot);
    expect(hash).toBe(serverHash(body));
  });

  it("does not depend on the order they were listed in, and changes with any of them", async () => {
    const a = await withControllers();
    const b = await withControllers(fixtureIngressControllers().reverse());
    expect(b.hash).toBe(a.hash);
    const scaled = fixtureIngressControllers();
    (scaled[0] as { spec: { replicas: number } }).spec.replicas = 3;
    expect((await withControllers(scaled)).hash).not.toBe(a.hash);
  });

  it("hashes none exactly as a plain Kubernetes snapshot, which leaves the key out", async () => {
    const plain = await encoded();
    const none = await withControllers([]);
    expect(none.hash).toBe(plain.hash);
    expect(JSON.parse(gunzipSync(plain.body).toString("utf8"))).not.toHaveProperty("ingressControllers");
    expect((await withControllers()).hash).not.toBe(plain.hash);
  });
});

describe("interning repeated parts of pods", () => {
  it("shares one tolerations list between pods of a DaemonSet without changing any value", () => {
    const interner = new Interner();
    const a = fixturePod("node-exporter");
    const b = fixturePod("node-exporter");
    b.metadata.name = "other";
    const pa = collectPod(a, interner);
    const pb = collectPod(b, interner);
    expect(pa?.tolerations).toBe(pb?.tolerations);
    expect(pa).toEqual(collectPod(a));
  });

  it("starts over when full, still giving equal values", () => {
    const interner = new Interner(2);
    const values = [{ a: 1 }, { b: 2 }, { c: 3 }, { a: 1 }];
    expect(values.map((v) => interner.intern(v))).toEqual(values);
  });
});
