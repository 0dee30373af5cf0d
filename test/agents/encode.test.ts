import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collectPod, Interner } from "../../agents/src/collect/canonical.js";
import { encodeSnapshot } from "../../agents/src/collect/encode.js";
import { assembleSnapshot, collectSnapshot } from "../../agents/src/collect/snapshot.js";
import { canonicalNode, canonicalPod, canonicalState, stateHash } from "../../src/contract/canonical.js";
import { textAddress } from "../../src/contract/listener-parsers/address.js";
import { listenerKey, type NodeListeners, type ObservedListener } from "../../src/contract/listeners.js";
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
  it("shares one tolerations list and one ports list between pods of a DaemonSet without changing any value", () => {
    const interner = new Interner();
    const a = fixturePod("node-exporter");
    const b = fixturePod("node-exporter");
    b.metadata.name = "other";
    const pa = collectPod(a, interner);
    const pb = collectPod(b, interner);
    expect(pa?.tolerations).toBe(pb?.tolerations);
    expect(pa?.ports).toBe(pb?.ports);
    expect(pa).toEqual(collectPod(a));
  });

  it("starts over when full, still giving equal values", () => {
    const interner = new Interner(2);
    const values = [{ a: 1 }, { b: 2 }, { c: 3 }, { a: 1 }];
    expect(values.map((v) => interner.intern(v))).toEqual(values);
  });
});

describe("encoding a snapshot with node listener reports", () => {
  const listener = (
    protocol: "TCP" | "UDP",
    text: string,
    port: number,
    extra: Partial<ObservedListener> = {},
  ): ObservedListener => {
    const address = textAddress(text);
    if (!address) throw new Error(text);
    return {
      protocol,
      ...address,
      family: text.includes(":") ? 6 : address.family,
      port,
      processes: [],
      ...extra,
    };
  };
  /** Listeners and processes deliberately out of the contract's order, as a reader may list them. */
  const reports = (): NodeListeners[] => [
    {
      node: "worker-1",
      attribution: "process",
      localPortRange: { from: 32768, to: 60999 },
      listeners: [
        listener("UDP", "::", 6081),
        listener("TCP", "::", 22, { dualStack: false, processes: [{ name: "sshd", pid: 9 }] }),
        listener("TCP", "0.0.0.0", 22, { processes: [{ name: "sshd", pid: 9 }] }),
        listener("TCP", "127.0.0.1", 29103, {
          processes: [
            { name: "ovnkube", pid: 30 },
            { name: "ovnkube", pid: 4 },
          ],
        }),
        listener("UDP", "0.0.0.0", 67, { interface: "enp1s0", processes: [{ name: "dnsmasq" }] }),
      ],
    },
    { node: "master-0", attribution: "none", listeners: [listener("TCP", "::ffff:127.0.0.1", 10248)] },
    { node: "master-1", attribution: "none", listeners: [] },
  ];

  const withReports = async (given: NodeListeners[] | undefined, nodes = fixtureNodes()) => {
    const assembled = collectSnapshot(meta, nodes, fixturePods(), undefined, given);
    const { snapshot } = assembled;
    return {
      assembled,
      ...(await encodeSnapshot(snapshot, snapshot.nodes, snapshot.pods, [], snapshot.nodeListeners)),
    };
  };

  it("writes them in the contract's order, with the hash the server computes from the parsed body", async () => {
    const { assembled, hash, body } = await withReports(reports());
    const sent = JSON.parse(gunzipSync(body).toString("utf8"));
    expect(sent.nodeListeners.map((r: NodeListeners) => r.node)).toEqual([
      "master-0",
      "master-1",
      "worker-1",
    ]);
    const worker = sent.nodeListeners[2] as NodeListeners;
    expect(worker.listeners.map(listenerKey)).toEqual(worker.listeners.map(listenerKey).sort());
    expect(worker.listeners.find((l) => l.port === 29103)?.processes).toEqual([
      { name: "ovnkube", pid: 4 },
      { name: "ovnkube", pid: 30 },
    ]);
    expect(sent).toEqual(assembled.snapshot);
    expect(hash).toBe(serverHash(body));
  });

  it("does not depend on the order reports, listeners and processes came in", async () => {
    const a = await withReports(reports());
    const shuffled = reports()
      .reverse()
      .map((r) => ({
        ...r,
        listeners: [...r.listeners].reverse().map((l) => ({ ...l, processes: [...l.processes].reverse() })),
      }));
    const b = await withReports(shuffled);
    expect(b.hash).toBe(a.hash);
    expect(gunzipSync(b.body)).toEqual(gunzipSync(a.body));
  });

  it("hashes no report as before and leaves the key out; an observed node with no listeners is another state", async () => {
    const plain = await encoded();
    const none = await withReports(undefined);
    expect(none.hash).toBe(plain.hash);
    expect(JSON.parse(gunzipSync(none.body).toString("utf8"))).not.toHaveProperty("nodeListeners");
    const empty = await withReports([{ node: "master-1", attribution: "none", listeners: [] }]);
    expect(empty.hash).not.toBe(plain.hash);
    expect(empty.hash).toBe(serverHash(empty.body));
  });

  it("leaves out the report of a node the node list does not hold, and says which", async () => {
    const nodes = fixtureNodes().filter((n) => n.metadata.name !== "worker-1");
    const { assembled, body } = await withReports(reports(), nodes);
    expect(assembled.orphanReports).toEqual(["worker-1"]);
    const sent = JSON.parse(gunzipSync(body).toString("utf8"));
    expect(sent.nodeListeners.map((r: NodeListeners) => r.node)).toEqual(["master-0", "master-1"]);
    expect(parseSnapshot(sent).ok).toBe(true);
  });

  it("agrees with the server on generated reports, whatever order they came in", async () => {
    const addresses = ["0.0.0.0", "127.0.0.1", "10.0.0.5", "::", "::1", "fe80::1", "::ffff:127.0.0.1"];
    const arbListener = fc
      .record({
        protocol: fc.constantFrom("TCP" as const, "UDP" as const),
        text: fc.constantFrom(...addresses),
        port: fc.integer({ min: 1, max: 65_535 }),
        dualStack: fc.option(fc.boolean(), { nil: undefined }),
        interface: fc.option(fc.constantFrom("eth0", "enp1s0"), { nil: undefined }),
        processes: fc.array(
          fc.record({
            name: fc.constantFrom("sshd", "crio", "machine-config-"),
            pid: fc.option(fc.integer({ min: 1, max: 99_999 }), { nil: undefined }),
          }),
          { maxLength: 3 },
        ),
      })
      .map(({ protocol, text, port, dualStack, interface: iface, processes }) =>
        listener(protocol, text, port, {
          ...(dualStack !== undefined && text === "::" ? { dualStack } : {}),
          ...(iface ? { interface: iface } : {}),
          processes: processes.map((p) =>
            p.pid === undefined ? { name: p.name } : { name: p.name, pid: p.pid },
          ),
        }),
      );
    const arbReports = fc.uniqueArray(
      fc.record({
        node: fc.constantFrom(...fixtureNodes().map((n) => n.metadata.name as string)),
        attribution: fc.constantFrom("none" as const, "process" as const),
        listeners: fc.uniqueArray(arbListener, { selector: listenerKey, maxLength: 12 }),
      }),
      { selector: (r) => r.node, maxLength: 6 },
    );
    await fc.assert(
      fc.asyncProperty(arbReports, async (given) => {
        const { hash, body } = await withReports(given);
        expect(hash).toBe(serverHash(body));
      }),
      { numRuns: 100 },
    );
  });
});
