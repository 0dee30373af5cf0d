/**
 * How a page knows its reader. A browser cannot add an Authorization header to a link it follows, so
 * the sign-in form stores the read (or admin) token in an HttpOnly, SameSite=Strict cookie: page
 * scripts never see it, and other sites' links and forms do not carry it. curl may still send the
 * header; in development mode (open access) no token is needed at all.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { resolvePrincipal } from "../../services/auth.js";
import type { AppEnv } from "../env.js";
import { appRouter } from "../root.js";
import type { TrpcContext } from "../trpc.js";

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

/** The tRPC procedures, called in-process with the request's credentials: the same checks as /trpc. */
export function callerFor(c: Context<AppEnv>) {
  const deps = c.var.deps;
  let caller: ReturnType<TrpcContext["caller"]> | undefined;
  const ctx: TrpcContext = {
    services: deps.services,
    auth: deps.auth,
    caller: () => {
      caller ??= resolvePrincipal(deps.services, deps.auth, authorizationOf(c));
      return caller;
    },
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
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: COOKIE_MAX_AGE_SECONDS,
  });
}

export function forgetToken(c: Context<AppEnv>): void {
  deleteCookie(c, TOKEN_COOKIE, { path: "/" });
}
