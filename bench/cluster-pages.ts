/**
 * Per-cluster answers on one large cluster: 6 hostNetwork pods holding together the most distinct host
 * ports a snapshot may declare (MAX_DISTINCT_HOST_PORTS / 6 each; 10,000 each before that bound), pushed
 * through the real endpoint. Prints the median time and byte size of each answer (ports.map,
 * ports.node, reports.portMap in Markdown and JSON, the dashboard's cluster page) over the rounds,
 * each answer asked with its defaults. Run it from two checkouts in turn to compare code versions.
 * Usage: npx tsx bench/cluster-pages.ts [rounds=5] [portsPerPod=1666]   (TEST_DATABASE_URL=postgres://… for PostgreSQL)
 */
import { performance } from "node:perf_hooks";
import { createApp } from "../src/app.js";
import { MAX_DISTINCT_HOST_PORTS } from "../src/contract/snapshot.js";
import { openScratchDatabase } from "./scratch-database.js";

const rounds = Number(process.argv[2] ?? 5);
const portsPerPod = Number(process.argv[3] ?? Math.floor(MAX_DISTINCT_HOST_PORTS / 6));
const url = process.env.TEST_DATABASE_URL;
const ADMIN = "bench-admin-token-0123456789";

/** 6 hostNetwork pods on 3 nodes, each holding its own range of portsPerPod host ports. */
function bigSnapshot() {
  const nodes = ["node-a", "node-b", "node-c"].map((name) => ({ name, ready: true }));
  const pods = Array.from({ length: 6 }, (_, i) => ({
    namespace: "load",
    name: `listener-${i}`,
    node: nodes[i % 3]?.name ?? "node-a",
    phase: "Running",
    hostNetwork: true,
    owner: null,
    ports: Array.from({ length: portsPerPod }, (_, j) => {
      const port = 1 + ((i * portsPerPod + j) % 65_535);
      return { container: "main", containerPort: port, hostPort: port, protocol: "TCP" };
    }),
  }));
  return { schemaVersion: 1, cluster: "big", observedAt: new Date().toISOString(), nodes, pods };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const trpc = (path: string, input: unknown) =>
  `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;

async function main() {
  const { handle, drop } = await openScratchDatabase("portolan_bench_pages");
  try {
    const app = createApp({
      database: handle,
      auth: { adminToken: ADMIN, openAccess: false },
      staleAfterSeconds: 600,
      maxSnapshotBytes: 64 * 1024 * 1024,
    });
    const headers = { authorization: `Bearer ${ADMIN}` };
    const reg = await app.request("/trpc/clusters.register", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ name: "big" }),
    });
    const token = ((await reg.json()) as { result: { data: { token: string } } }).result.data.token;
    const pushed = await app.request("/v1/snapshots", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(bigSnapshot()),
    });
    if (pushed.status !== 200) throw new Error(`push: ${pushed.status} ${await pushed.text()}`);
    const answers: [string, string][] = [
      ["ports.map", trpc("ports.map", { cluster: "big" })],
      ["ports.node", trpc("ports.node", { cluster: "big", node: "node-a" })],
      ["reports.portMap markdown", trpc("reports.portMap", { cluster: "big", format: "markdown" })],
      ["reports.portMap json", trpc("reports.portMap", { cluster: "big", format: "json" })],
      ["dashboard /clusters/big", "/clusters/big"],
    ];
    const times = new Map<string, number[]>(answers.map(([name]) => [name, []]));
    const sizes = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      for (const [name, path] of answers) {
        const start = performance.now();
        const res = await app.request(path, { headers });
        const body = await res.arrayBuffer();
        times.get(name)?.push(performance.now() - start);
        if (res.status !== 200) throw new Error(`${name}: ${res.status}`);
        sizes.set(name, body.byteLength);
      }
    }
    console.log(
      `cluster: 6 pods x ${portsPerPod} host ports, ${url ? "PostgreSQL" : "PGlite"}, ${rounds} rounds`,
    );
    for (const [name] of answers) {
      const ms = median(times.get(name) ?? []);
      const bytes = sizes.get(name) ?? 0;
      console.log(
        `${name.padEnd(28)} ${ms.toFixed(0).padStart(7)} ms ${(bytes / 1024).toFixed(1).padStart(10)} KiB`,
      );
    }
  } finally {
    await drop();
  }
}

await main();
