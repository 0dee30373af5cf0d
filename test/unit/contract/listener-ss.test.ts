/**
 * `ss -anpltH` / `ss -anpluH` output into listeners: openshift-kni/commatrix's captures from OpenShift
 * CI nodes (../shared/node-listeners/commatrix/ci-evidence, read in place) and hand-made lines for
 * the forms those captures lack (headers, ESTAB rows, a Netid column, v4-mapped and scoped IPv6).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_NODES } from "../../../src/contract/bounds.js";
import {
  boundAddress,
  mergeNodeListeners,
  parseSsNode,
  parseSsNodes,
} from "../../../src/contract/listener-parsers/ss.js";
import type { ListenerProtocol, NodeListeners, ObservedListener } from "../../../src/contract/listeners.js";
import { sharedInputDir } from "../../helpers/shared-inputs.js";

const { dir: LISTENERS, present } = sharedInputDir("node-listeners", "NODE_LISTENERS_DIR");
const capture = (run: string, file: string) =>
  readFileSync(join(LISTENERS, "commatrix", "ci-evidence", run, file), "utf8");

function nodesOf(text: string, protocol: ListenerProtocol): NodeListeners[] {
  const parsed = parseSsNodes(text, protocol);
  if (!parsed.ok) throw new Error(parsed.message);
  expect(parsed.issues).toEqual([]);
  return parsed.value;
}

const find = (node: NodeListeners | undefined, address: string, port: number) =>
  node?.listeners.find((l) => l.address === address && l.port === port);
const distinctPorts = (listeners: ObservedListener[]) => new Set(listeners.map((l) => l.port)).size;

describe.runIf(present)("commatrix's captures from OpenShift CI nodes", () => {
  it("the bare-metal run: six node blocks, each attributed, the port counts SOURCES.md gives", () => {
    const tcp = nodesOf(capture("bm-3master-3worker-4.23", "raw-ss-tcp"), "TCP");
    const udp = nodesOf(capture("bm-3master-3worker-4.23", "raw-ss-udp"), "UDP");
    const names = ["worker-2", "worker-1", "worker-0", "master-2", "master-1", "master-0"];
    expect(tcp.map((n) => n.node)).toEqual(names);
    expect(udp.map((n) => n.node)).toEqual(names);
    expect([...tcp, ...udp].every((n) => n.attribution === "process")).toBe(true);
    expect(tcp.map((n) => distinctPorts(n.listeners))).toEqual([21, 24, 24, 41, 47, 47]);
    expect(udp.map((n) => distinctPorts(n.listeners))).toEqual([7, 7, 7, 7, 7, 9]);
    expect(new Set(tcp.flatMap((n) => n.listeners.map((l) => l.port))).size).toBe(69);
    expect(new Set(udp.flatMap((n) => n.listeners.map((l) => l.port))).size).toBe(21);
  });

  it("ovnkube holds 29103 on loopback on every node", () => {
    for (const node of nodesOf(capture("bm-3master-3worker-4.23", "raw-ss-tcp"), "TCP")) {
      expect(find(node, "127.0.0.1", 29103)).toMatchObject({ family: 4, scope: "loopback" });
      expect(find(node, "127.0.0.1", 29103)?.processes.map((p) => p.name)).toEqual(["ovnkube"]);
    }
  });

  it("Geneve's UDP 6081 is a kernel socket: no process, on 0.0.0.0 and on IPv6-only ::", () => {
    const worker = nodesOf(capture("bm-3master-3worker-4.23", "raw-ss-udp"), "UDP")[0];
    expect(find(worker, "0.0.0.0", 6081)).toEqual({
      protocol: "UDP",
      address: "0.0.0.0",
      family: 4,
      port: 6081,
      scope: "wildcard",
      processes: [],
    });
    expect(find(worker, "::", 6081)).toMatchObject({ family: 6, dualStack: false, processes: [] });
  });

  it("master-0's dnsmasq: 0.0.0.0%enp1s0:67 and a link-local [fe80::…]%enp1s0:69 keep their interface", () => {
    const master0 = nodesOf(capture("bm-3master-3worker-4.23", "raw-ss-udp"), "UDP")[5];
    expect(find(master0, "0.0.0.0", 67)).toMatchObject({ scope: "wildcard", interface: "enp1s0" });
    expect(find(master0, "fe80::2d4:2cff:fe1f:b9dd", 69)).toMatchObject({
      family: 6,
      scope: "address",
      interface: "enp1s0",
      processes: [{ name: "dnsmasq", pid: 14224 }],
    });
    expect(find(master0, "172.22.0.3", 69)).not.toHaveProperty("interface");
  });

  it("the single-node run: dual-stack *, IPv6-only [::], cut names and shared sockets", () => {
    const [node] = nodesOf(capture("bm-sno-5.0", "raw-ss-tcp"), "TCP");
    expect(node?.node).toBe("cnfdu15.upstreamci.bos2.lab");
    expect(distinctPorts(node?.listeners ?? [])).toBe(46);
    expect(find(node, "::", 10250)).toMatchObject({ family: 6, scope: "wildcard", dualStack: true });
    expect(find(node, "::", 22)).toMatchObject({
      dualStack: false,
      processes: [{ name: "sshd", pid: 3710 }],
    });
    expect(find(node, "0.0.0.0", 22)).not.toHaveProperty("dualStack");
    expect(find(node, "127.0.0.1", 8797)?.processes).toEqual([{ name: "machine-config-", pid: 15623 }]);
    expect(find(node, "0.0.0.0", 111)?.processes).toEqual([
      { name: "rpcbind", pid: 6468 },
      { name: "systemd", pid: 1 },
    ]);
    expect(find(node, "192.168.17.17", 9100)).toMatchObject({ scope: "address" });
    const [udp] = nodesOf(capture("bm-sno-5.0", "raw-ss-udp"), "UDP");
    expect(find(udp, "::1", 323)).toMatchObject({ family: 6, scope: "loopback" });
  });

  it("merges a capture's TCP and UDP files into one set per node", () => {
    const merged = mergeNodeListeners(
      nodesOf(capture("bm-3master-3worker-4.23", "raw-ss-tcp"), "TCP"),
      nodesOf(capture("bm-3master-3worker-4.23", "raw-ss-udp"), "UDP"),
    );
    expect(merged.ok && merged.value.map((n) => [n.node, n.listeners.length])).toEqual([
      ["worker-2", 23 + 10],
      ["worker-1", 26 + 10],
      ["worker-0", 26 + 10],
      ["master-2", 43 + 10],
      ["master-1", 49 + 10],
      ["master-0", 49 + 13],
    ]);
  });

  it("reads one node's block as a file of its own", () => {
    const text = capture("bm-sno-5.0", "raw-ss-udp").split("\n").slice(1).join("\n");
    const parsed = parseSsNode("cnfdu15", text, "UDP");
    expect(parsed.ok && [parsed.value.node, parsed.value.listeners.length, parsed.skipped]).toEqual([
      "cnfdu15",
      9,
      0,
    ]);
  });
});

describe("ss's Local Address:Port forms", () => {
  it.each<[string, Record<string, unknown>]>([
    ["0.0.0.0:22", { address: "0.0.0.0", family: 4, port: 22, scope: "wildcard" }],
    ["127.0.0.1:29103", { address: "127.0.0.1", family: 4, port: 29103, scope: "loopback" }],
    ["*:10250", { address: "::", family: 6, port: 10250, scope: "wildcard", dualStack: true }],
    ["[::]:22", { address: "::", family: 6, port: 22, scope: "wildcard", dualStack: false }],
    [":::22", { address: "::", family: 6, port: 22, scope: "wildcard", dualStack: false }],
    ["[::1]:323", { address: "::1", family: 6, port: 323, scope: "loopback" }],
    ["[::ffff:127.0.0.1]:8080", { address: "127.0.0.1", family: 6, port: 8080, scope: "loopback" }],
    [
      "0.0.0.0%enp1s0:67",
      { address: "0.0.0.0", family: 4, port: 67, scope: "wildcard", interface: "enp1s0" },
    ],
    ["[fe80::1]%br-ex:69", { address: "fe80::1", family: 6, port: 69, scope: "address", interface: "br-ex" }],
    ["[fe80::1%eth0]:69", { address: "fe80::1", family: 6, port: 69, scope: "address", interface: "eth0" }],
    ["*%eth0:53", { address: "::", port: 53, dualStack: true, interface: "eth0" }],
    ["[FE80::0001]:69", { address: "fe80::1", port: 69 }],
  ])("%s", (text, expected) => expect(boundAddress(text)).toMatchObject(expected));

  it.each([
    "0.0.0.0:0",
    "0.0.0.0:65536",
    "0.0.0.0:*",
    "22",
    ":22",
    "[::1:22",
    "[::1]x:22",
    "[fe80::1%a]%b:69",
    "0.0.0.0%:67",
    "0.0.0.0%a b:67",
    "localhost:22",
    "1.2.3:22",
  ])("refuses %j with a reason", (text) => expect(typeof boundAddress(text)).toBe("string"));
});

describe("ss rows", () => {
  const ssWithHeader = [
    "State     Recv-Q Send-Q   Local Address:Port    Peer Address:Port Process",
    'LISTEN    0      128            0.0.0.0:22           0.0.0.0:*     users:(("sshd",pid=901,fd=3))',
    'ESTAB     0      0            10.0.0.28:22          10.0.0.9:56779 users:(("sshd",pid=4711,fd=4))',
    "TIME-WAIT 0      0            10.0.0.28:41234       10.0.0.1:443",
    'LISTEN    0      4096 [::ffff:127.0.0.1]:8080              *:*     users:(("java",pid=77,fd=9))',
    "UNCONN    0      0              0.0.0.0:6081         0.0.0.0:*",
  ].join("\n");

  it("passes over the header and rows not listening (ss without -H or -l)", () => {
    const parsed = parseSsNode("n1", ssWithHeader, "TCP");
    expect(parsed.ok && parsed.skipped).toBe(0);
    expect(parsed.ok && parsed.value.listeners.map((l) => `${l.address}:${l.port}/${l.family}`)).toEqual([
      "0.0.0.0:22/4",
      "127.0.0.1:8080/6",
    ]);
    expect(parsed.ok && parsed.value.attribution).toBe("process");
  });

  it("takes UNCONN rows as UDP listeners, and a node without users: as unattributed", () => {
    const parsed = parseSsNode("n1", ssWithHeader.split("\n").slice(5).join("\n"), "UDP");
    expect(parsed.ok && parsed.value).toEqual({
      node: "n1",
      attribution: "none",
      listeners: [
        { protocol: "UDP", address: "0.0.0.0", family: 4, port: 6081, scope: "wildcard", processes: [] },
      ],
    });
  });

  it("follows a Netid column (ss -tu) for each row's protocol", () => {
    const text = [
      "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process",
      "udp   UNCONN 0      0            0.0.0.0:53        0.0.0.0:*",
      "tcp   LISTEN 0      128          0.0.0.0:53        0.0.0.0:*",
      "udp   LISTEN 0      0            0.0.0.0:54        0.0.0.0:*",
    ].join("\n");
    const parsed = parseSsNode("n1", text, "TCP");
    expect(parsed.ok && parsed.value.listeners.map((l) => `${l.protocol} ${l.port}`)).toEqual([
      "UDP 53",
      "TCP 53",
    ]);
  });

  it("merges duplicate rows (SO_REUSEPORT) into one listener with every process once", () => {
    const text = [
      'LISTEN 0 4096 *:53 *:* users:(("coredns",pid=1,fd=3))',
      'LISTEN 0 4096 *:53 *:* users:(("coredns",pid=1,fd=4),("coredns",pid=2,fd=4))',
    ].join("\n");
    const parsed = parseSsNode("n1", text, "TCP");
    expect(parsed.ok && parsed.value.listeners.map((l) => l.processes)).toEqual([
      [
        { name: "coredns", pid: 1 },
        { name: "coredns", pid: 2 },
      ],
    ]);
  });

  it("skips malformed lines and rows outside a node block, with line numbers", () => {
    const text = [
      "LISTEN 0 128 0.0.0.0:1 0.0.0.0:*",
      "node: worker-a",
      "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*",
      "LISTEN x 128 0.0.0.0:23 0.0.0.0:*",
      "BOGUS 0 128 0.0.0.0:24 0.0.0.0:*",
      "LISTEN 0 128 nowhere:25 0.0.0.0:*",
      "LISTEN 0 128 0.0.0.0:26",
      "node: Not_A_Node",
      "LISTEN 0 128 0.0.0.0:27 0.0.0.0:*",
      "node: worker-b",
      "LISTEN 0 128 0.0.0.0:28 0.0.0.0:*",
    ].join("\n");
    const parsed = parseSsNodes(text, "TCP");
    expect(parsed.ok && parsed.value.map((n) => [n.node, n.listeners.map((l) => l.port)])).toEqual([
      ["worker-a", [22]],
      ["worker-b", [28]],
    ]);
    expect(parsed.ok && parsed.issues.map((issue) => issue.line)).toEqual([1, 4, 5, 6, 7, 8]);
    expect(parsed.ok && parsed.skipped).toBe(7);
  });

  it("merges blocks that name one node twice (files concatenated)", () => {
    const text =
      "node: a\nLISTEN 0 1 0.0.0.0:1 0.0.0.0:*\nnode: b\nnode: a\nLISTEN 0 1 0.0.0.0:2 0.0.0.0:*\n";
    const parsed = parseSsNodes(text, "TCP");
    expect(parsed.ok && parsed.value.map((n) => [n.node, n.listeners.length])).toEqual([
      ["a", 2],
      ["b", 0],
    ]);
  });

  it(`refuses a text naming more than ${MAX_NODES} nodes`, () => {
    const text = Array.from({ length: MAX_NODES + 1 }, (_, i) => `node: n${i}`).join("\n");
    expect(parseSsNodes(text, "UDP")).toMatchObject({
      ok: false,
      code: "TOO_MANY_NODES",
      line: MAX_NODES + 1,
    });
  });
});
