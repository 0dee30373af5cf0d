/**
 * The scheme the client used: the request's own, or, from a trusted proxy only (the peer address
 * matched by PORTOLAN_TRUSTED_PROXIES), the one its Forwarded or X-Forwarded-Proto header names.
 * An untrusted peer's headers are ignored: anyone can send them.
 */
import type { Context } from "hono";
import type { AppEnv } from "./env.js";

/** The socket's peer: @hono/node-server puts the socket in env.incoming (absent on Workers). */
export function peerAddress(c: Context<AppEnv>): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/** `Forwarded: for=…;proto=https, …`: the first element's proto, as the outermost proxy saw it. */
function forwardedProto(header: string | undefined): string | undefined {
  const first = header?.split(",", 1)[0];
  for (const pair of first?.split(";") ?? []) {
    const [name, value] = pair.split("=", 2).map((s) => s.trim());
    if (name?.toLowerCase() === "proto" && value) return value.replace(/^"|"$/g, "").toLowerCase();
  }
  return undefined;
}

export function clientScheme(c: Context<AppEnv>): "http" | "https" {
  if (new URL(c.req.url).protocol === "https:") return "https";
  const peer = peerAddress(c);
  const trusted = c.var.deps.trustedProxy;
  if (!peer || !trusted?.(peer)) return "http";
  const proto =
    forwardedProto(c.req.header("forwarded")) ??
    c.req.header("x-forwarded-proto")?.split(",", 1)[0]?.trim().toLowerCase();
  return proto === "https" ? "https" : "http";
}

/** The origin the client sees (scheme as above, the request's Host), for same-origin checks. */
export function clientOrigin(c: Context<AppEnv>): string {
  const url = new URL(c.req.url);
  return `${clientScheme(c)}://${url.host}`;
}
