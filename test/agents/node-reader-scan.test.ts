/**
 * The node reader's scan against fixture /proc directories derived from the real bare-metal capture:
 * every node's listeners come out as the ss parse gives them, minus what /proc cannot tell (the
 * dual-stack flag, the interface; processes only with the attribution tier).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scanNode } from "../../agents/src/node-reader/scan.js";
import type { ObservedListener } from "../../src/contract/listeners.js";
import {
  BARE_METAL_RUN,
  captureNodes,
  NODE_LISTENERS,
  procView,
  writeProcFixture,
} from "./helpers/proc-fixture.js";

const work = mkdtempSync(join(tmpdir(), "node-reader-scan-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tcp = (address: string, port: number, family: 4 | 6 = 4): ObservedListener => ({
  protocol: "TCP",
  address,
  family,
  port,
  scope:
    address.startsWith("127.") || address === "::1"
      ? "loopback"
      : address === "0.0.0.0" || address === "::"
        ? "wildcard"
        : "address",
  processes: [],
});

describe.runIf(NODE_LISTENERS.present)("the reader on /proc built from the bare-metal capture", () => {
  const nodes = NODE_LISTENERS.present ? captureNodes(BARE_METAL_RUN) : [];

  it("covers the run's six nodes", () => {
    expect(nodes.map((n) => n.node)).toHaveLength(6);
  });

  it.each(nodes.map((n) => [n.node, n] as const))(
    "%s: the listeners ss showed, without attribution",
    (name, node) => {
      const root = join(work, `bare-${name}`);
      writeProcFixture(root, node.listeners);
      const scan = scanNode({ procRoot: root, node: name, attribution: "none", byteOrder: "little" });
      if (!scan.ok) throw new Error(scan.message);
      expect(scan.skipped).toBe(0);
      expect(scan.report).toEqual({
        node: name,
        attribution: "none",
        localPortRange: { from: 32768, to: 60999 },
        listeners: procView(node.listeners, false),
      });
      expect(scan.report.listeners.some((l) => l.address === "127.0.0.1" && l.port === 29103)).toBe(
        node.listeners.some((l) => l.address === "127.0.0.1" && l.port === 29103),
      );
    },
  );

  it.each(nodes.map((n) => [n.node, n] as const))(
    "%s: with the attribution tier, each socket's processes from /proc/<pid>/fd",
    (name, node) => {
      const root = join(work, `attributed-${name}`);
      writeProcFixture(root, node.listeners, { processes: true });
      const scan = scanNode({ procRoot: root, node: name, attribution: "process", byteOrder: "little" });
      if (!scan.ok) throw new Error(scan.message);
      expect(scan.report.attribution).toBe("process");
      expect(scan.report.listeners).toEqual(procView(node.listeners, true));
      expect(scan.processScan).toEqual({ truncated: false, unreadable: 0 });
      // Geneve's kernel socket has no process, here as in ss.
      const geneve = scan.report.listeners.find((l) => l.protocol === "UDP" && l.port === 6081);
      if (geneve) expect(geneve.processes).toEqual([]);
    },
  );
});

/** Host daemons of an OpenShift node (commatrix's capture); every other process runs in a pod. */
const HOST_DAEMONS = new Set(["sshd", "rpcbind", "rpc.statd", "kubelet", "crio", "chronyd", "systemd"]);
/** A pod UID and container id per process, made from its pid (stable, distinct). */
const podUidOf = (pid: number) => `00000000-0000-4000-8000-${String(pid).padStart(12, "0")}`;
const containerIdOf = (pid: number) => String(pid).padStart(64, "c");
const cgroupOf = ({ pid, name }: { pid: number; name: string }) =>
  HOST_DAEMONS.has(name)
    ? `0::/system.slice/${name}.service\n`
    : `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${podUidOf(pid).replaceAll("-", "_")}.slice/crio-${containerIdOf(pid)}.scope\n`;

describe.runIf(NODE_LISTENERS.present)("the pod tier on /proc built from the bare-metal capture", () => {
  const nodes = NODE_LISTENERS.present ? captureNodes(BARE_METAL_RUN) : [];

  it.each(nodes.map((n) => [n.node, n] as const))(
    "%s: each socket owner's pod UID and container id, host daemons outside pods",
    (name, node) => {
      const root = join(work, `pod-tier-${name}`);
      writeProcFixture(root, node.listeners, { processes: true, cgroup: cgroupOf });
      const scan = scanNode({ procRoot: root, node: name, attribution: "pod", byteOrder: "little" });
      if (!scan.ok) throw new Error(scan.message);
      expect(scan.report.attribution).toBe("pod");
      // The listeners are those of the process tier: owners come beside them.
      expect(scan.report.listeners).toEqual(procView(node.listeners, true));
      const owners = new Map<number, string>();
      for (const l of node.listeners) for (const p of l.processes) if (p.pid) owners.set(p.pid, p.name);
      expect(scan.report.owners).toEqual(
        [...owners]
          .sort(([a], [b]) => a - b)
          .map(([pid, processName]) =>
            HOST_DAEMONS.has(processName)
              ? { pid }
              : { pid, pod: { uid: podUidOf(pid), containerId: containerIdOf(pid) } },
          ),
      );
      expect(scan.report.owners?.some((o) => !o.pod)).toBe(true);
      expect(scan.ownerScan).toEqual({ truncated: false, unreadable: 0 });
    },
  );
});

describe("the reader's scan", () => {
  it("finds the same set whatever the order of /proc's rows (fingerprints are equal)", () => {
    const listeners = [tcp("0.0.0.0", 22), tcp("127.0.0.1", 29103), tcp("::", 10250, 6)];
    const a = join(work, "order-a");
    const b = join(work, "order-b");
    writeProcFixture(a, listeners);
    writeProcFixture(b, [...listeners].reverse());
    const first = scanNode({ procRoot: a, node: "n1", attribution: "none", byteOrder: "little" });
    const second = scanNode({ procRoot: b, node: "n1", attribution: "none", byteOrder: "little" });
    expect(first.ok && second.ok && first.fingerprint === second.fingerprint).toBe(true);
  });

  it("reads a node without IPv6 (no tcp6/udp6) and without a port range file", () => {
    const root = join(work, "v4-only");
    writeProcFixture(root, [tcp("0.0.0.0", 22)]);
    rmSync(join(root, "net", "tcp6"));
    rmSync(join(root, "net", "udp6"));
    rmSync(join(root, "sys"), { recursive: true });
    const scan = scanNode({ procRoot: root, node: "n1", attribution: "none", byteOrder: "little" });
    expect(scan.ok && scan.report).toEqual({
      node: "n1",
      attribution: "none",
      listeners: [tcp("0.0.0.0", 22)],
    });
  });

  it("keeps only listening rows of a file holding many connections", () => {
    const root = join(work, "busy");
    writeProcFixture(root, [tcp("0.0.0.0", 22)]);
    const established = Array.from(
      { length: 5000 },
      (_, i) =>
        `${String(i + 1).padStart(4)}: 1C00000A:0016 0900000A:${(1024 + i).toString(16).toUpperCase().padStart(4, "0")} 01 00000000:00000000 00:00000000 00000000     0        0 ${90_000 + i} 1 0000000000000000 20 4 30 10 -1`,
    );
    writeFileSync(join(root, "net", "tcp"), `${[readHeaderAndRows(root), ...established].join("\n")}\n`);
    const scan = scanNode({ procRoot: root, node: "n1", attribution: "none", byteOrder: "little" });
    expect(scan.ok && scan.report.listeners).toEqual([tcp("0.0.0.0", 22)]);
  });

  it("refuses a node above the listener bound with the contract's code, sending nothing", () => {
    const root = join(work, "too-many");
    const many = Array.from({ length: 10_001 }, (_, i) => tcp("10.0.0.1", i + 1));
    writeProcFixture(root, many, { noise: false });
    const scan = scanNode({ procRoot: root, node: "n1", attribution: "none", byteOrder: "little" });
    expect(scan.ok).toBe(false);
    if (!scan.ok) expect(scan.code).toBe("TOO_MANY_LISTENERS");
  });

  it("stops the process walk at its bound and says attribution is partial", () => {
    const root = join(work, "bounded-walk");
    writeProcFixture(root, [{ ...tcp("0.0.0.0", 22), processes: [{ name: "sshd", pid: 10 }] }], {
      processes: true,
    });
    symlinkSync("socket:[1]", join(root, "10", "fd", "2"));
    const scan = scanNode({
      procRoot: root,
      node: "n1",
      attribution: "process",
      byteOrder: "little",
      processLimits: { maxProcesses: 10, maxDescriptors: 2 },
    });
    expect(scan.ok && scan.processScan?.truncated).toBe(true);
  });
});

describe("the reader's pod tier", () => {
  const sshd = { ...tcp("0.0.0.0", 22), processes: [{ name: "sshd", pid: 10 }] };
  const router = { ...tcp("0.0.0.0", 443), processes: [{ name: "openshift-route", pid: 20 }] };

  it("reads the cgroups of socket owners only, not of every process", () => {
    const root = join(work, "owners-only");
    writeProcFixture(root, [sshd, router], { processes: true, cgroup: cgroupOf });
    // A process in a pod that holds no listening socket.
    mkdirSync(join(root, "30", "fd"), { recursive: true });
    writeFileSync(join(root, "30", "comm"), "sleep\n");
    writeFileSync(join(root, "30", "cgroup"), cgroupOf({ pid: 30, name: "sleep" }));
    const scan = scanNode({ procRoot: root, node: "n1", attribution: "pod", byteOrder: "little" });
    expect(scan.ok && scan.report.owners).toEqual([
      { pid: 10 },
      { pid: 20, pod: { uid: podUidOf(20), containerId: containerIdOf(20) } },
    ]);
  });

  it("leaves out a process whose cgroup is gone, and says processes only when none could be read", () => {
    const some = join(work, "one-gone");
    writeProcFixture(some, [sshd, router], {
      processes: true,
      cgroup: (p) => (p.pid === 20 ? undefined : cgroupOf(p)),
    });
    const partial = scanNode({ procRoot: some, node: "n1", attribution: "pod", byteOrder: "little" });
    expect(partial.ok && [partial.report.attribution, partial.report.owners]).toEqual(["pod", [{ pid: 10 }]]);
    expect(partial.ok && partial.ownerScan).toEqual({ truncated: false, unreadable: 1 });

    const none = join(work, "all-gone");
    writeProcFixture(none, [sshd, router], { processes: true, cgroup: () => undefined });
    const blind = scanNode({ procRoot: none, node: "n1", attribution: "pod", byteOrder: "little" });
    expect(blind.ok && blind.report.attribution).toBe("process");
    expect(blind.ok && blind.report.owners).toBeUndefined();
  });

  it("sends again when a container restarts under the same socket (its id changed)", () => {
    const root = join(work, "restart");
    writeProcFixture(root, [router], { processes: true, cgroup: cgroupOf });
    const before = scanNode({ procRoot: root, node: "n1", attribution: "pod", byteOrder: "little" });
    writeFileSync(
      join(root, "20", "cgroup"),
      cgroupOf({ pid: 20, name: "x" }).replace(/c{10}/, "d".repeat(10)),
    );
    const after = scanNode({ procRoot: root, node: "n1", attribution: "pod", byteOrder: "little" });
    expect(before.ok && after.ok && before.fingerprint !== after.fingerprint).toBe(true);
  });

  it("with the process tier, reads no cgroup and sends no owners", () => {
    const root = join(work, "process-tier");
    writeProcFixture(root, [sshd, router], { processes: true, cgroup: cgroupOf });
    const scan = scanNode({ procRoot: root, node: "n1", attribution: "process", byteOrder: "little" });
    expect(scan.ok && scan.report.attribution).toBe("process");
    expect(scan.ok && "owners" in scan.report).toBe(false);
  });
});

function readHeaderAndRows(root: string): string {
  return readFileSync(join(root, "net", "tcp"), "utf8").trimEnd();
}
