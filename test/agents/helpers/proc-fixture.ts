/**
 * Fixture /proc directories for the node reader, derived from the real `ss` captures in
 * ../shared/node-listeners (commatrix's CI runs): net/{tcp,tcp6,udp,udp6} rendered by
 * test/helpers/proc-net-render.ts, sys/net/ipv4/ip_local_port_range, and, for the attribution tier,
 * /proc/<pid>/comm and /proc/<pid>/fd/<n> links to `socket:[inode]` for the processes ss named.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ListenerSet } from "../../../src/contract/listener-parsers/listener-set.js";
import { listenerKey, type ObservedListener } from "../../../src/contract/listeners.js";
import { renderProcNet } from "../../helpers/proc-net-render.js";

export { BARE_METAL_RUN, captureNodes, NODE_LISTENERS } from "../../helpers/node-listener-captures.js";

export interface ProcFixtureOptions {
  /** write /proc/<pid>/fd and comm for the processes (the attribution tier's view) */
  processes?: boolean;
  /** ip_local_port_range as the kernel writes it */
  portRange?: string;
  /** the connections and other non-listening rows a real file holds */
  noise?: boolean;
  /** the pod tier's view: /proc/<pid>/cgroup of each process, by its pid and name (none: no file) */
  cgroup?: (process: { pid: number; name: string }) => string | undefined;
}

/** Writes (or rewrites) a fixture /proc at `root` holding `listeners`. */
export function writeProcFixture(
  root: string,
  listeners: readonly ObservedListener[],
  options: ProcFixtureOptions = {},
): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, "net"), { recursive: true });
  mkdirSync(join(root, "sys", "net", "ipv4"), { recursive: true });
  const files = renderProcNet(listeners, { noise: options.noise ?? true });
  for (const name of ["tcp", "tcp6", "udp", "udp6"] as const)
    writeFileSync(join(root, "net", name), files[name]);
  writeFileSync(
    join(root, "sys", "net", "ipv4", "ip_local_port_range"),
    options.portRange ?? "32768\t60999\n",
  );
  if (!options.processes) return;
  const fdCount = new Map<number, number>();
  for (const [inode, processes] of files.processesByInode) {
    for (const process of processes) {
      if (process.pid === undefined) continue;
      const dir = join(root, String(process.pid));
      const next = fdCount.get(process.pid) ?? 0;
      if (next === 0) {
        mkdirSync(join(dir, "fd"), { recursive: true });
        writeFileSync(join(dir, "comm"), `${process.name}\n`);
        const cgroup = options.cgroup?.({ pid: process.pid, name: process.name });
        if (cgroup !== undefined) writeFileSync(join(dir, "cgroup"), cgroup);
        // A process's other descriptors: a file and a socket that is not a listener.
        symlinkSync("/dev/null", join(dir, "fd", "0"));
        symlinkSync("socket:[1]", join(dir, "fd", "1"));
      }
      symlinkSync(`socket:[${inode}]`, join(dir, "fd", String(next + 3)));
      fdCount.set(process.pid, next + 1);
    }
  }
}

/**
 * What /proc can tell of a capture's listeners: no dual-stack flag, no interface (so keyed again,
 * and merged), processes only with the attribution tier; sorted as the reader sorts them.
 */
export function procView(listeners: readonly ObservedListener[], withProcesses: boolean): ObservedListener[] {
  const set = new ListenerSet();
  for (const { dualStack: _flag, interface: _iface, ...rest } of listeners) {
    set.add({ ...rest, processes: withProcesses ? rest.processes : [] });
  }
  return set
    .values()
    .map((l) => ({ ...l, processes: [...l.processes].sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0)) }))
    .sort((a, b) => (listenerKey(a) < listenerKey(b) ? -1 : listenerKey(a) > listenerKey(b) ? 1 : 0));
}
