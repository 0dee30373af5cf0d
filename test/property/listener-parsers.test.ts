/**
 * Properties of the listener parsers: what /proc/net shows of a node is what ss showed of it (minus
 * what /proc cannot show: the dual-stack flag and the interface; processes come back only through
 * the inode map), for every node of commatrix's bare-metal and single-node captures and for random
 * listener sets; and no text, however odd, makes a parser throw.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_ISSUES } from "../../src/contract/bounds.js";
import {
  type ByteOrder,
  procHexAddress,
  procHexPort,
  textAddress,
} from "../../src/contract/listener-parsers/address.js";
import { ListenerSet } from "../../src/contract/listener-parsers/listener-set.js";
import {
  parseLocalPortRange,
  parseProcNet,
  parseProcNetNode,
} from "../../src/contract/listener-parsers/proc-net.js";
import {
  boundAddress,
  mergeNodeListeners,
  parseSsNode,
  parseSsNodes,
} from "../../src/contract/listener-parsers/ss.js";
import type { NodeListeners, ObservedListener } from "../../src/contract/listeners.js";
import { listenerKey } from "../../src/contract/listeners.js";
import { renderProcNet } from "../helpers/proc-net-render.js";
import { sharedInputDir } from "../helpers/shared-inputs.js";

const { dir: LISTENERS, present } = sharedInputDir("node-listeners", "NODE_LISTENERS_DIR");

/** What /proc can tell of a listener: no dual-stack flag, no interface (keyed again, so merged). */
function procView(listeners: readonly ObservedListener[], withProcesses: boolean): ObservedListener[] {
  const set = new ListenerSet();
  for (const { dualStack: _flag, interface: _iface, ...rest } of listeners) {
    set.add({ ...rest, processes: withProcesses ? rest.processes : [] });
  }
  return sorted(set.values());
}

const sorted = (listeners: ObservedListener[]) =>
  [...listeners].sort((a, b) => listenerKey(a).localeCompare(listenerKey(b)));

function roundTrip(node: NodeListeners, byteOrder: ByteOrder, withProcesses: boolean): NodeListeners {
  const files = renderProcNet(node.listeners, { byteOrder, noise: true });
  const parsed = parseProcNetNode(node.node, files, {
    byteOrder,
    ...(withProcesses ? { processesByInode: files.processesByInode } : {}),
  });
  if (!parsed.ok) throw new Error(parsed.message);
  expect(parsed.skipped).toBe(0);
  return parsed.value;
}

function captureNodes(run: string): NodeListeners[] {
  const dir = join(LISTENERS, "commatrix", "ci-evidence", run);
  const tcp = parseSsNodes(readFileSync(join(dir, "raw-ss-tcp"), "utf8"), "TCP");
  const udp = parseSsNodes(readFileSync(join(dir, "raw-ss-udp"), "utf8"), "UDP");
  if (!tcp.ok || !udp.ok) throw new Error("the capture does not parse");
  const merged = mergeNodeListeners(tcp.value, udp.value);
  if (!merged.ok) throw new Error(merged.message);
  return merged.value;
}

describe.runIf(present)("ss capture -> /proc/net files -> /proc parser", () => {
  const runs = present ? ["bm-3master-3worker-4.23", "bm-sno-5.0"] : [];
  const nodes = runs.flatMap((run) =>
    captureNodes(run).map((node) => [`${run} ${node.node}`, node] as const),
  );

  it.each(nodes)("%s: the same listeners, processes through the inode map", (_name, node) => {
    for (const byteOrder of ["little", "big"] as const) {
      const read = roundTrip(node, byteOrder, true);
      expect(read.attribution).toBe("process");
      expect(sorted(read.listeners)).toEqual(procView(node.listeners, true));
      const bare = roundTrip(node, byteOrder, false);
      expect(bare.attribution).toBe("none");
      expect(sorted(bare.listeners)).toEqual(procView(node.listeners, false));
    }
  });

  it("the bare-metal run has six nodes; its dual-stack * listeners come back from tcp6/udp6 without the flag", () => {
    const bm = nodes.filter(([name]) => name.startsWith("bm-3master"));
    expect(bm).toHaveLength(6);
    for (const [, node] of bm) {
      const dual = node.listeners.filter((l) => l.dualStack === true);
      expect(dual.length).toBeGreaterThan(0);
      const read = roundTrip(node, "little", true).listeners;
      for (const l of dual) {
        const back = read.find((r) => r.protocol === l.protocol && r.port === l.port && r.address === "::");
        expect(back).toMatchObject({ family: 6, scope: "wildcard" });
        expect(back).not.toHaveProperty("dualStack");
      }
    }
  });
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join("."));
const ipv6 = fc
  .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
  .map((groups) => groups.map((g) => g.toString(16)).join(":"));
const special = fc.constantFrom("0.0.0.0", "127.0.0.1", "::", "::1", "::ffff:127.0.0.1", "::ffff:0.0.0.0");
const listener = fc
  .record({
    protocol: fc.constantFrom("TCP" as const, "UDP" as const),
    text: fc.oneof(
      ipv4,
      ipv6,
      special,
      ipv4.map((v4) => `::ffff:${v4}`),
    ),
    port: fc.integer({ min: 1, max: 65_535 }),
    processes: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 15 }), pid: fc.nat() }), {
      maxLength: 3,
    }),
  })
  .map(({ protocol, text, port, processes }): ObservedListener => {
    const address = textAddress(text);
    if (!address) throw new Error(`the arbitrary made a bad address: ${text}`);
    const family = text.includes(":") ? 6 : 4;
    return { protocol, ...address, family, port, processes };
  });

describe("random listener sets survive /proc/net", () => {
  it("render then parse gives the same set, in either byte order", () => {
    fc.assert(
      fc.property(
        fc.array(listener, { maxLength: 40 }),
        fc.constantFrom<ByteOrder>("little", "big"),
        (ls, order) => {
          const node: NodeListeners = { node: "n", attribution: "process", listeners: ls };
          expect(sorted(roundTrip(node, order, true).listeners)).toEqual(procView(ls, true));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Lines near the formats, so the parsers' deeper branches see odd input too. */
const fragment = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "node: ",
    "node: a",
    "LISTEN",
    "UNCONN",
    "tcp",
    "0",
    "*:",
    "[::]:",
    "[",
    "]%",
    "%",
    "users:((",
    '("x",pid=1,fd=2)',
    "   0:",
    "sl",
    "0100007F:0016",
    "00000000000000000000000000000000:0016",
    "0A",
    "07",
    ":",
    "\t",
    "\r",
    "\u0000",
    "\uD800",
  ),
);
const oddText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc
    .array(
      fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(" ")),
      { maxLength: 12 },
    )
    .map((lines) => lines.join("\n")),
);

describe("no text makes a listener parser throw", () => {
  it("every parser answers a result or a refusal, with at most MAX_ISSUES issues", () => {
    fc.assert(
      fc.property(oddText, (text) => {
        for (const parsed of [
          parseProcNet(text, "TCP"),
          parseProcNet(text, "UDP", { byteOrder: "big" }),
          parseSsNodes(text, "TCP"),
          parseSsNode("n", text, "UDP"),
          parseProcNetNode("n", { tcp: text, udp6: text, ipLocalPortRange: text }),
        ]) {
          if (parsed.ok)
            expect(parsed.issues.length).toBeLessThanOrEqual(Math.min(MAX_ISSUES, parsed.skipped));
          else expect(["TOO_MANY_LISTENERS", "TOO_MANY_NODES"]).toContain(parsed.code);
        }
        parseLocalPortRange(text);
        boundAddress(text);
        textAddress(text);
        procHexAddress(text);
        procHexPort(text);
      }),
      { numRuns: 3000 },
    );
  });
});
