/**
 * How a page knows its reader. A browser cannot add an Authorization header to a link it follows, so
 * the sign-in form stores a read token in an HttpOnly, SameSite=Strict cookie (Secure whenever the
 * client speaks https): page scripts never see it, and other sites' links and forms do not carry it.
 * The cookie holds read tokens only: the admin token can change the fleet, and a browser is no place
 * to keep it. curl may still send the header; in development mode (open access) no token is needed.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { type Principal, resolvePrincipal } from "../../services/auth.js";
import { ServiceError } from "../../services/errors.js";
import { clientScheme } from "../client-scheme.js";
import type { AppEnv } from "../env.js";
import { appRouter } from "../root.js";
import type { TrpcContext } from "../trpc.js";
import { pageGates } from "./limits.js";

export const TOKEN_COOKIE = "portolan_token";
/** a working day; signing in again is one paste */
const COOKIE_MAX_AGE_SECONDS = 12 * 3600;

export const tokenCookie = (c: Context<AppEnv>): string | undefined =>
  getCookie(c, TOKEN_COOKIE) || undefined;

/** The Authorization the request stands for: its header, else the dashboard cookie's token. */
export function authorizationOf(c: Context<AppEnv>): string | undefined {
  const header = c.req.header("authorization");
  if (header) return header;
  const token = tokenCookie(c);
  return token ? `Bearer ${token}` : undefined;
}

export const adminTokenRefused = () =>
  new ServiceError(
    "FORBIDDEN",
    "ADMIN_TOKEN_NOT_FOR_DASHBOARD",
    "the dashboard keeps read tokens only (the admin token can change the fleet): make one with the admin procedure tokens.createRead (README) and sign in with it",
  );

/** Who the request stands for; the admin token in the cookie (kept before it was refused) counts as none. */
async function pagePrincipal(c: Context<AppEnv>): Promise<Principal> {
  const deps = c.var.deps;
  const fromCookie = !c.req.header("authorization");
  const principal = await resolvePrincipal(deps.services, deps.auth, authorizationOf(c));
  if (fromCookie && principal.kind === "admin" && !principal.open) throw adminTokenRefused();
  return principal;
}

/** The tRPC procedures, called in-process with the request's credentials: the same checks as /trpc. */
export function callerFor(c: Context<AppEnv>) {
  const deps = c.var.deps;
  let caller: ReturnType<TrpcContext["caller"]> | undefined;
  const ctx: TrpcContext = {
    services: deps.services,
    auth: deps.auth,
    caller: () => {
      caller ??= pagePrincipal(c);
      return caller;
    },
    gates: pageGates(c, tokenCookie(c)),
    requestId: c.var.requestId,
  };
  return appRouter.createCaller(ctx);
}

export type DashboardCaller = ReturnType<typeof callerFor>;

export function rememberToken(c: Context<AppEnv>, token: string): void {
  setCookie(c, TOKEN_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: clientScheme(c) === "https",
    maxAge: COOKIE_MAX_AGE_SECONDS,
  });
}

export function forgetToken(c: Context<AppEnv>): void {
  deleteCookie(c, TOKEN_COOKIE, { path: "/" });
}
