/**
 * The alerting rules: the plain rule file and the PrometheusRule carry the same rules, and promtool
 * checks them and runs their unit tests (deploy/prometheus/tests/). Without promtool these skip,
 * unless CI_REQUIRE_TOOLS is set (CI installs it), where its absence fails.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const deploy = fileURLToPath(new URL("../../deploy/prometheus/", import.meta.url));
const readYaml = (file: string) => parse(readFileSync(join(deploy, file), "utf8")) as Record<string, unknown>;

const promtoolFound = spawnSync("promtool", ["--version"]).status === 0;
const required = Boolean(process.env.CI_REQUIRE_TOOLS);
if (!promtoolFound && !required) {
  console.warn(
    "prometheus-rules: promtool not found, skipping `promtool check/test rules` (apt-get install prometheus; CI_REQUIRE_TOOLS=1 makes this a failure)",
  );
}

function promtool(...args: string[]) {
  const run = spawnSync("promtool", args, { cwd: deploy, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("Portolan's alerting rules", () => {
  it("are the same in the plain rule file and the PrometheusRule", () => {
    const plain = readYaml("portolan-rules.yaml");
    const resource = readYaml("prometheus-rule.yaml");
    expect(resource).toMatchObject({ apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule" });
    expect((resource.spec as Record<string, unknown>).groups).toEqual(plain.groups);
    const alerts = (plain.groups as { rules: { alert: string }[] }[]).flatMap((g) =>
      g.rules.map((r) => r.alert),
    );
    expect(alerts).toEqual([
      "PortolanWorkloadNoHeadroom",
      "PortolanWorkloadLowHeadroom",
      "PortolanSharedHostPorts",
      "PortolanSharedHostPorts",
      "PortolanClusterStale",
      "PortolanPodsPendingOnHostPorts",
      "PortolanNewUndeclaredListener",
    ]);
  });

  it("scrapes with a read token from a file", () => {
    const config = readYaml("scrape-config.yaml") as { scrape_configs: Record<string, unknown>[] };
    expect(config.scrape_configs[0]).toMatchObject({
      metrics_path: "/metrics",
      authorization: { type: "Bearer", credentials_file: expect.any(String) },
    });
  });

  it.runIf(required && !promtoolFound)("needs promtool where CI_REQUIRE_TOOLS is set", () => {
    expect.fail("promtool is not installed but CI_REQUIRE_TOOLS is set: apt-get install -y prometheus");
  });
});

describe.runIf(promtoolFound)("promtool", () => {
  const scratch = mkdtempSync(join(tmpdir(), "portolan-promtool-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("accepts the rule file", () => {
    const result = promtool("check", "rules", "portolan-rules.yaml");
    expect(result.output).toContain("SUCCESS: 7 rules found");
    expect(result.status).toBe(0);
  });

  it("passes the rules' unit tests, on the demo fleet's scrape and on series over time", () => {
    const result = promtool("test", "rules", "tests/portolan-rules.test.yaml");
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  it("accepts the example scrape configuration once its token file exists", () => {
    const tokenFile = join(scratch, "portolan-read-token");
    writeFileSync(tokenFile, "ptl_read_example\n");
    copyFileSync(join(deploy, "portolan-rules.yaml"), join(scratch, "portolan-rules.yaml"));
    const config = readFileSync(join(deploy, "scrape-config.yaml"), "utf8").replace(
      "/etc/prometheus/secrets/portolan-read-token",
      tokenFile,
    );
    writeFileSync(join(scratch, "prometheus.yaml"), config);
    const result = spawnSync("promtool", ["check", "config", join(scratch, "prometheus.yaml")], {
      encoding: "utf8",
    });
    expect(`${result.stdout}${result.stderr}`).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });
});
