/** `portolan plan ingresscontroller NAME`: ports, why, spare-node arithmetic, and the manifest. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { stringify } from "yaml";
import { CHECK_FAILED, type Run } from "../command.js";
import { type CliContext, UsageError } from "../context.js";
import { collect, commaList, instant, port, portRange, selector, wholeNumber } from "../flags.js";

interface PlanOptions {
  cluster?: string[];
  clusters?: string[];
  selector?: Record<string, string>;
  replicas: number;
  nodeSelector?: Record<string, string>;
  tolerateAll?: boolean;
  ports?: [number, number, number];
  window?: [number, number];
  profile?: "kubernetes" | "openshift";
  allowPrivileged?: boolean;
  domain?: string;
  reserve?: boolean;
  owner?: string;
  purpose?: string;
  expires?: string;
  output: "yaml" | "json";
}

/** "10080,10443,11936" → the http, https and stats ports */
function portTriple(text: string): [number, number, number] {
  const ports = text.split(",").map((p) => port(p.trim()));
  if (ports.length !== 3)
    throw new InvalidArgumentError("three ports: HTTP,HTTPS,STATS, e.g. 10080,10443,11936.");
  return ports as [number, number, number];
}

type PlanAnswer = Awaited<ReturnType<CliContext["client"]["capacity"]["planIngressController"]["query"]>>;
type Refusal = PlanAnswer["passedOver"][number]["refusals"][number];

function refusalText(r: Refusal): string {
  switch (r.reason) {
    case "held": {
      const holders = "holders" in r ? r.holders : [];
      const who = holders
        .map(
          (h) =>
            `${h.namespace}/${h.kind}/${h.name}${h.declared ? " (declared)" : ""} on ${h.nodes} node(s) of ${h.cluster} (first ${h.firstNode})`,
        )
        .join(", ");
      return `${r.port} held by ${who || "a workload"}`;
    }
    case "excluded":
      return `${r.port} excluded on ${r.cluster}: ${r.range} ${r.why}`;
    case "reserved":
      return `${r.port} reserved on ${r.cluster} (#${r.reservation}, ${r.owner}: ${r.purpose})`;
  }
}

function printPlan(
  ctx: CliContext,
  answer: PlanAnswer & { reservations?: { id: number; port: number }[] },
  output: "yaml" | "json",
) {
  const { choice } = answer;
  if (!choice) ctx.out(`${answer.name}: no free port set on every eligible node of the target clusters`);
  else {
    ctx.out(
      `${answer.name}: httpPort ${choice.httpPort}, httpsPort ${choice.httpsPort}, statsPort ${choice.statsPort} (rule: ${choice.rule})`,
    );
    ctx.out(`  why: ${choice.why}`);
  }
  for (const p of answer.passedOver) {
    ctx.out(`  passed over ${p.httpPort}/${p.httpsPort}/${p.statsPort} (${p.rule}):`);
    for (const r of p.refusals) ctx.out(`    ${refusalText(r)}`);
  }
  ctx.out("replicas keeping one eligible node spare:");
  for (const c of answer.clusters) ctx.out(`  ${c.cluster} (${c.profile} profile): ${c.arithmetic}`);
  for (const r of answer.reservations ?? []) ctx.out(`reserved: #${r.id} TCP ${r.port}`);
  if (answer.manifest) {
    ctx.out(`manifest (replicas ${answer.replicas}: the fewest any target cluster takes with a node spare):`);
    ctx.out(
      output === "json" ? JSON.stringify(answer.manifest, null, 2) : stringify(answer.manifest).trimEnd(),
    );
  }
}

async function planIngressController(ctx: CliContext, name: string, options: PlanOptions) {
  const clusters = [...(options.cluster ?? []), ...(options.clusters ?? [])];
  if (clusters.length === 0 && !options.selector)
    throw new UsageError("plan ingresscontroller needs --clusters a,b (or --cluster) or --selector k=v");
  const plan = {
    name,
    ...(clusters.length > 0 ? { clusters } : {}),
    ...(options.selector ? { labelSelector: options.selector } : {}),
    replicas: options.replicas,
    ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
    ...(options.tolerateAll ? { tolerations: [{ operator: "Exists" as const }] } : {}),
    ...(options.ports
      ? { ports: { httpPort: options.ports[0], httpsPort: options.ports[1], statsPort: options.ports[2] } }
      : {}),
    ...(options.window ? { window: { from: options.window[0], to: options.window[1] } } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.allowPrivileged ? { allowPrivileged: true } : {}),
    ...(options.domain ? { domain: options.domain } : {}),
  };
  const answer = options.reserve
    ? await ctx.client.capacity.reserveIngressController.mutate({
        plan,
        owner: options.owner ?? process.env.USER ?? "portolan-cli",
        purpose: options.purpose ?? `IngressController ${name}`,
        ...(options.expires ? { expiresAt: options.expires } : {}),
      })
    : await ctx.client.capacity.planIngressController.query(plan);
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
  else printPlan(ctx, answer, options.output);
  return answer.choice ? 0 : CHECK_FAILED;
}

export function registerIngressPlan(plan: Command, run: Run): void {
  plan
    .command("ingresscontroller")
    .description("ports, replicas and manifest for a new HostNetwork IngressController (exit 3 if none)")
    .argument("<name>")
    .option("--cluster <name>", "a target cluster (repeatable)", collect)
    .option("--clusters <a,b>", "target clusters", commaList)
    .option("--selector <k=v,…>", "target the clusters with these labels", selector)
    .option("--replicas <n>", "routers wanted per cluster", wholeNumber(1), 2)
    .option("--node-selector <k=v,…>", "router placement (default: workers)", selector)
    .option("--tolerate-all", "routers tolerate every taint")
    .option("--ports <http,https,stats>", "preferred ports", portTriple)
    .option("--window <from-to>", "where to search (default 1024-65535)", portRange)
    .addOption(
      new Option("--profile <name>", "port profile for every cluster").choices(["kubernetes", "openshift"]),
    )
    .option("--allow-privileged", "allow ports below 1024")
    .option("--domain <domain>", "spec.domain of the manifest")
    .option("--reserve", "reserve the chosen ports in the same transaction (admin token)")
    .option("--owner <owner>", "reservation owner (default $USER)")
    .option("--purpose <text>", "reservation purpose")
    .option("--expires <time>", "reservation expiry (ISO-8601)", instant)
    .addOption(new Option("--output <format>", "manifest format").choices(["yaml", "json"]).default("yaml"))
    .action(run(planIngressController));
}
