/**
 * /proc/net text into listeners: the real and hand-made fixtures of ../shared/node-listeners (procfs,
 * jc, node_exporter; read in place), the kernel's quirks (repeated headers, padding, TIME_WAIT's short
 * rows), malformed lines and the per-node bound.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_LISTENERS_PER_NODE } from "../../../src/contract/bounds.js";
import {
  parseLocalPortRange,
  parseProcNet,
  parseProcNetNode,
} from "../../../src/contract/listener-parsers/proc-net.js";
import type { ListenerProtocol, ObservedListener } from "../../../src/contract/listeners.js";
import { sharedInputDir } from "../../helpers/shared-inputs.js";

const { dir: LISTENERS, present } = sharedInputDir("node-listeners", "NODE_LISTENERS_DIR");
const fixture = (path: string) => readFileSync(join(LISTENERS, path), "utf8");

/** [address, family, port, scope] of each listener, in file order */
const brief = (listeners: ObservedListener[]) => listeners.map((l) => [l.address, l.family, l.port, l.scope]);

function listenersOf(text: string, protocol: ListenerProtocol): ObservedListener[] {
  const parsed = parseProcNet(text, protocol);
  if (!parsed.ok) throw new Error(parsed.message);
  expect(parsed.skipped).toBe(0);
  return parsed.value;
}

const HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const row = (sl: number, local: string, remote: string, st: string, inode = 100) =>
  `${String(sl).padStart(4)}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`;

describe.runIf(present)("the /proc/net fixtures of ../shared/node-listeners", () => {
  it("procfs tcp: sshd on 10.0.0.5 and on 0.0.0.0, the repeated 0.0.0.0:22 row merged", () => {
    expect(brief(listenersOf(fixture("procfs/proc-net-tcp"), "TCP"))).toEqual([
      ["10.0.0.5", 4, 22, "address"],
      ["0.0.0.0", 4, 22, "wildcard"],
    ]);
  });

  it("procfs tcp6 holds no TCP listener (both rows are state 07)", () => {
    expect(listenersOf(fixture("procfs/proc-net-tcp6"), "TCP")).toEqual([]);
  });

  it("procfs udp6: :: 5355 (LLMNR) and a link-local 51073, without dual-stack or processes", () => {
    const listeners = listenersOf(fixture("procfs/proc-net-udp6"), "UDP");
    expect(brief(listeners)).toEqual([
      ["::", 6, 5355, "wildcard"],
      ["fe80::56e1:adff:fe7c:6609", 6, 51073, "address"],
    ]);
    for (const l of listeners) {
      expect(l).not.toHaveProperty("dualStack");
      expect(l.processes).toEqual([]);
    }
  });

  it("procfs udp (a copy of the tcp file, state 0A) and node_exporter's udp hold no UDP listener", () => {
    expect(listenersOf(fixture("procfs/proc-net-udp"), "UDP")).toEqual([]);
    expect(listenersOf(fixture("node_exporter/proc-net-udp"), "UDP")).toEqual([]);
  });

  it("jc's two concatenated captures: the four LISTEN rows among ESTABLISHED, FIN_WAIT1 and TIME_WAIT", () => {
    expect(brief(listenersOf(fixture("jc/proc-net-tcp"), "TCP"))).toEqual([
      ["127.0.0.53", 4, 53, "loopback"],
      ["127.0.0.1", 4, 35303, "loopback"],
      ["127.0.0.1", 4, 631, "loopback"],
      ["0.0.0.0", 4, 22, "wildcard"],
    ]);
  });

  it("tcp and tcp6 concatenated (headers repeated mid-stream) read as one text", () => {
    const text = fixture("procfs/proc-net-tcp") + fixture("procfs/proc-net-udp6");
    expect(brief(listenersOf(text, "UDP"))).toEqual([
      ["::", 6, 5355, "wildcard"],
      ["fe80::56e1:adff:fe7c:6609", 6, 51073, "address"],
    ]);
    expect(listenersOf(text, "TCP")).toHaveLength(2);
  });

  it("attributes a socket through the inode map, and leaves others without a process", () => {
    const parsed = parseProcNet(fixture("jc/proc-net-tcp"), "TCP", {
      processesByInode: new Map([[23459, [{ name: "sshd", pid: 812 }]]]),
    });
    expect(parsed.ok && parsed.value.map((l) => [l.port, l.processes])).toEqual([
      [53, []],
      [35303, []],
      [631, []],
      [22, [{ name: "sshd", pid: 812 }]],
    ]);
  });

  it("one node from its four files and its port range; attribution follows the inode map", () => {
    const files = {
      tcp: fixture("jc/proc-net-tcp"),
      tcp6: fixture("procfs/proc-net-tcp6"),
      udp: fixture("procfs/proc-net-udp"),
      udp6: fixture("procfs/proc-net-udp6"),
      ipLocalPortRange: "32768\t60999\n",
    };
    const parsed = parseProcNetNode("worker-0", files);
    expect(parsed.ok && parsed.value.attribution).toBe("none");
    expect(parsed.ok && parsed.value.localPortRange).toEqual({ from: 32768, to: 60999 });
    expect(parsed.ok && parsed.value.listeners.map((l) => `${l.protocol} ${l.address} ${l.port}`)).toEqual([
      "TCP 127.0.0.53 53",
      "TCP 127.0.0.1 35303",
      "TCP 127.0.0.1 631",
      "TCP 0.0.0.0 22",
      "UDP :: 5355",
      "UDP fe80::56e1:adff:fe7c:6609 51073",
    ]);
    const attributed = parseProcNetNode("worker-0", files, { processesByInode: new Map() });
    expect(attributed.ok && attributed.value.attribution).toBe("process");
  });
});

describe("/proc/net rows", () => {
  it("counts TCP state 0A only, and UDP state 07 only when its remote is all zeros", () => {
    const zero = "00000000:0000";
    const text = [
      HEADER,
      row(0, "0100007F:1F90", zero, "0A"),
      row(1, "0100007F:1F91", zero, "07"),
      row(2, "0100007F:1F92", "0900000A:DDCB", "07"),
      row(3, "0100007F:1F93", "0900000A:DDCB", "01"),
    ].join("\n");
    expect(listenersOf(text, "TCP").map((l) => l.port)).toEqual([8080]);
    expect(listenersOf(text, "UDP").map((l) => l.port)).toEqual([8081]);
  });

  it("reads a file from a big-endian producer when told so", () => {
    const text = `${HEADER}\n${row(0, "7F000001:0016", "00000000:0000", "0A")}\n`;
    const parsed = parseProcNet(text, "TCP", { byteOrder: "big" });
    expect(parsed.ok && brief(parsed.value)).toEqual([["127.0.0.1", 4, 22, "loopback"]]);
  });

  it("skips malformed lines with their line numbers and keeps the rest (CRLF and padding are fine)", () => {
    const text = [
      `${HEADER}   `,
      row(0, "0100007F:0016", "00000000:0000", "0A"),
      "garbage here",
      row(1, "0100007X:0017", "00000000:0000", "0A"),
      row(2, "0100007F:0018", "00000000:0000", "ZZ"),
      "   3: 0100007F:0019",
      `${row(4, "0100007F:001A", "00000000:0000", "0A")}\r`,
      row(5, "0100007F:0000", "00000000:0000", "0A"),
      "",
    ].join("\n");
    const parsed = parseProcNet(text, "TCP");
    expect(parsed.ok && parsed.value.map((l) => l.port)).toEqual([22, 26]);
    expect(parsed.ok && parsed.skipped).toBe(5);
    expect(parsed.ok && parsed.issues.map((issue) => issue.line)).toEqual([3, 4, 5, 6, 8]);
    expect(parsed.ok && parsed.issues[1]?.message).toContain("0100007X:0017");
  });

  it(`refuses a node with more than ${MAX_LISTENERS_PER_NODE} distinct listeners, naming the line`, () => {
    const rows = (count: number) =>
      Array.from({ length: count }, (_, i) => {
        const address = (0x0a000000 + Math.floor(i / 60_000) + 1).toString(16).padStart(8, "0");
        return row(
          i,
          `${address}:${(1 + (i % 60_000)).toString(16).padStart(4, "0")}`,
          "00000000:0000",
          "0A",
        );
      });
    const full = parseProcNet([HEADER, ...rows(MAX_LISTENERS_PER_NODE)].join("\n"), "TCP");
    expect(full.ok && full.value).toHaveLength(MAX_LISTENERS_PER_NODE);
    const over = parseProcNet([HEADER, ...rows(MAX_LISTENERS_PER_NODE + 1)].join("\n"), "TCP");
    expect(over).toMatchObject({ ok: false, code: "TOO_MANY_LISTENERS", line: MAX_LISTENERS_PER_NODE + 2 });
  });
});

describe("/proc/sys/net/ipv4/ip_local_port_range", () => {
  it.each<[string, number, number]>([
    ["32768\t60999\n", 32768, 60999],
    ["1024    65535", 1024, 65535],
    ["10240 65535\n", 10240, 65535],
    ["1 1", 1, 1],
  ])("%j is %i-%i", (text, from, to) => expect(parseLocalPortRange(text)).toEqual({ from, to }));

  it.each(["", "32768", "60999 32768", "0 100", "1024 65536", "1 2 3", "a b", "-1 5", "1.5 9"])(
    "refuses %j with a reason",
    (text) => expect(typeof parseLocalPortRange(text)).toBe("string"),
  );
});
