/**
 * Observed node listeners answered through the real app and CLI: commatrix's own captures pushed as
 * snapshots, then `portolan listeners matrix` against commatrix's parsed matrix, and `portolan ports
 * who` naming what listens on a port beside (never among) the declared holds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseCsv } from "../../src/contract/csv.js";
import { mergeNodeListeners, parseSsNodes } from "../../src/contract/listener-parsers/ss.js";
import type { NodeListeners } from "../../src/contract/listeners.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { hostNetworkPod } from "../fixtures/snapshots.js";
import { createHarness, dataOf, type Harness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { sharedInputDir } from "../helpers/shared-inputs.js";

const shared = sharedInputDir("node-listeners", "NODE_LISTENERS_DIR");
const evidence = (capture: string, file: string) =>
  readFileSync(join(shared.dir, "commatrix", "ci-evidence", capture, file), "utf8");

/** NodeListeners of one of commatrix's captures, through the product's ss parser. */
function capture(dir: string): NodeListeners[] {
  const parse = (file: string, protocol: "TCP" | "UDP") => {
    const parsed = parseSsNodes(evidence(dir, file), protocol);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };
  const merged = mergeNodeListeners(parse("raw-ss-tcp", "TCP"), parse("raw-ss-udp", "UDP"));
  if (!merged.ok) throw new Error(merged.message);
  return merged.value;
}

/** The node-role label commatrix groups by: a control-plane node is master (SNO included). */
const roleLabels = (node: string): Record<string, string> =>
  node.startsWith("worker")
    ? { "node-role.kubernetes.io/worker": "" }
    : { "node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": "" };

const snapshotOf = (cluster: string, reports: NodeListeners[]): SnapshotInput => ({
  schemaVersion: 1,
  cluster,
  observedAt: "2026-12-01T10:00:00Z",
  nodes: reports.map((r) => ({ name: r.node, ready: true, labels: roleLabels(r.node) })),
  pods: [],
  nodeListeners: reports,
});

function csvRecords(text: string): string[] {
  const parsed = parseCsv(text);
  if (!parsed.ok) throw new Error(parsed.message);
  const [header = [], ...records] = parsed.records;
  const col = (name: string) => header.indexOf(name);
  return records
    .map((r) => ["Direction", "Protocol", "Port", "Service", "NodeGroup"].map((c) => r[col(c)]).join(","))
    .sort();
}

describe.skipIf(!shared.present)("observed listeners through the app and the CLI", () => {
  let h: Harness;
  let server: ReturnType<typeof serve>;
  let url: string;
  let dir: string;
  const cli = (...argv: string[]) => runCli([...argv, "--url", url, "--token", h.adminToken]);

  beforeAll(async () => {
    h = await createHarness({ now: () => new Date("2026-12-02T00:00:00Z") });
    server = serve({ fetch: h.app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), "portolan-listeners-"));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await h.reset();
    for (const [cluster, dirName] of [
      ["sno", "bm-sno-5.0"],
      ["bm", "bm-3master-3worker-4.23"],
    ] as const) {
      const token = await h.register(cluster);
      const res = await h.push(token, snapshotOf(cluster, capture(dirName)));
      expect(res.status).toBe(200);
    }
  });

  it("exports the single-node matrix as commatrix's CSV with the rows commatrix parsed from the same capture", async () => {
    const run = await cli("listeners", "matrix", "--cluster", "sno", "--format", "csv");
    expect(run.code).toBe(0);
    const expected = evidence("bm-sno-5.0", "ss-generated-matrix.csv");
    expect(run.out.split("\n")[0]).toBe(expected.split(/\r?\n/)[0]);
    expect(csvRecords(run.out)).toEqual(csvRecords(expected));
  });

  it("passes against commatrix's own matrix and exits 3 when a baseline lacks an undeclared listener", async () => {
    const baseline = join(dir, "commatrix.csv");
    writeFileSync(baseline, evidence("bm-sno-5.0", "ss-generated-matrix.csv"));
    const same = await cli("listeners", "matrix", "--cluster", "sno", "--against", baseline);
    expect(same.code).toBe(0);

    const without22623 = join(dir, "without.csv");
    writeFileSync(
      without22623,
      evidence("bm-sno-5.0", "ss-generated-matrix.csv")
        .split("\n")
        .filter((line) => !line.includes(",22623,"))
        .join("\n"),
    );
    const added = await cli("listeners", "matrix", "--cluster", "sno", "--against", without22623);
    expect(added.code).toBe(3);
    expect(added.out).toContain("new undeclared listeners: master 22623/TCP");
  });

  it("answers listeners.matrix with every row, loopback ones included, per role and node count", async () => {
    const answer = dataOf(await h.query("listeners.matrix", { cluster: "bm" }, h.adminToken)) as {
      observedNodes: number;
      rows: { nodeRole: string; protocol: string; port: number; scopes: string[]; nodes: number }[];
    };
    expect(answer.observedNodes).toBe(6);
    const ovnkube = answer.rows.filter((r) => r.protocol === "TCP" && r.port === 29103);
    expect(ovnkube).toEqual([
      expect.objectContaining({ nodeRole: "master", scopes: ["loopback"], nodes: 3 }),
      expect.objectContaining({ nodeRole: "worker", scopes: ["loopback"], nodes: 3 }),
    ]);
  });

  it("names ovnkube on every bare-metal node as an observed loopback listener of 29103", async () => {
    const run = await cli("ports", "who", "29103", "--cluster", "bm");
    expect(run.code).toBe(0);
    expect(run.out).toContain("no allocations of 29103");
    const lines = run.out.split("\n").filter((line) => /^bm\s/.test(line));
    expect(lines).toHaveLength(6);
    for (const line of lines)
      expect(line).toMatch(/29103\/TCP\s+127\.0\.0\.1\s+loopback\s+ovnkube\(\d+\)\s+-\s+host-service/);

    const json = JSON.parse((await cli("ports", "who", "29103", "--cluster", "bm", "--json")).out) as {
      allocations: unknown[];
      listeners: { node: string; observed: boolean; scope: string; processes: { name: string }[] }[];
    };
    expect(json.allocations).toEqual([]);
    expect(new Set(json.listeners.map((l) => l.node)).size).toBe(6);
    expect(
      json.listeners.every((l) => l.observed && l.scope === "loopback" && l.processes[0]?.name === "ovnkube"),
    ).toBe(true);
  });

  it("lists a node's observed listeners in ports.node, and none as of before its first report", async () => {
    const answer = dataOf(await h.query("ports.node", { cluster: "bm", node: "worker-2" }, h.adminToken)) as {
      listenersObserved: boolean;
      listeners: { port: number; node: string }[];
    };
    expect(answer.listenersObserved).toBe(true);
    expect(answer.listeners.some((l) => l.port === 29103)).toBe(true);
    expect(answer.listeners.every((l) => l.node === "worker-2")).toBe(true);
    const before = dataOf(
      await h.query("ports.who", { hostPort: 29103, asOf: "2026-12-01T09:00:00Z" }, h.adminToken),
    ) as { listeners: unknown[] };
    expect(before.listeners).toEqual([]);
  });

  it("marks a port map row with the listeners observed on its port, and classifies the one its pod declares", async () => {
    const token = await h.register("bm-pods");
    const reports = capture("bm-3master-3worker-4.23");
    const exporter = hostNetworkPod("openshift-monitoring", "node-exporter-x", "worker-2", [9100], {
      kind: "DaemonSet",
      name: "node-exporter",
    });
    const res = await h.push(token, { ...snapshotOf("bm-pods", reports), pods: [exporter] });
    expect(res.status).toBe(200);
    const map = dataOf(await h.query("ports.map", { cluster: "bm-pods" }, h.adminToken));
    const row = map.ports.find((p) => p.hostPort === 9100 && p.protocol === "TCP");
    expect(row?.observedListeners).toEqual({
      listeners: 6,
      nodes: 6,
      nodeNames: reports.map((r) => r.node).sort(),
    });
    const who = dataOf(await h.query("ports.who", { hostPort: 9100, clusters: ["bm-pods"] }, h.adminToken));
    expect(who.allocations).toHaveLength(1);
    const classes = who.listeners.map((l) => `${l.node} ${l.class}`);
    expect(classes).toContain("worker-2 declared");
    expect(classes).toContain("worker-0 host-service");
    // The same capture as a second cluster without the pod: its worker-2's socket is nobody's, fleet-wide.
    const bare = await h.register("bm-bare");
    expect((await h.push(bare, snapshotOf("bm-bare", reports))).status).toBe(200);
    const fleet = dataOf(
      await h.query("ports.who", { hostPort: 9100, clusters: ["bm-pods", "bm-bare"] }, h.adminToken),
    );
    const worker2 = fleet.listeners
      .filter((l) => l.node === "worker-2")
      .map((l) => `${l.cluster} ${l.class}`);
    expect(worker2.sort()).toEqual(["bm-bare host-service", "bm-pods declared"]);
  });
});
