import { describe, expect, it } from "vitest";
import { hostPortsConflict, normaliseHostPort } from "../../../src/domain/ports.js";

const ref = (hostPort: number, hostIP = "0.0.0.0", protocol = "TCP") => ({ hostPort, hostIP, protocol });

describe("scheduler host-port conflicts (NodePorts plugin)", () => {
  it.each([
    ["the same port on the wildcard", ref(80), ref(80), true],
    ["the wildcard against a specific IP", ref(80), ref(80, "10.0.0.1"), true],
    ["the same specific IP", ref(80, "10.0.0.1"), ref(80, "10.0.0.1"), true],
    ["two different specific IPs", ref(80, "10.0.0.1"), ref(80, "10.0.0.2"), false],
    ['hostIP "" as the wildcard', ref(80, ""), ref(80, "10.0.0.1"), true],
    ['protocol "" as TCP', ref(53, "0.0.0.0", ""), ref(53, "0.0.0.0", "TCP"), true],
    ["TCP and UDP on one port", ref(53, "0.0.0.0", "TCP"), ref(53, "0.0.0.0", "UDP"), false],
    ["UDP and SCTP on one port", ref(53, "0.0.0.0", "UDP"), ref(53, "0.0.0.0", "SCTP"), false],
    ["different ports", ref(80), ref(81), false],
    ["port 0 is no host port", ref(0), ref(0), false],
    ["a negative port is no host port", ref(-1), ref(-1), false],
    ['"::" is an ordinary address, not a wildcard', ref(80, "::"), ref(80, "10.0.0.1"), false],
    ['"::" against itself', ref(80, "::"), ref(80, "::"), true],
    ['"::" against 0.0.0.0', ref(80, "::"), ref(80), true],
    ['"::" against hostIP ""', ref(80, "::"), ref(80, ""), true],
  ])("%s → %s", (_name, a, b, expected) => {
    expect(hostPortsConflict(a, b)).toBe(expected);
    expect(hostPortsConflict(b, a)).toBe(expected);
  });

  it("normalises the Pod API defaults", () => {
    expect(normaliseHostPort(ref(80, "", ""))).toEqual(ref(80, "0.0.0.0", "TCP"));
  });
});
