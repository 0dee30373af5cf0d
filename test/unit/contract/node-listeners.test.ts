/**
 * Node listener reports in the snapshot contract (src/contract/listener-schema.ts): normalised
 * addresses with a derived scope, the rules across reports, the bounds with their codes, deltas, and
 * the state hash (a state without reports hashes as before).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalState, stateHash } from "../../../src/contract/canonical.js";
import { mergeNodeListeners, parseSsNodes } from "../../../src/contract/listener-parsers/ss.js";
import type { NodeListeners } from "../../../src/contract/listeners.js";
import {
  MAX_LISTENERS,
  MAX_LISTENERS_PER_NODE,
  parseDelta,
  parseSnapshot,
  snapshotJsonSchema,
} from "../../../src/contract/snapshot.js";
import { sharedInputDir } from "../../helpers/shared-inputs.js";

const node = (name: string) => ({ name, ready: true });
const body = (extra: object, nodes = [node("n1")]) => ({
  schemaVersion: 1,
  cluster: "c",
  observedAt: "2026-01-01T00:00:00Z",
  nodes,
  pods: [],
  ...extra,
});
const report = (listeners: object[], name = "n1", extra: object = {}) => ({
  node: name,
  listeners,
  ...extra,
});
const tcp = (address: string, port: number, extra: object = {}) => ({
  protocol: "TCP",
  address,
  port,
  ...extra,
});

function accepted(input: unknown) {
  const parsed = parseSnapshot(input);
  if (!parsed.ok) throw new Error(`${parsed.code}: ${parsed.message}`);
  return parsed.snapshot;
}
const refusedCode = (input: unknown) => {
  const parsed = parseSnapshot(input);
  return parsed.ok ? "accepted" : parsed.code;
};

describe("a node listener report", () => {
  it.each([
    ["0.0.0.0", undefined, { address: "0.0.0.0", family: 4, scope: "wildcard" }],
    ["127.0.0.1", undefined, { address: "127.0.0.1", family: 4, scope: "loopback" }],
    ["127.0.0.53", undefined, { address: "127.0.0.53", family: 4, scope: "loopback" }],
    ["10.0.0.5", undefined, { address: "10.0.0.5", family: 4, scope: "address" }],
    ["0:0:0:0:0:0:0:0", undefined, { address: "::", family: 6, scope: "wildcard" }],
    ["::1", undefined, { address: "::1", family: 6, scope: "loopback" }],
    [
      "FE80::56E1:ADFF:FE7C:6609",
      undefined,
      { address: "fe80::56e1:adff:fe7c:6609", family: 6, scope: "address" },
    ],
    ["::ffff:127.0.0.1", undefined, { address: "127.0.0.1", family: 6, scope: "loopback" }],
    ["127.0.0.1", 6, { address: "127.0.0.1", family: 6, scope: "loopback" }],
  ] as const)(
    "stores %s (family %s) in canonical form with its scope derived",
    (address, family, expected) => {
      const snapshot = accepted(
        body({ nodeListeners: [report([tcp(address, 22, family ? { family } : {})])] }),
      );
      expect(snapshot.nodeListeners?.[0]?.listeners[0]).toMatchObject({
        ...expected,
        port: 22,
        processes: [],
      });
    },
  );

  it("ignores a scope the sender got wrong: the address decides", () => {
    const snapshot = accepted(
      body({ nodeListeners: [report([tcp("127.0.0.1", 29103, { scope: "wildcard" })])] }),
    );
    expect(snapshot.nodeListeners?.[0]?.listeners[0]?.scope).toBe("loopback");
  });

  it("keeps dualStack only on an IPv6 wildcard, where it means something", () => {
    const snapshot = accepted(
      body({
        nodeListeners: [
          report([tcp("::", 80, { dualStack: true }), tcp("10.0.0.5", 81, { dualStack: true })]),
        ],
      }),
    );
    const [wildcard, specific] = snapshot.nodeListeners?.[0]?.listeners ?? [];
    expect(wildcard?.dualStack).toBe(true);
    expect(specific && "dualStack" in specific).toBe(false);
  });

  it("defaults attribution to none and keeps processes, pod, interface and the local port range", () => {
    const snapshot = accepted(
      body({
        nodeListeners: [
          report(
            [
              {
                protocol: "UDP",
                address: "0.0.0.0",
                port: 67,
                interface: "enp1s0",
                processes: [{ name: "dnsmasq", pid: 812 }],
                pod: { namespace: "openshift-ovn-kubernetes", name: "ovnkube-node-x", container: "ovnkube" },
              },
            ],
            "n1",
            { localPortRange: { from: 32768, to: 60999 } },
          ),
        ],
      }),
    );
    expect(snapshot.nodeListeners?.[0]).toMatchObject({
      node: "n1",
      attribution: "none",
      localPortRange: { from: 32768, to: 60999 },
      listeners: [
        {
          interface: "enp1s0",
          processes: [{ name: "dnsmasq", pid: 812 }],
          pod: { namespace: "openshift-ovn-kubernetes", name: "ovnkube-node-x", container: "ovnkube" },
        },
      ],
    });
  });

  it.each([
    ["an address that is not one", report([tcp("10.0.0.256", 22)]), "INVALID_ADDRESS"],
    ["a host name for an address", report([tcp("localhost", 22)]), "INVALID_ADDRESS"],
    ["family 4 on an IPv6 address", report([tcp("::1", 22, { family: 4 })]), "INVALID_ADDRESS"],
    ["port 0", report([tcp("0.0.0.0", 0)]), "PORT_OUT_OF_RANGE"],
    ["port 65536", report([tcp("0.0.0.0", 65536)]), "PORT_OUT_OF_RANGE"],
    [
      "SCTP (no socket table the reader reads)",
      report([{ ...tcp("0.0.0.0", 22), protocol: "SCTP" }]),
      "UNKNOWN_PROTOCOL",
    ],
    [
      "a process name longer than the kernel's 15",
      report([tcp("0.0.0.0", 22, { processes: [{ name: "machine-config-daemon" }] })]),
      "INVALID_SNAPSHOT",
    ],
    [
      "a local port range upside down",
      report([], "n1", { localPortRange: { from: 60999, to: 32768 } }),
      "INVALID_SNAPSHOT",
    ],
    ["a node name that is not one", report([], "N_1"), "INVALID_NAME"],
    ["the same listener twice", report([tcp("0.0.0.0", 22), tcp("0.0.0.0", 22)]), "DUPLICATE_LISTENER"],
  ] as const)("refuses $0 with $2", (_what, bad, code) => {
    expect(refusedCode(body({ nodeListeners: [bad] }))).toBe(code);
  });

  it("takes one address on two interfaces, or in two families, as two listeners", () => {
    const snapshot = accepted(
      body({
        nodeListeners: [
          report([
            tcp("0.0.0.0", 67, { interface: "eth0" }),
            tcp("0.0.0.0", 67, { interface: "eth1" }),
            tcp("127.0.0.1", 9, {}),
            tcp("127.0.0.1", 9, { family: 6 }),
          ]),
        ],
      }),
    );
    expect(snapshot.nodeListeners?.[0]?.listeners).toHaveLength(4);
  });

  it("refuses a report for a node the snapshot does not hold, and two reports for one node", () => {
    expect(refusedCode(body({ nodeListeners: [report([], "elsewhere")] }))).toBe("UNKNOWN_NODE");
    expect(refusedCode(body({ nodeListeners: [report([]), report([])] }))).toBe("DUPLICATE_NODE");
  });

  it(`refuses more than ${MAX_LISTENERS_PER_NODE} listeners on one node with TOO_MANY_LISTENERS`, () => {
    const many = Array.from({ length: MAX_LISTENERS_PER_NODE + 1 }, (_, i) =>
      tcp("10.0.0.5", 1 + (i % 65535)),
    );
    expect(refusedCode(body({ nodeListeners: [report(many)] }))).toBe("TOO_MANY_LISTENERS");
  });

  it(`refuses more than ${MAX_LISTENERS} listeners in all reports together with TOO_MANY_LISTENERS`, () => {
    const perNode = MAX_LISTENERS_PER_NODE;
    const nodeCount = Math.floor(MAX_LISTENERS / perNode) + 1;
    const listeners = Array.from({ length: perNode }, (_, i) => tcp("0.0.0.0", 1 + i));
    const names = Array.from({ length: nodeCount }, (_, i) => `n${i}`);
    const input = body({ nodeListeners: names.map((name) => report(listeners, name)) }, names.map(node));
    const parsed = parseSnapshot(input);
    expect(parsed.ok ? "accepted" : parsed.code).toBe("TOO_MANY_LISTENERS");
    expect(parsed.ok ? "" : parsed.message).toContain(`at most ${MAX_LISTENERS} in total`);
  });

  it("is part of the published JSON Schema", () => {
    const schema = JSON.stringify(snapshotJsonSchema());
    expect(schema).toContain('"nodeListeners"');
    expect(schema).toContain('"localPortRange"');
  });
});

describe("the state hash with node listener reports", () => {
  const hashOf = (input: unknown) => stateHash(canonicalState(accepted(input)));

  it("is unchanged for a snapshot without reports, whether the field is absent or empty", () => {
    expect(hashOf(body({ nodeListeners: [] }))).toBe(hashOf(body({})));
  });

  it("covers the reports: a listener more is another state", () => {
    const without = hashOf(body({ nodeListeners: [report([])] }));
    expect(hashOf(body({ nodeListeners: [report([tcp("0.0.0.0", 22)])] }))).not.toBe(without);
    // observed with nothing listening is not the same state as not observed
    expect(without).not.toBe(hashOf(body({})));
  });

  it("does not depend on the order of reports, listeners or processes", () => {
    const nodes = [node("a"), node("b")];
    const a = report(
      [
        tcp("0.0.0.0", 22, {
          processes: [
            { name: "sshd", pid: 2 },
            { name: "sshd", pid: 1 },
          ],
        }),
        tcp("::1", 9),
      ],
      "a",
    );
    const b = report([tcp("127.0.0.1", 29103)], "b");
    const shuffled = {
      ...a,
      listeners: [...a.listeners]
        .reverse()
        .map((l) => ({ ...l, processes: [...((l as { processes?: object[] }).processes ?? [])].reverse() })),
    };
    expect(hashOf(body({ nodeListeners: [a, b] }, nodes))).toBe(
      hashOf(body({ nodeListeners: [b, shuffled] }, nodes)),
    );
  });
});

describe("node listener reports in a delta", () => {
  const delta = (nodeListeners: object) => ({
    schemaVersion: 1,
    cluster: "c",
    observedAt: "2026-01-01T00:00:00Z",
    delta: { base: "0".repeat(64), hash: "1".repeat(64), nodeListeners },
  });

  it("upserts whole reports and removes them by node name", () => {
    const parsed = parseDelta(delta({ upsert: [report([tcp("0:0::0", 22)])], remove: ["n2"] }));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.delta.delta.nodeListeners.upsert[0]?.listeners[0]).toMatchObject({
      address: "::",
      scope: "wildcard",
    });
    expect(parsed.delta.delta.nodeListeners.remove).toEqual(["n2"]);
  });

  it("defaults to no change when a delta says nothing of listeners", () => {
    const parsed = parseDelta(delta(undefined as unknown as object));
    expect(parsed.ok && parsed.delta.delta.nodeListeners).toEqual({ upsert: [], remove: [] });
  });

  it("refuses a report both upserted and removed, and a bad listener in an upsert, naming the path", () => {
    const both = parseDelta(delta({ upsert: [report([])], remove: ["n1"] }));
    expect(both.ok ? "accepted" : both.code).toBe("DUPLICATE_NODE");
    const bad = parseDelta(delta({ upsert: [report([tcp("nope", 22)])] }));
    expect(bad.ok ? "accepted" : bad.issues[0]?.path).toBe(
      "delta.nodeListeners.upsert.0.listeners.0.address",
    );
  });
});

const { dir: LISTENERS, present } = sharedInputDir("node-listeners", "NODE_LISTENERS_DIR");

describe.runIf(present)("reports built from commatrix's bare-metal capture", () => {
  it("pass the contract unchanged: what the parsers build is what a snapshot may carry", () => {
    const run = join(LISTENERS, "commatrix", "ci-evidence", "bm-3master-3worker-4.23");
    const parts = (["TCP", "UDP"] as const).map((protocol) => {
      const parsed = parseSsNodes(
        readFileSync(join(run, `raw-ss-${protocol.toLowerCase()}`), "utf8"),
        protocol,
      );
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.value;
    });
    const merged = mergeNodeListeners(...parts);
    if (!merged.ok) throw new Error(merged.message);
    const reports: NodeListeners[] = merged.value;
    const snapshot = accepted(
      body(
        { nodeListeners: reports },
        reports.map((r) => node(r.node)),
      ),
    );
    const listenersOf = (list: readonly NodeListeners[]) =>
      list.map((r) => [r.node, r.listeners.length]).sort();
    expect(listenersOf(snapshot.nodeListeners ?? [])).toEqual(listenersOf(reports));
    expect(stateHash(canonicalState(snapshot))).toBe(
      stateHash(
        canonicalState({ ...snapshot, nodeListeners: [...(snapshot.nodeListeners ?? [])].reverse() }),
      ),
    );
    for (const [i, r] of reports.entries()) {
      expect(snapshot.nodeListeners?.[i]?.listeners).toEqual(r.listeners);
    }
  });
});
