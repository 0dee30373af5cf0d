/**
 * The README's curl walk-through as data, so the Worker (under wrangler's local workerd) and the
 * Node app can be driven through it and their answers compared.
 */
export const WALKTHROUGH_SNAPSHOT = {
  schemaVersion: 1,
  cluster: "prod-eu-1",
  observedAt: "2026-11-27T10:00:00Z",
  nodes: [
    { name: "worker-1", ready: true },
    { name: "worker-2", ready: true },
  ],
  pods: [
    {
      namespace: "monitoring",
      name: "node-exporter-abcde",
      node: "worker-1",
      phase: "Running",
      hostNetwork: true,
      owner: { kind: "DaemonSet", name: "node-exporter" },
      ports: [{ container: "node-exporter", containerPort: 9100, hostPort: 9100 }],
    },
  ],
};

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

export interface WalkthroughAnswers {
  register: { status: number; body: unknown };
  push: { status: number; body: unknown };
  who: { status: number; body: unknown };
  whoAsOf: { status: number; body: unknown };
  map: { status: number; body: unknown };
  list: { status: number; body: unknown };
}

const query = (procedure: string, input: unknown) =>
  `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;

async function answer(res: Response) {
  return { status: res.status, body: await res.json() };
}

/** Steps 1-4 of the README, without an admin token (development mode / PORTOLAN_OPEN_ACCESS). */
export async function runWalkthrough(fetch: Fetch): Promise<WalkthroughAnswers> {
  const register = await answer(
    await fetch("/trpc/clusters.register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "prod-eu-1", labels: { env: "prod" } }),
    }),
  );
  const token = (register.body as { result?: { data?: { token?: string } } }).result?.data?.token;
  const push = await answer(
    await fetch("/v1/snapshots", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(WALKTHROUGH_SNAPSHOT),
    }),
  );
  return {
    register,
    push,
    who: await answer(await fetch(query("ports.who", { hostPort: 9100 }))),
    whoAsOf: await answer(await fetch(query("ports.who", { hostPort: 9100, asOf: "2026-11-27T10:30:00Z" }))),
    map: await answer(await fetch(query("ports.map", { cluster: "prod-eu-1" }))),
    list: await answer(await fetch(query("clusters.list", {}))),
  };
}

/** Replaces what differs between any two runs (the agent token, server-clock instants). */
export function comparable(answers: WalkthroughAnswers): unknown {
  return JSON.parse(
    JSON.stringify(answers)
      .replace(/ptl_agent_[A-Za-z0-9_-]+/g, "ptl_agent_…")
      .replace(/"(createdAt|lastSeenAt)":"[^"]+"/g, '"$1":"…"')
      // receipt time differs between the two servers, so the agent's clock skew does too
      .replace(/"clockSkewSeconds":[-0-9.e]+/g, '"clockSkewSeconds":"…"'),
  );
}
