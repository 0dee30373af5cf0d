import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/entry/node.js";
import {
  BROKEN_SECOND_DOCUMENT,
  CRONJOB,
  DEPLOYMENT_WITH_HOST_PORT,
  HOST_NETWORK_DAEMONSET,
  INGRESS_CONTROLLER,
  join,
  LIST,
  SERVICE,
  SIDECAR_DEPLOYMENT,
  SURGING_DAEMONSET,
} from "../fixtures/manifests.js";
import { sixWorkersSnapshot } from "../fixtures/six-workers.js";
import { runCli } from "../helpers/cli.js";

const ADMIN = "cli-manifest-admin-token-0123";
let server: RunningServer;
let dir: string;

const cli = (argv: string[], stdin = "") =>
  runCli([...argv, "--url", server.url, "--token", ADMIN], {}, { stdin: async () => stdin });

/** `plan fit -f` on a file holding `manifest` */
function fitFile(manifest: string, ...flags: string[]) {
  const path = joinPath(dir, `manifest-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, manifest);
  return cli(["plan", "fit", "-f", path, ...flags]);
}

beforeAll(async () => {
  dir = mkdtempSync(joinPath(tmpdir(), "portolan-cli-manifest-"));
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, adminToken: ADMIN });
  const added = await cli(["clusters", "add", "six-workers", "--label", "env=prod", "--json"]);
  const { token } = JSON.parse(added.out) as { token: string };
  const pushed = await fetch(`${server.url}/v1/snapshots`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(sixWorkersSnapshot()),
  });
  expect(pushed.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("portolan plan fit -f", () => {
  it("exits 0 for a Deployment whose hostPort is free", async () => {
    const run = await fitFile(DEPLOYMENT_WITH_HOST_PORT);
    expect(run.code).toBe(0);
    expect(run.out).toContain(
      "document 1: Deployment team-a/edge-proxy wants 18080/TCP ×2 on all clusters: fits",
    );
    expect(run.out).toContain("six-workers: fits: 2 replicas on 6 fitting nodes");
  });

  it("exits 3 for a hostNetwork DaemonSet and says who blocks where", async () => {
    const run = await fitFile(HOST_NETWORK_DAEMONSET);
    expect(run.code).toBe(3);
    expect(run.out).toContain(
      "DaemonSet logging/log-shipper wants 9090/TCP on every eligible node on all clusters: DOES NOT FIT (fails on 1 of 1 cluster(s))",
    );
    expect(run.out).toContain("does not fit: 3 eligible nodes of 6 blocked");
    expect(run.out).toMatch(
      /worker-1 blocked by 9090\/TCP monitoring\/monitoring-proxy-\S+ \(Deployment\/monitoring-proxy\)/,
    );
  });

  it("exits 3 for a DaemonSet with a host port and maxSurge 1: it fits, but its rollout will not complete", async () => {
    const run = await fitFile(SURGING_DAEMONSET);
    expect(run.code).toBe(3);
    expect(run.out).toContain(
      "DaemonSet logging/log-relay wants 9200/TCP on every eligible node on all clusters: fits, but ITS ROLLOUT WILL NOT COMPLETE",
    );
    expect(run.out).toContain(
      "six-workers: rollout WILL NOT COMPLETE (RollingUpdate maxSurge 1, maxUnavailable 0; judged on its pods once created)",
    );
    expect(run.out).toContain("kubernetes#106417");
    expect(run.out).toContain("fix: set maxSurge: 0 and maxUnavailable: 1");
    const json = await fitFile(SURGING_DAEMONSET, "--json");
    expect(json.code).toBe(3);
    expect(JSON.parse(json.out)).toMatchObject({ fits: true, rolloutsComplete: false, passes: false });
  });

  it("checks every document and notes the skipped ones", async () => {
    const run = await fitFile(join(DEPLOYMENT_WITH_HOST_PORT, SERVICE, INGRESS_CONTROLLER));
    expect(run.code).toBe(3);
    expect(run.out).toContain("note: document 2: kind Service holds no host ports here: skipped");
    expect(run.out).toContain(
      "document 3: IngressController openshift-ingress-operator/shard-b wants 80/TCP,443/TCP,1936/TCP ×2",
    );
    expect(run.out).toContain("in the way: openshift-ingress/Deployment/router-default on 6");
  });

  it.each([
    ["a List", LIST, 0, "document 1 items.1: DaemonSet team-a/probe"],
    ["a CronJob", CRONJOB, 0, "CronJob ops/stats-flush wants 8125/UDP ×1"],
    ["a sidecar init container", SIDECAR_DEPLOYMENT, 3, "team-b/api wants 9090/TCP ×4"],
  ])("reads %s", async (_name, manifest, code, line) => {
    const run = await fitFile(manifest);
    expect(run.code).toBe(code);
    expect(run.out).toContain(line);
  });

  it("exits 2 on invalid YAML, naming the document", async () => {
    const run = await fitFile(BROKEN_SECOND_DOCUMENT);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^error: the manifest cannot be read:\n {2}document 2: Flow map/);
  });

  it("exits 2 on a malformed spec, naming the document and path", async () => {
    const run = await fitFile(
      join(SERVICE, DEPLOYMENT_WITH_HOST_PORT.replace("replicas: 2", "replicas: two")),
    );
    expect(run.code).toBe(2);
    expect(run.err).toContain("document 2, spec.replicas:");
  });

  it("exits 2 on a manifest over 1 MiB", async () => {
    const run = await fitFile(`${DEPLOYMENT_WITH_HOST_PORT}#${"x".repeat(1_048_576)}\n`);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/manifest/);
  });

  it("exits 2 when the file cannot be read", async () => {
    const run = await cli(["plan", "fit", "-f", joinPath(dir, "missing.yaml")]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("cannot read");
  });

  it("skips an unknown kind with a note and exits by the rest", async () => {
    const run = await fitFile("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
    expect(run.code).toBe(0);
    expect(run.out).toContain("note: document 1: kind Widget holds no host ports here: skipped");
    expect(run.out).toContain("nothing to check");
  });

  it("reads stdin with -, and --selector picks the clusters", async () => {
    const fits = await cli(["plan", "fit", "-f", "-", "--selector", "env=prod"], DEPLOYMENT_WITH_HOST_PORT);
    expect(fits.code).toBe(0);
    expect(fits.out).toContain("on the clusters asked for: fits");
    const none = await cli(["plan", "fit", "-f", "-", "--selector", "env=lab"], DEPLOYMENT_WITH_HOST_PORT);
    expect(none.code).toBe(3);
    expect(none.out).toContain("DOES NOT FIT (no registered cluster matches)");
  });

  it("refuses --ports beside -f", async () => {
    const run = await cli(["plan", "fit", "-f", "-", "--ports", "80/TCP"]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("drop --ports");
  });
});

describe("portolan plan free", () => {
  it("prints the excluded ranges with their reasons", async () => {
    const run = await cli(["plan", "free", "--width", "3", "--limit", "1"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^1024 +1026 /m);
    expect(run.out).toMatch(/10248-10259 +any +kubelet, kube-proxy/);
    expect(run.out).toMatch(/30000-32767 +any +the cluster's NodePort range.* six-workers/);
  });

  it("refuses an unknown --profile as a usage error", async () => {
    const run = await cli(["plan", "free", "--width", "3", "--profile", "windows"]);
    expect(run.code).toBe(2);
  });
});
