/**
 * What a page costs at the gates every procedure call passes (api/limits/gates.ts): PAGE_COST calls
 * of the reader's query budget, the same bucket as the token's /trpc calls, spent by the page's first
 * call; and one expensive-call slot, which the page's expensive calls share (a page runs a bounded
 * few at once, the fleet page a few per cluster), taken like a /trpc call's and refused like it.
 */
import type { Context } from "hono";
import { hashToken } from "../../services/tokens.js";
import type { AppEnv } from "../env.js";
import { CallGates } from "../limits/gates.js";
import { principalKey } from "../limits/middleware.js";

export const PAGE_COST = 10;

/** `cookieToken`: the dashboard cookie's token (session.ts), which keys the page like a bearer token. */
export function pageGates(c: Context<AppEnv>, cookieToken: string | undefined): CallGates {
  // The cookie's token keys the budget as principalKey keys a bearer token: pages and API calls share it.
  const key = async () => {
    return cookieToken && !c.req.header("authorization")
      ? `token:${await hashToken(cookieToken)}`
      : principalKey(c);
  };
  return new CallGates(c.var.deps.limits, key, { calls: PAGE_COST, shareSlot: true });
}
