/**
 * PORTOLAN_TRUSTED_PROXIES: the peers (addresses or CIDR blocks) whose X-Forwarded-Proto and
 * Forwarded headers tell the client's scheme. Node only (node:net); the Worker's URL already carries it.
 */
import { BlockList, isIP } from "node:net";
import * as z from "zod";

interface Block {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

function parseBlock(entry: string): Block | string {
  const [address = "", prefixText, extra] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return `"${entry}" is not an IP address or CIDR block`;
  const family = version === 4 ? "ipv4" : "ipv6";
  const bits = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: bits, family };
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= bits)) return `"${entry}": the prefix length must be 0 to ${bits}`;
  return { address, prefix, family };
}

/** A comma-separated list of addresses and CIDR blocks, validated; empty entries are ignored. */
export const trustedProxiesSchema = z.string().transform((text, ctx) => {
  const blocks: Block[] = [];
  for (const entry of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const block = parseBlock(entry);
    if (typeof block === "string") ctx.addIssue({ code: "custom", message: block });
    else blocks.push(block);
  }
  return blocks;
});

/** Whether a socket's peer is one of the trusted proxies (IPv4-mapped IPv6 peers match IPv4 blocks). */
export function trustedProxies(blocks: readonly Block[]): ((address: string) => boolean) | undefined {
  if (blocks.length === 0) return undefined;
  const list = new BlockList();
  for (const b of blocks) list.addSubnet(b.address, b.prefix, b.family);
  return (address) => {
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? "ipv4" : "ipv6");
  };
}
