/**
 * Seeds the demo fleet through the public API, as an operator and agents would: clusters registered
 * with labels (admin), every push through POST /v1/snapshots with the cluster's agent token, and a
 * read token for the dashboard. `target` is anything fetch-like: app.request in tests, a real URL
 * in `npm run demo`.
 */
import { DEFAULT_DEMO_SEED, DEMO_AGENT, type DemoEvent, demoFleet, demoScripts } from "./fleet.js";

export type FetchTarget = (path: string, init?: RequestInit) => Promise<Response>;

export interface SeedOptions {
  /** "" in development mode (no admin token: admin calls are open on loopback) */
  adminToken: string;
  now: Date;
  seed?: number;
}

export interface SeedResult {
  readToken: string;
  reused: boolean;
  events: DemoEvent[];
}

/**
 * The marker is a read token whose name records the seeded fleet; it is created last, so a fleet
 * that has it was seeded completely, and its instant and seed rebuild the same events on reuse.
 */
const MARKER_PREFIX = "portolan-demo";
const MARKER = /^portolan-demo seed=(\d+) now=(\S+)$/;

/** How to give the demo an empty database, for a refusal to name (README.md, "Demo fleet"). */
export const EMPTY_DATABASE =
  "start from an empty database: stop the server, then run the demo with a new PORTOLAN_DATA_DIR (e.g. PORTOLAN_DATA_DIR=./.portolan-demo npm run demo) or remove the old one (rm -rf ./.portolan, which deletes its clusters and history); with DATABASE_URL, point it at a new database";

class DemoApi {
  constructor(
    private readonly target: FetchTarget,
    private readonly adminToken: string,
  ) {}

  private headers(token: string): Record<string, string> {
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  private async answer<T>(what: string, response: Response): Promise<T> {
    const body = (await response.json()) as { result?: { data: T }; error?: { message?: string } };
    if (!response.ok || !body.result) {
      throw new Error(
        `demo seed: ${what} answered ${response.status}: ${body.error?.message ?? "no result"}`,
      );
    }
    return body.result.data;
  }

  async query<T>(path: string, input: unknown): Promise<T> {
    const url = `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.answer<T>(path, await this.target(url, { headers: this.headers(this.adminToken) }));
  }

  async mutate<T>(path: string, input: unknown): Promise<T> {
    const response = await this.target(`/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...this.headers(this.adminToken) },
      body: JSON.stringify(input),
    });
    return this.answer<T>(path, response);
  }

  async push(agentToken: string, snapshot: unknown, what: string): Promise<void> {
    const response = await this.target("/v1/snapshots", {
      method: "POST",
      headers: { "content-type": "application/json", ...this.headers(agentToken) },
      body: JSON.stringify(snapshot),
    });
    if (!response.ok)
      throw new Error(`demo seed: push ${what} answered ${response.status}: ${await response.text()}`);
  }
}

/** The seeded fleet's seed and "now", read from its marker; null before the fleet was seeded. */
async function seededFleet(api: DemoApi): Promise<{ seed: number; now: Date } | null> {
  let cursor: string | null = null;
  do {
    const page: { tokens: { name: string }[]; nextCursor: string | null } = await api.query("tokens.list", {
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    const marker = page.tokens.map((t) => MARKER.exec(t.name)).find((m) => m !== null);
    if (marker) return { seed: Number(marker[1]), now: new Date(marker[2] ?? "") };
    cursor = page.nextCursor;
  } while (cursor);
  return null;
}

export async function seedDemo(target: FetchTarget, options: SeedOptions): Promise<SeedResult> {
  const api = new DemoApi(target, options.adminToken);
  const seeded = await seededFleet(api);
  if (seeded) {
    // Seeded before: the fleet and its history stay; only a new read token is issued.
    const readToken = await api.mutate<{ token: string }>("tokens.createRead", {
      name: `${MARKER_PREFIX} reader ${options.now.toISOString()}`,
    });
    return { readToken: readToken.token, reused: true, events: demoFleet(seeded).events };
  }

  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const fleet = demoFleet({ now: options.now, seed });
  const agentTokens = new Map<string, string>();
  for (const cluster of fleet.clusters) {
    const registered = await api
      .mutate<{ token: string }>("clusters.register", cluster)
      .catch((error: Error) => {
        throw new Error(
          `${error.message} (this database holds clusters but no complete demo fleet: a walk-through's or an interrupted seed's; ${EMPTY_DATABASE})`,
        );
      });
    agentTokens.set(cluster.name, registered.token);
  }
  for (const push of fleet.pushes) {
    await api.push(
      agentTokens.get(push.cluster) ?? "",
      push.snapshot,
      `${push.cluster}@${push.at.toISOString()}`,
    );
  }
  const readToken = await api.mutate<{ token: string }>("tokens.createRead", {
    name: `${MARKER_PREFIX} seed=${seed} now=${options.now.toISOString()}`,
  });
  return { readToken: readToken.token, reused: false, events: fleet.events };
}

/**
 * Keeps the seeded fleet's live agents pushing while the demo runs (their final state, observed at
 * `clock()`), so only the silent agent's cluster goes stale. Agent tokens are shown once, so each
 * run rotates them. Returns the clusters kept alive and one heartbeat round to call on a timer.
 */
export async function liveAgents(target: FetchTarget, options: { adminToken: string; clock: () => Date }) {
  const api = new DemoApi(target, options.adminToken);
  const seeded = await seededFleet(api);
  if (!seeded) throw new Error("demo: the fleet is not seeded");
  const live = demoScripts(seeded).filter((script) => script.silentFrom === undefined);
  const agents = await Promise.all(
    live.map(async (script) => ({
      script,
      token: (await api.mutate<{ token: string }>("clusters.rotateToken", { name: script.name })).token,
    })),
  );
  const heartbeat = async () => {
    for (const { script, token } of agents) {
      const at = options.clock();
      const snapshot = {
        schemaVersion: 1,
        cluster: script.name,
        observedAt: at.toISOString(),
        agent: DEMO_AGENT,
      };
      await api.push(token, { ...snapshot, ...script.stateAt(at) }, `${script.name} heartbeat`);
    }
  };
  return { clusters: live.map((s) => s.name), heartbeat };
}
