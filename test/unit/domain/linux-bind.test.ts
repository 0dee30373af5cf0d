import { describe, expect, it } from "vitest";
import type { ObservedListener } from "../../../src/contract/listeners.js";
import {
  linuxBindBlockers,
  type PlannedBind,
  plannedBindOfHostPort,
} from "../../../src/domain/linux-bind.js";
import { hostPortsConflict } from "../../../src/domain/ports.js";

/** A listener on port 80 over TCP unless told; scope follows the address. */
function listener(address: string, extra: Partial<ObservedListener> = {}): ObservedListener {
  const family = address.includes(":") ? 6 : 4;
  const scope =
    address === "0.0.0.0" || address === "::"
      ? "wildcard"
      : address.startsWith("127.") || address === "::1"
        ? "loopback"
        : "address";
  return { protocol: "TCP", address, family, port: 80, scope, processes: [{ name: "daemon" }], ...extra };
}

const bind = (address: string, extra: Partial<PlannedBind> = {}): PlannedBind => ({
  protocol: "TCP",
  address,
  ...extra,
});

const dual = { dualStack: true } as const;
const v6only = { dualStack: false } as const;

describe("Linux bind conflicts (EADDRINUSE) against observed listeners", () => {
  it.each<[string, PlannedBind, ObservedListener, boolean]>([
    ["0.0.0.0 against a loopback listener", bind("0.0.0.0"), listener("127.0.0.1"), true],
    ["0.0.0.0 against a node-IP listener", bind("0.0.0.0"), listener("192.168.17.17"), true],
    ["0.0.0.0 against 0.0.0.0", bind("0.0.0.0"), listener("0.0.0.0"), true],
    ["0.0.0.0 against a dual-stack ::", bind("0.0.0.0"), listener("::", dual), true],
    ["0.0.0.0 against a v6-only ::", bind("0.0.0.0"), listener("::", v6only), false],
    ["0.0.0.0 against ::1 (a specific IPv6 bind is v6-only)", bind("0.0.0.0"), listener("::1"), false],
    ["0.0.0.0 against a link-local IPv6", bind("0.0.0.0"), listener("fe80::1"), false],
    [
      "0.0.0.0 against a v4-mapped 127.0.0.1 (IPv6 socket)",
      bind("0.0.0.0"),
      listener("127.0.0.1", { family: 6 }),
      true,
    ],
    ["a node IP against 0.0.0.0", bind("192.168.17.17"), listener("0.0.0.0"), true],
    ["a node IP against itself", bind("192.168.17.17"), listener("192.168.17.17"), true],
    ["a node IP against another node IP", bind("192.168.17.17"), listener("10.128.0.2"), false],
    ["a node IP against loopback", bind("192.168.17.17"), listener("127.0.0.1"), false],
    ["127.0.0.1 against 127.0.0.2", bind("127.0.0.1"), listener("127.0.0.2"), false],
    ["a node IP against a dual-stack ::", bind("192.168.17.17"), listener("::", dual), true],
    ["a node IP against a v6-only ::", bind("192.168.17.17"), listener("::", v6only), false],
    ["a v6-only :: against 0.0.0.0", bind("::", v6only), listener("0.0.0.0"), false],
    ["a dual-stack :: against 0.0.0.0", bind("::", dual), listener("0.0.0.0"), true],
    ["a dual-stack :: against loopback", bind("::", dual), listener("127.0.0.1"), true],
    ["a v6-only :: against a v6-only ::", bind("::", v6only), listener("::", v6only), true],
    [":: against ::1", bind("::", v6only), listener("::1"), true],
    ["::1 against ::1", bind("::1"), listener("::1"), true],
    ["::1 against a v6-only ::", bind("::1"), listener("::", v6only), true],
    ["::1 against 0.0.0.0", bind("::1"), listener("0.0.0.0"), false],
    ["TCP against UDP on one port", bind("0.0.0.0"), listener("0.0.0.0", { protocol: "UDP" }), false],
    ["another port", bind("0.0.0.0"), listener("0.0.0.0", { port: 81 }), false],
    ["SCTP is never observed", bind("0.0.0.0", { protocol: "SCTP" }), listener("0.0.0.0"), false],
    ['protocol "" is TCP', bind("0.0.0.0", { protocol: "" }), listener("0.0.0.0"), true],
    ['address "" is 0.0.0.0', bind(""), listener("127.0.0.1"), true],
    [
      "an unscoped bind against an interface-scoped listener",
      bind("0.0.0.0"),
      listener("0.0.0.0", { interface: "enp1s0" }),
      true,
    ],
    [
      "two different interfaces",
      bind("0.0.0.0", { interface: "enp2s0" }),
      listener("0.0.0.0", { interface: "enp1s0" }),
      false,
    ],
    [
      "the same interface",
      bind("0.0.0.0", { interface: "enp1s0" }),
      listener("0.0.0.0", { interface: "enp1s0" }),
      true,
    ],
  ])("%s → %s", (_name, planned, held, conflicts) => {
    expect(linuxBindBlockers(planned, 80, [held]).blockers).toEqual(conflicts ? [held] : []);
  });

  it("takes an IPv6 wildcard of unknown dual-stack flag as dual-stack, and says so only when it mattered", () => {
    const unknown = listener("::");
    expect(linuxBindBlockers(bind("0.0.0.0"), 80, [unknown])).toEqual({
      blockers: [unknown],
      assumptions: ["unknown-ipv6-wildcard-as-dual-stack"],
    });
    expect(linuxBindBlockers(bind("::", v6only), 80, [unknown]).assumptions).toEqual([]);
    expect(linuxBindBlockers(bind("::"), 80, [listener("10.0.0.1")])).toEqual({
      blockers: [listener("10.0.0.1")],
      assumptions: ["unknown-ipv6-wildcard-as-dual-stack"],
    });
  });

  it("names every listener in the way, not just the first", () => {
    const held = [listener("127.0.0.1"), listener("10.128.0.2"), listener("::", v6only), listener("::1")];
    expect(linuxBindBlockers(bind("0.0.0.0"), 80, held).blockers).toEqual(held.slice(0, 2));
  });

  it("plans a hostNetwork pod's port as a 0.0.0.0 bind and says so", () => {
    const planned = plannedBindOfHostPort({ protocol: "", hostIP: "" });
    expect(planned).toEqual({
      protocol: "TCP",
      address: "0.0.0.0",
      assumptions: ["host-network-port-as-ipv4-wildcard"],
    });
    expect(linuxBindBlockers(planned, 29103, [listener("127.0.0.1", { port: 29103 })])).toEqual({
      blockers: [listener("127.0.0.1", { port: 29103 })],
      assumptions: ["host-network-port-as-ipv4-wildcard"],
    });
    expect(plannedBindOfHostPort({ protocol: "UDP", hostIP: "10.0.0.1" })).toEqual(
      bind("10.0.0.1", { protocol: "UDP" }),
    );
  });

  it("differs from the scheduler's rule, which compares hostIPs as strings", () => {
    // The scheduler reads "::" as an ordinary address; to the kernel a dual-stack :: covers all of IPv4.
    expect(
      hostPortsConflict(
        { protocol: "TCP", hostIP: "::", hostPort: 80 },
        { protocol: "TCP", hostIP: "10.0.0.1", hostPort: 80 },
      ),
    ).toBe(false);
    expect(linuxBindBlockers(bind("::", dual), 80, [listener("10.0.0.1")]).blockers).toHaveLength(1);
  });
});
