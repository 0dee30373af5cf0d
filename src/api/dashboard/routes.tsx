/**
 * GET / and the other dashboard views, server-rendered with hono/jsx from the tRPC procedures
 * (called in-process with the request's credentials, session.ts), plus the files they load. Every
 * view reads its state from the URL, so links can be shared; see docs/architecture.md, "Dashboard".
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { Child } from "hono/jsx";
import { requireReader, resolvePrincipal } from "../../services/auth.js";
import { toServiceError } from "../../services/errors.js";
import { nodeNameSchema } from "../../services/inputs.js";
import { rowCursorSchema } from "../../services/port-map-page.js";
import { whoCursorSchema } from "../../services/who-page.js";
import { clientOrigin } from "../client-scheme.js";
import type { AppEnv } from "../env.js";
import { DASHBOARD_SCRIPT } from "./assets/client.js";
import { DASHBOARD_STYLES } from "./assets/styles.js";
import { UPLOT_SCRIPT, UPLOT_STYLES } from "./assets/uplot.generated.js";
import { Notice } from "./components/status.js";
import { pageError } from "./errors.js";
import { dashboardHeaders } from "./headers.js";
import { Layout } from "./layout.js";
import { ClusterPage, loadCluster, type PortRowsPage } from "./pages/cluster.js";
import {
  IngressPlanForm,
  IngressPlanPage,
  type IngressPlanQuery,
  loadIngressPlan,
  parseSelector,
} from "./pages/ingress-plan.js";
import { loadOverview, Overview } from "./pages/overview.js";
import { loadPlan, PlanForm, PlanPage, type PlanQuery } from "./pages/plan.js";
import { loadPort, PortForm, PortPage, type PortQuery, type Protocol, protocols } from "./pages/port.js";
import { SignIn } from "./pages/sign-in.js";
import {
  loadTrends,
  TrendForm,
  type TrendQuery,
  TrendsPage,
  type TrendWindow,
  windows,
} from "./pages/trends.js";
import {
  adminTokenRefused,
  authorizationOf,
  callerFor,
  type DashboardCaller,
  forgetToken,
  rememberToken,
} from "./session.js";
import { intParam, parseAsOf } from "./url-state.js";
import type { View } from "./view.js";

type Ctx = Context<AppEnv>;

function document(
  c: Ctx,
  element: Child,
  status: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 429 | 503 = 200,
  headers: Record<string, string> = {},
) {
  return c.html(`<!doctype html>${String(element)}`, status, headers);
}

/** The view's own query parameters (asOf aside): the time control keeps them. */
function viewOf(c: Ctx, names: readonly string[]): View | "invalid" {
  const asOf = parseAsOf(c.req.query("asOf"));
  if (asOf === "invalid") return "invalid";
  const params: Record<string, string> = {};
  for (const name of names) {
    const value = c.req.query(name);
    if (value) params[name] = value;
  }
  return { path: c.req.path, asOf, now: c.var.deps.services.now(), params };
}

/**
 * Renders one view: reads through the caller, then the page. A refusal becomes a page with its
 * status (401/403 offer the token form); anything unexpected goes to the app's error handler.
 */
async function render(
  c: Ctx,
  title: string,
  paramNames: readonly string[],
  body: (caller: DashboardCaller, view: View) => Promise<Child>,
) {
  const view = viewOf(c, paramNames);
  if (view === "invalid") {
    const now = { path: c.req.path, asOf: undefined, now: c.var.deps.services.now(), params: {} };
    return document(
      c,
      <Layout view={now} title={title}>
        <Notice kind="error">
          asOf is an instant such as 2026-11-27T10:00 (UTC) or 2026-11-27T10:00:00+02:00.
        </Notice>
      </Layout>,
      400,
    );
  }
  try {
    return document(
      c,
      <Layout view={view} title={title}>
        {await body(callerFor(c), view)}
      </Layout>,
    );
  } catch (error) {
    const refusal = pageError(error);
    const status = refusal.status as 400 | 401 | 403 | 404 | 409 | 413 | 429 | 503;
    const content =
      status === 401 || status === 403 ? (
        <SignIn message={refusal.message} signedIn={authorizationOf(c) !== undefined} />
      ) : (
        <Notice kind="error">{refusal.message}</Notice>
      );
    return document(
      c,
      <Layout view={view} title={title}>
        {content}
      </Layout>,
      status,
      refusal.headers,
    );
  }
}

const oneOf = <T extends string>(values: readonly T[], text: string | undefined): T | undefined =>
  values.find((v) => v === text);

function portQuery(c: Ctx): PortQuery | undefined {
  const port = intParam(c.req.query("port"), 0, 65535);
  if (port === 0) return undefined;
  const cursor = c.req.query("cursor");
  return {
    port,
    protocol: oneOf<Protocol>(protocols, c.req.query("protocol")),
    cursor: cursor && whoCursorSchema.safeParse(cursor).success ? cursor : undefined,
  };
}

/** The grid's page of port rows: a malformed cursor shows the first page, as a bad page number does. */
function portRowsPage(c: Ctx): PortRowsPage {
  const valid = (text: string | undefined) =>
    text && rowCursorSchema.safeParse(text).success ? text : undefined;
  const after = valid(c.req.query("after"));
  return after ? { after } : { before: valid(c.req.query("before")) };
}

/** The node a page of the grid's node columns starts after; a malformed one opens the first page. */
const nodesAfter = (c: Ctx) => {
  const text = c.req.query("nodesAfter");
  return text && nodeNameSchema.safeParse(text).success ? text : undefined;
};

function trendQuery(c: Ctx): TrendQuery {
  const [namespace, kind, name] = [c.req.query("namespace"), c.req.query("kind"), c.req.query("name")];
  const port = intParam(c.req.query("port"), 0, 65535);
  return {
    cluster: c.req.query("cluster") || undefined,
    port: port === 0 ? undefined : port,
    protocol: oneOf<Protocol>(protocols, c.req.query("protocol")),
    workload: namespace && kind && name ? { namespace, kind, name } : undefined,
    window: oneOf(Object.keys(windows) as TrendWindow[], c.req.query("window")) ?? "7d",
  };
}

function planQuery(c: Ctx): PlanQuery | undefined {
  const width = intParam(c.req.query("width"), 0, 65535);
  if (width === 0) return undefined;
  const optional = (name: string, max: number) => {
    const value = intParam(c.req.query(name), 0, max);
    return value === 0 ? undefined : value;
  };
  return {
    width,
    protocol: oneOf<Protocol>(protocols, c.req.query("protocol")),
    min: optional("min", 65535),
    max: optional("max", 65535),
    clusters: (c.req.query("clusters") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    quietDays: optional("quietDays", 3650),
  };
}

function ingressPlanQuery(c: Ctx): IngressPlanQuery | undefined {
  const name = c.req.query("icName");
  if (!name) return undefined;
  return {
    name,
    labelSelector: parseSelector(c.req.query("icSelector")),
    clusters: (c.req.query("icClusters") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    replicas: intParam(c.req.query("icReplicas"), 2, 1000),
  };
}

/**
 * A token form posted from another site is refused. Under Referrer-Policy no-referrer browsers send
 * `Origin: null` with form posts, so Sec-Fetch-Site (same-origin) is the signal, the Origin the fallback.
 */
const sameOriginPosts: MiddlewareHandler<AppEnv> = async (c, next) => {
  const sameSite =
    c.req.header("sec-fetch-site") === "same-origin" || c.req.header("origin") === clientOrigin(c);
  if (c.req.method === "POST" && !sameSite) {
    return c.json(
      {
        error: {
          code: "FORBIDDEN",
          message: "form posts come from this origin only",
          requestId: c.var.requestId,
        },
      },
      403,
    );
  }
  await next();
};

const file = (body: string, type: string) => (c: Ctx) =>
  c.body(body, 200, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-cache" });

export const dashboardRoutes = new Hono<AppEnv>()
  .use("/", dashboardHeaders)
  .use("/dashboard/*", dashboardHeaders)
  .use("/clusters/*", dashboardHeaders)
  .use("/ports", dashboardHeaders)
  .use("/trends", dashboardHeaders)
  .use("/plan", dashboardHeaders)
  .use("/session", dashboardHeaders)
  .use("/session/*", dashboardHeaders)
  // Form posts only from this origin: another site cannot plant or clear a token.
  .use("/session", sameOriginPosts)
  .use("/session/*", sameOriginPosts)
  .get("/dashboard/dashboard.js", file(DASHBOARD_SCRIPT, "text/javascript"))
  .get("/dashboard/dashboard.css", file(DASHBOARD_STYLES, "text/css"))
  .get("/dashboard/uplot.js", file(UPLOT_SCRIPT, "text/javascript"))
  .get("/dashboard/uplot.css", file(UPLOT_STYLES, "text/css"))
  .get("/", (c) =>
    render(c, "Fleet", ["cursor"], async (caller, view) => (
      <Overview view={view} data={await loadOverview(caller, view, c.req.query("cursor"))} />
    )),
  )
  .get("/clusters/:name", (c) => {
    const name = c.req.param("name");
    // An old link's `nodes` page number is not read: it opens the first node page.
    return render(c, `Cluster ${name}`, ["nodesAfter", "after", "before"], async (caller, view) => (
      <ClusterPage view={view} data={await loadCluster(caller, view, name, portRowsPage(c), nodesAfter(c))} />
    ));
  })
  .get("/ports", (c) => {
    const q = portQuery(c);
    return render(
      c,
      q ? `Who uses port ${q.port}` : "Who uses a port",
      ["port", "protocol"],
      async (caller, view) => (
        <>
          <PortForm q={q} asOf={view.asOf} />
          {q ? <PortPage view={view} q={q} data={await loadPort(caller, view, q)} /> : null}
        </>
      ),
    );
  })
  .get("/trends", (c) => {
    const q = trendQuery(c);
    return render(
      c,
      "Trends",
      ["cluster", "port", "protocol", "namespace", "kind", "name", "window"],
      async (caller, view) => (
        <>
          <TrendForm q={q} asOf={view.asOf} />
          <TrendsPage q={q} data={await loadTrends(caller, view, q)} />
        </>
      ),
    );
  })
  .get("/plan", (c) => {
    const q = planQuery(c);
    const ic = ingressPlanQuery(c);
    return render(
      c,
      "Planner",
      [
        "width",
        "protocol",
        "min",
        "max",
        "clusters",
        "quietDays",
        "icName",
        "icSelector",
        "icClusters",
        "icReplicas",
      ],
      async (caller, view) => (
        <>
          <PlanForm q={q} asOf={view.asOf} />
          {q ? <PlanPage data={await loadPlan(caller, q)} /> : null}
          <h2>Plan an IngressController</h2>
          <IngressPlanForm q={ic} />
          {ic ? <IngressPlanPage plan={await loadIngressPlan(caller, ic)} /> : null}
        </>
      ),
    );
  })
  .get("/session", (c) => {
    const view = { path: "/session", asOf: undefined, now: c.var.deps.services.now(), params: {} };
    return document(
      c,
      <Layout view={view} title="Token">
        <SignIn signedIn={authorizationOf(c) !== undefined} />
      </Layout>,
    );
  })
  .post("/session", async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token.trim() : "";
    const deps = c.var.deps;
    try {
      const principal = await resolvePrincipal(deps.services, deps.auth, `Bearer ${token}`);
      requireReader(principal);
      if (principal.kind === "admin") throw adminTokenRefused();
    } catch (error) {
      const refusal = toServiceError(error);
      if (!refusal) throw error;
      const view = { path: "/session", asOf: undefined, now: deps.services.now(), params: {} };
      return document(
        c,
        <Layout view={view} title="Token">
          <SignIn message={refusal.message} signedIn={false} />
        </Layout>,
        refusal.kind === "FORBIDDEN" ? 403 : 401,
      );
    }
    rememberToken(c, token);
    return c.redirect("/", 303);
  })
  .post("/session/end", (c) => {
    forgetToken(c);
    return c.redirect("/session", 303);
  });
