/**
 * On the demo fleet, as a platform engineer would: planning `shard-b` says prod-eu-1 already runs it
 * and `--reserve` is refused; `plan ingresscontroller shard-c -o yaml` pipes into a YAML parser as
 * exactly one IngressController.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { Harness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { seededDemo } from "../helpers/demo.js";
import { ingressControllerValidator } from "../helpers/ingress-crd.js";

const NOW = new Date("2026-11-30T12:00:00Z");
let h: Harness;
let server: ReturnType<typeof serve>;
let url: string;

beforeAll(async () => {
  ({ h } = await seededDemo(NOW));
  server = serve({ fetch: h.app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h.close();
});

const cli = (...argv: string[]) => runCli([...argv, "--url", url, "--token", h.adminToken]);

describe("planning IngressControllers on the demo fleet", () => {
  it("says prod-eu-1 already runs shard-b, and refuses to reserve for it", async () => {
    const plan = await cli("plan", "ingresscontroller", "shard-b", "--clusters", "prod-eu-1");
    expect(plan.code).toBe(3);
    expect(plan.out).toContain(
      "name taken: prod-eu-1 already runs openshift-ingress-operator/shard-b: HostNetwork 10080/10443/11936, 2 replica(s)",
    );
    expect(plan.out).toContain("e.g. shard-b-2");
    const reserve = await cli("plan", "ingresscontroller", "shard-b", "--clusters", "prod-eu-1", "--reserve");
    expect(reserve.code).toBe(1);
    expect(reserve.err).toContain("INGRESS_CONTROLLER_EXISTS");
  });

  it("pipes shard-c's plan as exactly one IngressController document", async () => {
    const run = await cli("plan", "ingresscontroller", "shard-c", "--clusters", "prod-eu-1", "-o", "yaml");
    expect(run.err).toContain("shard-c: httpPort");
    expect(run.code).toBe(0);
    const documents = parseAllDocuments(run.out);
    expect(Array.isArray(documents) ? documents.length : 0).toBe(1);
    const [document] = Array.isArray(documents) ? documents : [];
    expect(document?.errors).toEqual([]);
    const manifest = document?.toJS() as { kind: string; metadata: { namespace: string } };
    expect(manifest.kind).toBe("IngressController");
    expect(manifest.metadata.namespace).toBe("openshift-ingress-operator");
    expect(ingressControllerValidator()(manifest)).toBe(true);
  });
});
