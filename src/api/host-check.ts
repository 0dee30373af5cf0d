/**
 * Development mode (no admin token, loopback bind) answers anyone who reaches it. A web page cannot
 * reach 127.0.0.1 by name, except through DNS rebinding: its own host name re-pointed at 127.0.0.1,
 * so the browser sends `Host: evil.example`. Accepting only loopback host names closes that door.
 */
import type { MiddlewareHandler } from "hono";
import { isLoopbackHost } from "../config/bind.js";
import type { AppEnv } from "./env.js";
import type { ErrorBody } from "./errors.js";

/** localhost, *.localhost (RFC 6761), 127.0.0.0/8 and [::1], any port. */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  return isLoopbackHost(h) || h.endsWith(".localhost");
}

export const loopbackHostsOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  // On Node the request URL is built from the Host header, so this reads what the browser sent.
  const { hostname } = new URL(c.req.url);
  if (!isLoopbackHostname(hostname))
    return c.json(
      {
        error: {
          code: "HOST_NOT_ALLOWED",
          message: `development mode answers loopback host names only (localhost, 127.0.0.1, [::1]), not ${hostname}; set PORTOLAN_ADMIN_TOKEN to serve other names`,
          requestId: c.var.requestId,
        },
      } satisfies ErrorBody,
      403,
    );
  await next();
};
