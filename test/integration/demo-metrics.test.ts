/**
 * /metrics of the seeded demo fleet, read with a Prometheus text-format parser: the figures the
 * alerting rules read match the fleet, and the promtool tests' committed scrape still matches what
 * the server exposes (refresh it with test/prometheus/update-demo-series.ts when this fails).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { demoFleet } from "../../src/demo/fleet.js";
import type { Harness } from "../helpers/app.js";
import { seededDemo } from "../helpers/demo.js";
import {
  DEMO_SERIES_MINUTES,
  type InputSeries,
  parseScrape,
  promtoolInputSeries,
  RULES_TEST_FILE,
  type Sample,
} from "../prometheus/series.js";

const NOW = new Date("2026-11-30T12:00:00Z");
let h: Harness;
let scrape: string;
let samples: Sample[];

beforeAll(async () => {
  let readToken: string;
  ({
    h,
    seeded: { readToken },
  } = await seededDemo(NOW));
  const response = await h.app.request("/metrics", { headers: { authorization: `Bearer ${readToken}` } });
  expect(response.status).toBe(200);
  scrape = await response.text();
  samples = parseScrape(scrape);
}, 120_000);
afterAll(() => h.close());

/** One family's values by the chosen label's value. */
function byLabel(name: string, label: string): Record<string, number> {
  return Object.fromEntries(
    samples.filter((s) => s.name === name).map((s) => [s.labels[label] ?? "", s.value]),
  );
}

function sampleValue(name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

describe("/metrics of the demo fleet", () => {
  it("counts the pods Pending on host ports in each cluster", () => {
    expect(byLabel("portolan_cluster_host_port_pending_pods", "cluster")).toEqual({
      "dev-eu-1": 1,
      "edge-ap-1": 0,
      "prod-eu-1": 0,
      "prod-us-1": 1,
      "stage-eu-1": 2,
    });
  });

  it("marks only the silent agent's cluster stale, beside the threshold", () => {
    expect(byLabel("portolan_cluster_stale", "cluster")).toEqual({
      "dev-eu-1": 0,
      "edge-ap-1": 1,
      "prod-eu-1": 0,
      "prod-us-1": 0,
      "stage-eu-1": 0,
    });
    expect(sampleValue("portolan_stale_threshold_seconds", {})).toBe(600);
  });

  it("gives each host-port workload its headroom and pending pods, a router through its IngressController", () => {
    const ic = (cluster: string, name: string) => ({
      cluster,
      namespace: "openshift-ingress-operator",
      kind: "IngressController",
      name,
    });
    expect(sampleValue("portolan_workload_headroom", ic("prod-us-1", "internal"))).toBe(0);
    expect(sampleValue("portolan_workload_pending_pods", ic("prod-us-1", "internal"))).toBe(1);
    expect(sampleValue("portolan_workload_headroom", ic("prod-eu-1", "default"))).toBe(1);
    expect(sampleValue("portolan_workload_replicas", ic("prod-eu-1", "default"))).toBe(3);
    expect(sampleValue("portolan_workload_headroom", ic("prod-eu-1", "shard-b"))).toBe(2);
    // One shortage, one series: the router Deployments speak through their IngressControllers.
    const routers = samples.filter(
      (s) => s.name === "portolan_workload_headroom" && s.labels.namespace === "openshift-ingress",
    );
    expect(routers).toEqual([]);
  });

  it("gives each shared port set one series: prod-us-1's IngressControllers, and Deployments beside a DaemonSet's port", () => {
    expect(
      samples
        .filter((s) => s.name === "portolan_shared_port_set_headroom")
        .map((s) => [s.labels.cluster, s.labels.workloads, s.labels.ports, s.value]),
    ).toEqual([
      ["dev-eu-1", "kube-system/DaemonSet/cilium,xss-probe/Deployment/xss-probe", "9962", 0],
      [
        "prod-us-1",
        "openshift-ingress-operator/IngressController/default,openshift-ingress-operator/IngressController/internal",
        "80/443/1936",
        0,
      ],
      ["stage-eu-1", "monitoring/DaemonSet/prometheus-node-exporter,traefik/Deployment/traefik", "9100", 0],
    ]);
  });

  it("counts every push and the nodes holding node-exporter's port", () => {
    const fleet = demoFleet({ now: NOW });
    const pushes = Object.fromEntries(
      fleet.clusters.map((c) => [c.name, fleet.pushes.filter((p) => p.cluster === c.name).length]),
    );
    expect(byLabel("portolan_ingest_snapshots_total", "cluster")).toEqual(pushes);
    const port9100 = { protocol: "TCP", port: "9100", host_ip: "0.0.0.0" };
    expect(sampleValue("portolan_port_nodes_holding", { cluster: "edge-ap-1", ...port9100 })).toBe(6);
    // Traefik holds 9100 on two of stage-eu-1's 11 nodes, node-exporter on the other nine.
    expect(sampleValue("portolan_port_nodes_holding", { cluster: "stage-eu-1", ...port9100 })).toBe(11);
  });

  it("still exposes the series the promtool tests were written from", () => {
    const committed = parse(readFileSync(RULES_TEST_FILE, "utf8")) as {
      tests: { input_series: InputSeries[] }[];
    };
    const fresh = promtoolInputSeries(scrape, DEMO_SERIES_MINUTES);
    const names = (series: InputSeries[]) => series.map((s) => s.series);
    expect(names(fresh)).toEqual(names(committed.tests[0]?.input_series ?? []));
    expect(fresh).toEqual(committed.tests[0]?.input_series);
  });
});
