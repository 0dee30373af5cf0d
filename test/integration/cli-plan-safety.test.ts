/**
 * The CLI on the plan-safety fleet (test/fixtures/plan-safety-fleet.ts), against the real app: a
 * taken name exits 3 with what the live object holds and a free name, and `--reserve` is refused;
 * `-o yaml|json` pipes (the manifest alone on stdout, one CRD-valid document with its namespace, the
 * explanation on stderr); a plan no cluster can host exits 3 with what would make one possible and
 * no manifest; stale targets are marked with their age and left out unless `--include-stale`; as-of
 * answers print the instant they resolved to.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { NOW, pushPlanSafetyFleet } from "../fixtures/plan-safety-fleet.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { ingressControllerValidator } from "../helpers/ingress-crd.js";

let h: Harness;
let server: ReturnType<typeof serve>;
let url: string;
let clock = NOW;
const validate = ingressControllerValidator();

beforeAll(async () => {
  h = await createHarness({ now: () => clock });
  server = serve({ fetch: h.app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await pushPlanSafetyFleet(h, (at) => {
    clock = at;
  });
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h.close();
});

const cli = (argv: string[], stdin = "") =>
  runCli([...argv, "--url", url, "--token", h.adminToken], {}, { stdin: async () => stdin });

const STALE_LINE =
  "stale: ocp-quiet has been silent for 2d 0h (last push 2026-11-28T15:00:00.000Z): left out of the verdict (--include-stale to judge it)";

describe("portolan plan ingresscontroller, safe to apply", () => {
  it("exits 3 for a name a target cluster runs, says what it holds and a free name, and prints no manifest", async () => {
    const run = await cli(["plan", "ingresscontroller", "shard-b", "--clusters", "ocp-a"]);
    expect(run.code).toBe(3);
    expect(run.out).toContain(
      "name taken: ocp-a already runs openshift-ingress-operator/shard-b: HostNetwork 10080/10443/11936, 2 replica(s), 2 available",
    );
    expect(run.out).toContain("plan a free name instead, e.g. shard-b-3 (no manifest printed)");
    expect(run.out).not.toContain("apiVersion");
  });

  it("refuses --reserve for a taken name (exit 1, the server's code and message)", async () => {
    const run = await cli(["plan", "ingresscontroller", "shard-b", "--clusters", "ocp-a", "--reserve"]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      "INGRESS_CONTROLLER_EXISTS: IngressController openshift-ingress-operator/shard-b",
    );
    expect(run.err).toContain("shard-b-3");
    expect(run.out).toBe("");
  });

  it.each(["yaml", "json"])(
    "-o %s: stdout is exactly one IngressController document with its namespace, valid against the CRD",
    async (format) => {
      const run = await cli(["plan", "ingresscontroller", "shard-c", "--selector", "env=prod", "-o", format]);
      expect(run.code).toBe(0);
      const documents = parseAllDocuments(run.out);
      expect(Array.isArray(documents) ? documents.length : 0).toBe(1);
      const manifest = (format === "json" ? JSON.parse(run.out) : parse(run.out)) as {
        kind: string;
        metadata: { name: string; namespace?: string };
      };
      expect(manifest.kind).toBe("IngressController");
      expect(manifest.metadata).toEqual({ name: "shard-c", namespace: "openshift-ingress-operator" });
      expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
      // The explanation, stale cluster included, is on stderr.
      expect(run.err).toContain("shard-c: httpPort 20080, httpsPort 20443, statsPort 21936 (rule: pattern)");
      expect(run.err).toContain(STALE_LINE);
    },
  );

  it("exits 3 with what would make a node eligible, and no manifest, when no cluster can host it", async () => {
    const piped = await cli(["plan", "ingresscontroller", "shard-e", "--selector", "env=edge", "-o", "yaml"]);
    expect(piped.code).toBe(3);
    expect(piped.out).toBe("");
    expect(piped.err).toContain("shard-e: no plan: no target cluster has an eligible node for the routers");
    const run = await cli(["plan", "ingresscontroller", "shard-e", "--selector", "env=edge"]);
    expect(run.code).toBe(3);
    expect(run.out).toContain("3 node(s), 3 match the node selector; what would make one eligible:");
    expect(run.out).toContain("- 1 of the 3 node(s) the selector matches are cordoned: uncordon them");
    expect(run.out).toContain(
      "- 3 of the 3 node(s) the selector matches carry the taint dedicated=edge:NoSchedule: tolerate it, or remove the taint",
    );
    expect(run.out).not.toContain("apiVersion");
  });

  it("plans on the stale cluster only with --include-stale", async () => {
    const run = await cli([
      "plan",
      "ingresscontroller",
      "shard-c",
      "--selector",
      "env=prod",
      "--include-stale",
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("judged anyway (--include-stale)");
    expect(run.out).toContain("ocp-quiet (openshift profile, stale)");
    expect(run.out).toContain("shard-c: httpPort 11080");
  });
});

describe("portolan plan fit and plan free with stale targets", () => {
  it("leaves a stale cluster out of plan fit's exit code unless --include-stale", async () => {
    const argv = ["plan", "fit", "--ports", "20080/TCP", "--replicas", "2", "--clusters", "ocp-a,ocp-quiet"];
    const run = await cli(argv);
    expect(run.code).toBe(0);
    expect(run.out).toContain(STALE_LINE);
    expect(run.out).toContain("ocp-quiet (stale: silent for 2d 0h, left out of the verdict): ");
    expect((await cli([...argv, "--include-stale"])).code).toBe(3);
    const onlyStale = await cli(["plan", "fit", "--ports", "20080/TCP", "--clusters", "ocp-quiet"]);
    expect(onlyStale.code).toBe(3);
    expect(onlyStale.out).toContain("does not fit: every target cluster is stale");
  });

  it("says a cluster that has not pushed yet has no data, and fits on the others", async () => {
    await h.register("ocp-unpushed");
    const argv = [
      "plan",
      "fit",
      "--ports",
      "20080/TCP",
      "--replicas",
      "2",
      "--clusters",
      "ocp-a,ocp-unpushed",
    ];
    const run = await cli([...argv, "--include-stale"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("no data: ocp-unpushed is registered but has not pushed yet (for ");
    expect(run.out).toContain("ocp-unpushed (no push yet: left out of the verdict): ");
  });

  it("leaves a stale cluster out of plan fit -f unless --include-stale", async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: team-a}
spec:
  containers: [{name: probe, ports: [{containerPort: 20080, hostPort: 20080}]}]
`;
    const run = await cli(["plan", "fit", "-f", "-", "--selector", "env=prod"], manifest);
    expect(run.code).toBe(0);
    expect(run.out).toContain(
      "document 1: Pod team-a/probe wants 20080/TCP ×1 on the clusters asked for: fits\n",
    );
    expect(run.out).toContain(`  ${STALE_LINE}`);
    expect(
      (await cli(["plan", "fit", "-f", "-", "--selector", "env=prod", "--include-stale"], manifest)).code,
    ).toBe(3);
  });

  it("offers ranges without the stale cluster's ports, and none when every target is stale", async () => {
    const argv = ["plan", "free", "--width", "1", "--min", "20080", "--max", "20080"];
    const run = await cli([...argv, "--selector", "env=prod"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain(STALE_LINE);
    expect((await cli([...argv, "--selector", "env=prod", "--include-stale"])).code).toBe(3);
    const onlyStale = await cli([...argv, "--clusters", "ocp-quiet"]);
    expect(onlyStale.code).toBe(3);
    expect(onlyStale.out).toContain("no range: every target cluster is stale");
  });
});

describe("as-of answers in the CLI", () => {
  const asOf = new Date(NOW.getTime() - 30_000).toISOString();

  it("prints the instant each as-of answer resolved to", async () => {
    const headroom = await cli(["headroom", "--as-of", asOf]);
    expect(headroom.out.split("\n")[0]).toBe(`as of ${asOf}`);
    const who = await cli(["ports", "who", "20080", "--as-of", asOf]);
    expect(who.out.split("\n")[0]).toBe(`as of ${asOf}`);
    const node = await cli(["ports", "node", "ocp-a", "w1", "--as-of", asOf]);
    expect(node.out).toContain(`ocp-a/w1: Ready (as of ${asOf})`);
    const free = await cli(["ports", "free", "ocp-a", "10080", "--as-of", asOf]);
    expect(free.err).toBe(`as of ${asOf}`);
    const map = await cli(["ports", "map", "ocp-a", "--as-of", asOf]);
    expect(map.out).toContain(`Port map of ocp-a as of ${asOf}`);
  });

  it("resolves a relative --as-of to an instant and says which", async () => {
    const before = Date.now();
    const run = await cli(["headroom", "--as-of", "7d"]);
    const line = /^as of (\S+)$/m.exec(run.out)?.[1] ?? "";
    const resolved = new Date(line).getTime();
    expect(resolved).toBeGreaterThanOrEqual(before - 7 * 86_400_000 - 1000);
    expect(resolved).toBeLessThanOrEqual(Date.now() - 7 * 86_400_000);
  });
});
