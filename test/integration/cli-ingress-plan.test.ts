/**
 * `portolan plan ingresscontroller` against a running server holding the fixture fleet: the ports,
 * why, the spare-node arithmetic, the reservation, and YAML that validates against the CRD.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type RunningServer, startServer } from "../../src/entry/node.js";
import { edgeProd, FLEET_LABELS, k8sProd, ocpProd } from "../fixtures/ingress-fleet.js";
import { runCli } from "../helpers/cli.js";
import { ingressControllerValidator } from "../helpers/ingress-crd.js";

const ADMIN = "cli-ingress-admin-token-0123";
let server: RunningServer;
let dir: string;

const cli = (...argv: string[]) => runCli([...argv, "--url", server.url]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portolan-cli-ic-"));
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, adminToken: ADMIN });
  for (const snapshot of [ocpProd, k8sProd, edgeProd]) {
    const labels = Object.entries(FLEET_LABELS[snapshot.cluster] ?? {}).flatMap(([k, v]) => [
      "--label",
      `${k}=${v}`,
    ]);
    const added = await cli("clusters", "add", snapshot.cluster, ...labels, "--token", ADMIN, "--json");
    const { token } = JSON.parse(added.out) as { token: string };
    const res = await fetch(`${server.url}/v1/snapshots`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(snapshot),
    });
    if (res.status !== 200) throw new Error(await res.text());
  }
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("portolan plan ingresscontroller", () => {
  it("prints the ports, why, the spare-node arithmetic, the reservation and a valid manifest", async () => {
    const run = await cli(
      "plan",
      "ingresscontroller",
      "shard-b",
      "--selector",
      "env=prod",
      "--replicas",
      "3",
      "--reserve",
      "--owner",
      "team-edge",
      "--token",
      ADMIN,
    );
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toContain("shard-b: httpPort 11080, httpsPort 11443, statsPort 12936 (rule: pattern)");
    expect(run.out).toContain("passed over 10080/10443/11936 (pattern):");
    expect(run.out).toContain(
      "20080 held by openshift-ingress-operator/IngressController/edge (declared) on 3 node(s) of edge-prod",
    );
    expect(run.out).toContain("ocp-prod (openshift profile): 3 asked ≤ 4 eligible − 1 spare: 3");
    expect(run.out).toContain("k8s-prod (kubernetes profile): 3 asked > 3 eligible − 1 spare: 2");
    expect(run.out).toMatch(/reserved: #\d+ TCP 11080/);
    const yaml = run.out.slice(run.out.indexOf("apiVersion:"));
    const manifest = parse(yaml) as { spec: { replicas: number } };
    expect(manifest.spec.replicas).toBe(2);
    expect(ingressControllerValidator()(manifest)).toBe(true);
    // Reserved: the next plan moves on.
    const next = await cli(
      "plan",
      "ingresscontroller",
      "shard-c",
      "--selector",
      "env=prod",
      "--output",
      "json",
      "--token",
      ADMIN,
    );
    // --output: the manifest alone on stdout, the explanation on stderr.
    expect(next.err).toContain("httpPort 12080");
    expect(JSON.parse(next.out)).toMatchObject({ kind: "IngressController" });
    // The reserved name itself: its own ports, said so, and a second --reserve reserves nothing new.
    const own = await cli("plan", "ingresscontroller", "shard-b", "--selector", "env=prod", "--token", ADMIN);
    expect(own.out).toContain("shard-b: httpPort 11080, httpsPort 11443, statsPort 12936 (rule: reserved)");
    expect(own.out).toMatch(/reserved for shard-b earlier: #\d+ TCP 11080, #\d+ TCP 11443, #\d+ TCP 12936/);
    const again = await cli(
      "plan",
      "ingresscontroller",
      "shard-b",
      "--selector",
      "env=prod",
      "--reserve",
      "--owner",
      "team-edge",
      "--token",
      ADMIN,
    );
    expect(again.out).toMatch(/already reserved \(nothing new\): #\d+ TCP 11080/);
  });
});
