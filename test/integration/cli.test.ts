import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/entry/node.js";
import { tcpListener } from "../fixtures/listeners.js";
import { sixWorkersSnapshot } from "../fixtures/six-workers.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { runCli } from "../helpers/cli.js";

const ADMIN = "cli-test-admin-token-0123";
let server: RunningServer;
let dir: string;

const cli = (...argv: string[]) => runCli([...argv, "--url", server.url]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portolan-cli-"));
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, adminToken: ADMIN });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("portolan CLI against a running server", () => {
  it("registers, pushes and prints a readable port map", async () => {
    const added = await cli(
      "clusters",
      "add",
      "prod-eu-1",
      "--label",
      "env=prod",
      "--token",
      ADMIN,
      "--json",
    );
    expect(added.code).toBe(0);
    const { token } = JSON.parse(added.out) as { token: string };

    const workers = [1, 2, 3].map((i) => node(`worker-${i}`));
    const pods = [1, 2, 3].map((i) =>
      hostNetworkPod("openshift-ingress", `router-default-${i}`, `worker-${i}`, [80, 443], {
        kind: "Deployment",
        name: "router-default",
      }),
    );
    pods.push(
      hostNetworkPod("monitoring", "proxy-1", "worker-1", [9090], {
        kind: "Deployment",
        name: "monitoring-proxy",
      }),
    );
    const file = join(dir, "snapshot.json");
    writeFileSync(file, JSON.stringify(snapshot("prod-eu-1", "2026-11-27T10:00:00Z", workers, pods)));
    const pushed = await cli("push", file, "--token", token);
    expect(pushed).toMatchObject({ code: 0, out: expect.stringMatching(/accepted: \d+ intervals opened/) });

    const map = await cli("ports", "map", "prod-eu-1", "--token", ADMIN);
    expect(map.code).toBe(0);
    expect(map.out).toMatch(
      /80\/TCP\s+0\.0\.0\.0\s+openshift-ingress\/router-default \(Deployment, 3\)\s+all 3 eligible\s+0/,
    );
    expect(map.out).toMatch(
      /9090\/TCP\s+0\.0\.0\.0\s+monitoring\/monitoring-proxy \(Deployment, 1\)\s+1: worker-1; 3 of 3 nodes eligible\s+2: worker-2, worker-3/,
    );

    const freeFor9090 = await cli("ports", "free", "prod-eu-1", "9090", "--token", ADMIN);
    expect(freeFor9090).toMatchObject({ code: 0, out: "worker-2\nworker-3" });

    const who = await cli("ports", "who", "443", "--token", ADMIN);
    expect(who.out).toMatch(/3 allocation\(s\) in 1 cluster\(s\)/);

    // worker-3 cordoned: the router still holds 80 there, but only two nodes are eligible.
    const cordoned = [node("worker-1"), node("worker-2"), node("worker-3", { unschedulable: true })];
    writeFileSync(file, JSON.stringify(snapshot("prod-eu-1", "2026-11-27T10:05:00Z", cordoned, pods)));
    expect((await cli("push", file, "--token", token)).code).toBe(0);
    const after = await cli("ports", "map", "prod-eu-1", "--token", ADMIN);
    expect(after.out).not.toMatch(/all 3 eligible/);
    expect(after.out).toMatch(
      /80\/TCP\s+0\.0\.0\.0\s+\S+ \(Deployment, 3\)\s+3: worker-1, worker-2, worker-3; 2 of 3 nodes eligible \(worker-3 cordoned\)/,
    );
  });

  it("lists clusters with their clock skew and rolls a cluster's clock back", async () => {
    const added = await cli("clusters", "add", "skewed", "--token", ADMIN, "--json");
    const { token } = JSON.parse(added.out) as { token: string };
    const file = join(dir, "skewed.json");
    writeFileSync(file, JSON.stringify(snapshot("skewed", "2026-11-27T10:00:00Z", [node("worker-1")], [])));
    expect((await cli("push", file, "--token", token)).code).toBe(0);

    const listed = await cli("clusters", "list", "--token", ADMIN, "--json");
    const skewed = (JSON.parse(listed.out) as { name: string; clockSkewSeconds: number }[]).find(
      (c) => c.name === "skewed",
    );
    expect(skewed?.clockSkewSeconds).toBeLessThan(0);

    const reset = await cli(
      "clusters",
      "reset-clock",
      "skewed",
      "--as-of",
      "2026-11-27T09:00:00Z",
      "--token",
      ADMIN,
      "--json",
    );
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.out)).toMatchObject({ snapshotsRemoved: 1, lastObservedAt: null });
    expect((await cli("push", file, "--token", token)).code).toBe(0);
  });

  it("exits 1 with the server's reason when refused, and 2 on a usage error", async () => {
    const refused = await cli("ports", "map", "nowhere", "--token", ADMIN);
    expect(refused).toMatchObject({
      code: 1,
      err: expect.stringMatching(/NOT_FOUND: cluster "nowhere" does not exist/),
    });
    const unauthorised = await cli("clusters", "list");
    expect(unauthorised.code).toBe(1);
    const usage = await cli("ports", "who", "70000", "--token", ADMIN);
    expect(usage.code).toBe(2);
  });

  it("reports a refused snapshot with its code and issues", async () => {
    const added = await cli("clusters", "add", "c2", "--token", ADMIN, "--json");
    const { token } = JSON.parse(added.out) as { token: string };
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify(snapshot("c2", "2026-11-27T10:00:00Z", [], [hostNetworkPod("a", "b", "ghost", [80])])),
    );
    const pushed = await cli("push", file, "--token", token);
    expect(pushed).toMatchObject({
      code: 1,
      out: expect.stringMatching(/refused \(400 UNKNOWN_NODE\)[\s\S]*pods\.0\.node/),
    });
  });

  it("answers the planning commands with exit codes scripts can use", async () => {
    const added = await cli("clusters", "add", "six", "--token", ADMIN, "--json");
    const { token } = JSON.parse(added.out) as { token: string };
    const file = join(dir, "six.json");
    writeFileSync(file, JSON.stringify(sixWorkersSnapshot("six")));
    expect((await cli("push", file, "--token", token)).code).toBe(0);
    const read = ["--token", ADMIN, "--cluster", "six"];

    const headroom = await cli("headroom", ...read, "--fail-below", "1");
    expect(headroom.code).toBe(3);
    expect(headroom.out).toMatch(
      /openshift-ingress\/Deployment\/router-default\s+80\/TCP,443\/TCP\s+6\s+6\s+0\s+0 none/,
    );
    expect(headroom.out).toMatch(/1 workload\(s\) below headroom 1/);
    expect((await cli("headroom", ...read, "--fail-below", "0")).code).toBe(0);
    // the next rollout: routers roll with maxSurge 0 / maxUnavailable 25% (≥ 1), so even 6 on 6 completes
    expect(headroom.out).toMatch(/openshift-ingress\/Deployment\/router-default\s.*\s5\s+completes/);
    expect(headroom.out).not.toContain("Rollouts that would not finish");

    const fit = await cli(
      "plan",
      "fit",
      "--ports",
      "80/TCP,443/TCP",
      "--replicas",
      "2",
      "--clusters",
      "six",
      "--selector",
      "node-role.kubernetes.io/worker=",
      "--token",
      ADMIN,
    );
    expect(fit.code).toBe(3);
    expect(fit.out).toMatch(/does not fit/);
    expect(fit.out).toMatch(/worker-1 blocked by 80\/TCP openshift-ingress\/router-default-/);
    const fits = await cli(
      "plan",
      "fit",
      "--ports",
      "10080/TCP",
      "--replicas",
      "2",
      "--clusters",
      "six",
      "--token",
      ADMIN,
    );
    expect(fits.code).toBe(0);

    const free = await cli(
      "plan",
      "free",
      "--width",
      "3",
      "--min",
      "8079",
      "--max",
      "8100",
      "--token",
      ADMIN,
      "--json",
    );
    expect(free.code).toBe(0);
    expect((JSON.parse(free.out) as { ranges: { from: number }[] }).ranges[0]?.from).toBe(8081);

    const drain = await cli("drain-check", "six", "worker-1", "--token", ADMIN);
    expect(drain.code).toBe(3);
    expect(drain.out).toMatch(/router-custom-a\s+8080\/TCP,8443\/TCP\s+movable\s+worker-6/);

    const reserved = await cli(
      "reserve",
      "create",
      "10080-10082",
      "--owner",
      "team",
      "--purpose",
      "shard-b",
      "--cluster",
      "six",
      "--token",
      ADMIN,
    );
    expect(reserved).toMatchObject({ code: 0, out: expect.stringMatching(/reserved #\d+: TCP 10080–10082/) });
    const overlap = await cli(
      "reserve",
      "create",
      "10082",
      "--owner",
      "x",
      "--purpose",
      "y",
      "--token",
      ADMIN,
    );
    expect(overlap).toMatchObject({ code: 1, err: expect.stringMatching(/RESERVATION_OVERLAP/) });

    const report = await cli("report", "--cluster", "six", "--format", "markdown", "--token", ADMIN);
    expect(report.out).toMatch(
      /\| 8080 \| TCP \| 0\.0\.0\.0 \| openshift-ingress\/router-custom-a \(Deployment\) \| 5: /,
    );
    expect((await cli("conflicts", "--token", ADMIN)).out).toMatch(/no pods are Pending on host ports/);
  });

  it("headroom says which rollouts would not finish, with why and the fix", async () => {
    const added = await cli("clusters", "add", "six-cordoned", "--token", ADMIN, "--json");
    const { token } = JSON.parse(added.out) as { token: string };
    const state = sixWorkersSnapshot("six-cordoned");
    // workers 4–6 cordoned: monitoring-proxy's 3 replicas fill the 3 left (kubernetes#90669)
    for (const n of state.nodes)
      if (["worker-4", "worker-5", "worker-6"].includes(n.name)) n.unschedulable = true;
    const file = join(dir, "six-cordoned.json");
    writeFileSync(file, JSON.stringify(state));
    expect((await cli("push", file, "--token", token)).code).toBe(0);
    const run = await cli("headroom", "--token", ADMIN, "--cluster", "six-cordoned");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/monitoring\/Deployment\/monitoring-proxy\s.*\s2\s+STALLS/);
    expect(run.out).toContain("Rollouts that would not finish");
    expect(run.out).toContain(
      "fix: set maxSurge: 0 and maxUnavailable: 1; or add one eligible node with the ports free",
    );
  });

  it("headroom names the nodes observed listeners keep from a workload, with the listener", async () => {
    const added = await cli("clusters", "add", "six-listeners", "--token", ADMIN, "--json");
    const { token } = JSON.parse(added.out) as { token: string };
    // httpd on worker-4's 0.0.0.0:9090, where monitoring-proxy (workers 1–3) would map its hostPort.
    const state = {
      ...sixWorkersSnapshot("six-listeners"),
      nodeListeners: [
        {
          node: "worker-4",
          attribution: "process" as const,
          listeners: [tcpListener(9090, "0.0.0.0", { processes: [{ name: "httpd", pid: 77 }] })],
        },
      ],
    };
    const file = join(dir, "six-listeners.json");
    writeFileSync(file, JSON.stringify(state));
    expect((await cli("push", file, "--token", token)).code).toBe(0);
    const run = await cli("headroom", "--token", ADMIN, "--cluster", "six-listeners");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/monitoring\/Deployment\/monitoring-proxy\s+9090\/TCP\s+3\s+6\s+2\s+2 ok/);
    expect(run.out).toContain("Nodes observed listeners keep from workloads");
    expect(run.out).toContain(
      "six-listeners monitoring/Deployment/monitoring-proxy: 1 node(s), e.g. worker-4 9090/TCP: httpd on 0.0.0.0:9090 [host-service]",
    );
  });

  it("prints the fleet report whole, however many pages of clusters it takes", async () => {
    // More clusters than one page of reports.portMap holds (20 by default).
    const names = Array.from({ length: 23 }, (_, i) => `fleet-${String(i).padStart(2, "0")}`);
    for (const name of names) expect((await cli("clusters", "add", name, "--token", ADMIN)).code).toBe(0);

    const markdown = await cli("report", "--token", ADMIN);
    expect(markdown.out.match(/^# Host port allocation$/gm)).toHaveLength(1);
    for (const name of names) expect(markdown.out).toContain(`## ${name}\n`);
    const csv = await cli("report", "--format", "csv", "--token", ADMIN);
    expect(csv.out.match(/^cluster,as_of,/gm)).toHaveLength(1);
    const json = await cli("report", "--format", "json", "--token", ADMIN);
    const clusters = (JSON.parse(json.out) as { clusters: { cluster: string }[] }).clusters.map(
      (c) => c.cluster,
    );
    expect(clusters.filter((c) => c.startsWith("fleet-"))).toEqual(names);
  });
});
