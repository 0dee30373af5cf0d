/**
 * IngressControllers in the dashboard: the port map names who declares a port, and the planner
 * renders capacity.planIngressController's answer with the manifest to copy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OBSERVED_AT, pushIngressFleet } from "../fixtures/ingress-fleet.js";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
let readToken: string;
beforeAll(async () => {
  h = await createHarness({ now: () => new Date(OBSERVED_AT) });
  await h.reset();
  await pushIngressFleet(h);
  const created = await h.mutate("tokens.createRead", { name: "dashboard" });
  if (!created.ok) throw new Error(created.error.message);
  readToken = created.data.token;
});
afterAll(() => h.close());

async function page(path: string) {
  const res = await h.app.request(path, { headers: { cookie: `portolan_token=${readToken}` } });
  return { status: res.status, html: await res.text() };
}

const htmlText = (text: string) =>
  text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");

describe("the dashboard with IngressControllers", () => {
  it("marks ports a Pending IngressController declares in the port map", async () => {
    const { status, html } = await page("/clusters/edge-prod");
    expect(status).toBe(200);
    expect(html).toContain("IngressController openshift-ingress-operator/edge");
    expect(html).toContain('class="cell-declared"');
    // the IngressControllers table: ports, placement, replicas asked and available
    const list = html.slice(html.indexOf('id="ic-list-heading"'));
    expect(list).toContain("openshift-ingress-operator/edge");
    expect(list).toContain("20080, 20443, 21936");
  });

  it("renders the IngressController plan with its ports, arithmetic and a manifest block with a Copy button", async () => {
    const { status, html } = await page("/plan?icName=shard-b&icSelector=env%3Dprod&icReplicas=3");
    expect(status).toBe(200);
    expect(html).toContain("httpPort 11080, httpsPort 11443, statsPort 12936");
    expect(html).toMatch(/3 asked &gt; 3 eligible − 1 spare: 2/);
    expect(html).toContain('data-copy="ic-manifest"');
    const manifest = /<pre id="ic-manifest"[^>]*>([\s\S]*?)<\/pre>/.exec(html)?.[1];
    expect(parse(htmlText(manifest ?? ""))).toMatchObject({
      kind: "IngressController",
      metadata: { name: "shard-b", namespace: "openshift-ingress-operator" },
      spec: { endpointPublishingStrategy: { type: "HostNetwork", hostNetwork: { httpPort: 11080 } } },
    });
  });

  it("warns that a planned name already runs and offers no manifest to copy", async () => {
    const { status, html } = await page("/plan?icName=shard-a&icSelector=env%3Dprod");
    expect(status).toBe(200);
    expect(htmlText(html)).toContain(
      "ocp-prod already runs openshift-ingress-operator/shard-a (HostNetwork 10080/10443/11936, 1 replicas): applying this plan would rewrite it. A free name: shard-a-2.",
    );
    expect(html).not.toContain('id="ic-manifest"');
  });

  it("says what is wrong when the plan's target selects no cluster", async () => {
    const { status, html } = await page("/plan?icName=shard-b&icSelector=env%3Dnowhere");
    expect(status).toBeGreaterThanOrEqual(400);
    expect(html).toContain("env");
  });
});
