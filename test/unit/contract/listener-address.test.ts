import { describe, expect, it } from "vitest";
import {
  ipv6Bytes,
  ipv6Text,
  procHexAddress,
  procHexPort,
  textAddress,
} from "../../../src/contract/listener-parsers/address.js";

describe("a /proc/net address in the kernel's hex (the examples of FORMAT.md and more)", () => {
  it.each<[string, string, 4 | 6, string]>([
    ["0100007F", "127.0.0.1", 4, "loopback"],
    ["3500007F", "127.0.0.53", 4, "loopback"],
    ["00000000", "0.0.0.0", 4, "wildcard"],
    ["802AA8C0", "192.168.42.128", 4, "address"],
    ["2728000A", "10.0.40.39", 4, "address"],
    ["0500000A", "10.0.0.5", 4, "address"],
    ["FFFFFF7F", "127.255.255.255", 4, "loopback"],
    ["00000080", "128.0.0.0", 4, "address"],
    ["00000000000000000000000000000000", "::", 6, "wildcard"],
    ["00000000000000000000000001000000", "::1", 6, "loopback"],
    ["0000000000000000FFFF00000100007F", "127.0.0.1", 6, "loopback"],
    ["0000000000000000FFFF000000000000", "0.0.0.0", 6, "wildcard"],
    ["0000000000000000FFFF0000802AA8C0", "192.168.42.128", 6, "address"],
    ["000080FE00000000FFADE15609667CFE", "fe80::56e1:adff:fe7c:6609", 6, "address"],
    ["00000000000000000000000002000000", "::2", 6, "address"],
    ["b80d0120000000000000000001000000", "2001:db8::1", 6, "address"],
  ])("little-endian %s is %s (IPv%i, %s)", (hex, address, family, scope) => {
    expect(procHexAddress(hex)).toEqual({ address, family, scope });
  });

  it.each<[string, string]>([
    ["7F000001", "127.0.0.1"],
    ["C0A82A80", "192.168.42.128"],
    ["FE800000000000000000000000000001", "fe80::1"],
    ["00000000000000000000FFFF7F000001", "127.0.0.1"],
  ])("from a big-endian producer (s390x) %s is %s", (hex, address) => {
    expect(procHexAddress(hex, "big")?.address).toBe(address);
  });

  it.each([
    "",
    "0100007",
    "0100007FF",
    "0100007G",
    "0000000000000000000000000000000",
    "-1000000",
    "0x00007F",
  ])("refuses %j", (hex) => expect(procHexAddress(hex)).toBeUndefined());

  it.each<[string, number]>([
    ["280A", 10250],
    ["2810", 10256],
    ["192B", 6443],
    ["238C", 9100],
    ["094B", 2379],
    ["0016", 22],
    ["0035", 53],
    ["ffff", 65535],
  ])("port %s is %i on every CPU", (hex, port) => expect(procHexPort(hex)).toBe(port));

  it.each(["16", "00016", "zz16", ""])("refuses port %j", (hex) => expect(procHexPort(hex)).toBeUndefined());
});

describe("IPv6 text in RFC 5952's canonical form", () => {
  it.each<[string, string]>([
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["fe80:0000::0001", "fe80::1"],
    ["fe80::2d4:2cff:fe1f:b9dd", "fe80::2d4:2cff:fe1f:b9dd"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["::1.2.3.4", "::102:304"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
  ])("%s is written %s", (text, canonical) => {
    const bytes = ipv6Bytes(text);
    expect(bytes && ipv6Text(bytes)).toBe(canonical);
  });

  it.each([
    "1::2::3",
    ":::",
    "12345::",
    "g::1",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "::1:2:3:4:5:6:7:8",
    ":1.2.3.4",
    "::1.2.3",
    "1.2.3.4::",
    "fe80::1%eth0",
  ])("refuses %j", (text) => expect(ipv6Bytes(text)).toBeUndefined());
});

describe("text addresses as the contract carries them", () => {
  it.each<[string, string, 4 | 6, string]>([
    ["0.0.0.0", "0.0.0.0", 4, "wildcard"],
    ["127.0.0.1", "127.0.0.1", 4, "loopback"],
    ["127.1.2.3", "127.1.2.3", 4, "loopback"],
    ["192.168.17.17", "192.168.17.17", 4, "address"],
    ["::", "::", 6, "wildcard"],
    ["::1", "::1", 6, "loopback"],
    ["::ffff:127.0.0.1", "127.0.0.1", 6, "loopback"],
    ["::FFFF:10.0.0.1", "10.0.0.1", 6, "address"],
    ["::ffff:7f00:1", "127.0.0.1", 6, "loopback"],
    ["FE80::2D4:2CFF:FE1F:B9DD", "fe80::2d4:2cff:fe1f:b9dd", 6, "address"],
  ])("%s is %s (IPv%i, %s)", (text, address, family, scope) => {
    expect(textAddress(text)).toEqual({ address, family, scope });
  });

  it.each(["01.2.3.4", "256.0.0.1", "1.2.3", "1.2.3.4.5", " 1.2.3.4", "localhost", "*", ""])(
    "refuses %j",
    (text) => expect(textAddress(text)).toBeUndefined(),
  );
});
