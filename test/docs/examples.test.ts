/** The inputs the documents' commands read (examples/) are what the contract and the manifest reader accept. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { readManifest } from "../../src/contract/manifest.js";
import { parseSnapshot } from "../../src/contract/snapshot.js";

const json = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

describe("examples/", () => {
  it("snapshot.json is a valid snapshot of lab-eu-1, a name the demo fleet does not use", () => {
    const parsed = parseSnapshot(json("examples/snapshot.json"));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed));
    expect(parsed.snapshot.cluster).toBe("lab-eu-1");
    expect(parsed.snapshot.pods.flatMap((p) => Array.from(p.ports, (port) => port.hostPort))).toContain(9100);
  });

  it("deploy.yaml is one Deployment with host ports, for the clusters labelled env=prod", () => {
    const documents = parseAllDocuments(readFileSync("examples/deploy.yaml", "utf8")).map((d) => d.toJS());
    const reading = readManifest(documents);
    expect(reading.issues).toEqual([]);
    expect(reading.workloads).toHaveLength(1);
    expect(reading.workloads[0]).toMatchObject({
      kind: "Deployment",
      name: "statsd-exporter",
      replicas: 2,
      clusterSelector: { env: "prod" },
      strategy: { type: "RollingUpdate", maxSurge: 0, maxUnavailable: 1 },
    });
    const hostPorts = Array.from(reading.workloads[0]?.ports ?? [], (p) => `${p.hostPort}/${p.protocol}`);
    expect(hostPorts).toEqual(["9125/UDP", "9192/TCP"]);
  });

  it("nodes.json, pods.json and ingresscontrollers.json are kubectl lists of their kinds", () => {
    const kinds = (path: string) => (json(path) as { items: { kind: string }[] }).items.map((i) => i.kind);
    expect(new Set(kinds("examples/nodes.json"))).toEqual(new Set(["Node"]));
    expect(new Set(kinds("examples/pods.json"))).toEqual(new Set(["Pod"]));
    expect(new Set(kinds("examples/ingresscontrollers.json"))).toEqual(new Set(["IngressController"]));
  });
});
