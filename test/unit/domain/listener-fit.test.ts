import { describe, expect, it } from "vitest";
import type { ObservedListener } from "../../../src/contract/listeners.js";
import { listenerBlocks, undeclaredListenerBlocks } from "../../../src/domain/listener-fit.js";
import type { AllocationView } from "../../../src/domain/views.js";
import { tcpListener } from "../../fixtures/listeners.js";

/** The shared builder (test/fixtures/listeners.ts) with this table's argument order. */
const listener = (
  address: string,
  port: number,
  protocol: "TCP" | "UDP",
  process?: string,
): ObservedListener => ({
  ...tcpListener(port, address),
  protocol,
  processes: process ? [{ name: process }] : [],
});

const node = (listeners: ObservedListener[]) => ({
  node: "worker-0",
  attribution: "process" as const,
  listeners,
});
const port = (hostPort: number, protocol = "TCP", hostIP = "0.0.0.0") => ({ hostPort, protocol, hostIP });

describe("listenerBlocks: which wanted ports a node's listeners block", () => {
  const cases: {
    name: string;
    wanted: ReturnType<typeof port>[];
    hostNetwork: boolean;
    listeners: ObservedListener[];
    blocked: { port: number; effect: string; processes: string[] }[];
  }[] = [
    {
      name: "a wildcard bind meets sshd on 0.0.0.0: the hostNetwork pod crash-loops",
      wanted: [port(22)],
      hostNetwork: true,
      listeners: [listener("0.0.0.0", 22, "TCP", "sshd")],
      blocked: [{ port: 22, effect: "crash-loop-eaddrinuse", processes: ["sshd"] }],
    },
    {
      name: "a wildcard bind meets a loopback listener (the Linux bind rule)",
      wanted: [port(29103)],
      hostNetwork: true,
      listeners: [listener("127.0.0.1", 29103, "TCP", "ovnkube")],
      blocked: [{ port: 29103, effect: "crash-loop-eaddrinuse", processes: ["ovnkube"] }],
    },
    {
      name: "an ordinary hostPort's mapping would capture the host service's traffic",
      wanted: [port(22)],
      hostNetwork: false,
      listeners: [listener("0.0.0.0", 22, "TCP", "sshd")],
      blocked: [{ port: 22, effect: "captures-host-traffic", processes: ["sshd"] }],
    },
    {
      name: "another protocol never blocks",
      wanted: [port(53, "TCP")],
      hostNetwork: true,
      listeners: [listener("0.0.0.0", 53, "UDP", "dnsmasq")],
      blocked: [],
    },
    {
      name: "a specific address does not meet a listener on another specific address",
      wanted: [port(9100, "TCP", "10.0.0.5")],
      hostNetwork: true,
      listeners: [listener("127.0.0.1", 9100, "TCP", "node_exporter")],
      blocked: [],
    },
    {
      name: "only the blocked ports are named",
      wanted: [port(22), port(18081)],
      hostNetwork: true,
      listeners: [listener("0.0.0.0", 22, "TCP", "sshd"), listener("0.0.0.0", 18080, "TCP", "x")],
      blocked: [{ port: 22, effect: "crash-loop-eaddrinuse", processes: ["sshd"] }],
    },
  ];
  it.each(cases)("$name", ({ wanted, hostNetwork, listeners, blocked }) => {
    const blocks = listenerBlocks(wanted, hostNetwork, node(listeners), []);
    expect(
      blocks.map((b) => ({
        port: b.port.hostPort,
        effect: b.effect,
        processes: b.blockers.flatMap((c) => c.listener.processes.map((p) => p.name)),
      })),
    ).toEqual(blocked);
  });
});

describe("undeclaredListenerBlocks: the blocks less the sockets a pod on the node declares", () => {
  const routerHold = (hostPort: number): AllocationView => ({
    node: "worker-0",
    namespace: "openshift-ingress",
    pod: "router-default-1",
    ownerKind: "Deployment",
    ownerName: "router-default",
    container: "router",
    protocol: "TCP",
    hostIP: "0.0.0.0",
    hostPort,
    hostNetwork: true,
  });
  const ordinaryHold = { ...routerHold(80), hostNetwork: false };
  it.each([
    {
      name: "a router's own socket on its declared port is no blocker",
      holds: [routerHold(80)],
      listeners: [listener("0.0.0.0", 80, "TCP", "haproxy")],
      blocked: [],
    },
    {
      name: "an ordinary pod's hostPort is a mapping, not a socket: the listener stays a blocker",
      holds: [ordinaryHold],
      listeners: [listener("0.0.0.0", 80, "TCP", "httpd")],
      blocked: [{ port: 80, classes: ["host-service"] }],
    },
    {
      name: "a declaration of another port explains nothing",
      holds: [routerHold(443)],
      listeners: [listener("0.0.0.0", 80, "TCP", "httpd")],
      blocked: [{ port: 80, classes: ["host-service"] }],
    },
    {
      name: "only the declared port's socket is dropped",
      holds: [routerHold(80)],
      listeners: [listener("0.0.0.0", 80, "TCP", "haproxy"), listener("127.0.0.1", 443, "TCP", "stunnel")],
      blocked: [{ port: 443, classes: ["host-service"] }],
    },
  ])("$name", ({ holds, listeners, blocked }) => {
    const blocks = undeclaredListenerBlocks([port(80), port(443)], true, node(listeners), holds);
    expect(blocks.map((b) => ({ port: b.port.hostPort, classes: b.blockers.map((c) => c.class) }))).toEqual(
      blocked,
    );
  });
});
