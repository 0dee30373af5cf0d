/**
 * TEST HELPER ONLY, not the product's ss parser: reads commatrix's `node: <name>` blocks of
 * `ss -anpltH` / `ss -anpluH` output into the contract's NodeListeners, just far enough for the
 * listener-matrix tests to feed real captures to the domain. The product's parser lives in
 * src/contract/ (written separately); when it lands, the tests that import `nodeListenersFromSsForTests`
 * switch to it and this file goes.
 */
import type { ListenerProtocol, NodeListeners, ObservedListener } from "../../src/contract/listeners.js";

function local(
  field: string,
): Pick<ObservedListener, "address" | "family" | "port" | "scope" | "dualStack" | "interface"> {
  const cut = field.lastIndexOf(":");
  const port = Number(field.slice(cut + 1));
  let host = field.slice(0, cut);
  let iface: string | undefined;
  const percent = host.indexOf("%");
  if (percent >= 0) {
    // ss prints `0.0.0.0%enp1s0:67` and `[fe80::1]%enp1s0:69`: the interface follows the address.
    iface = host.slice(percent + 1);
    host = host.slice(0, percent);
  }
  const withInterface = iface === undefined ? {} : { interface: iface };
  if (host === "*")
    return { address: "::", family: 6, port, scope: "wildcard", dualStack: true, ...withInterface };
  const bracketed = host.startsWith("[");
  const address = bracketed ? host.slice(1, -1) : host;
  const family = bracketed ? 6 : 4;
  if (address === "::")
    return { address, family, port, scope: "wildcard", dualStack: false, ...withInterface };
  const scope =
    address === "0.0.0.0"
      ? "wildcard"
      : address.startsWith("127.") || address === "::1"
        ? "loopback"
        : "address";
  return { address, family, port, scope, ...withInterface };
}

const processes = (line: string) =>
  [...line.matchAll(/\("([^"]+)",pid=(\d+)/g)].map(([, name = "", pid]) => ({ name, pid: Number(pid) }));

export function nodeListenersFromSsForTests(text: string, protocol: ListenerProtocol): NodeListeners[] {
  const nodes: NodeListeners[] = [];
  let current: NodeListeners | undefined;
  for (const line of text.split("\n")) {
    const header = /^node: (.+)$/.exec(line.trim());
    if (header?.[1]) {
      current = { node: header[1], attribution: "process", listeners: [] };
      nodes.push(current);
      continue;
    }
    const fields = line.trim().split(/\s+/);
    const address = fields[3];
    if (!current || address === undefined) continue;
    current.listeners.push({ protocol, ...local(address), processes: processes(line) });
  }
  return nodes;
}

/** TCP and UDP captures of the same nodes, merged per node. */
export function mergeCapturesForTests(...captures: NodeListeners[][]): NodeListeners[] {
  const byNode = new Map<string, NodeListeners>();
  for (const node of captures.flat()) {
    const seen = byNode.get(node.node);
    if (seen) seen.listeners.push(...node.listeners);
    else byNode.set(node.node, { ...node, listeners: [...node.listeners] });
  }
  return [...byNode.values()];
}
