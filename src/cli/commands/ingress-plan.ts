/**
 * `portolan plan ingresscontroller NAME`: ports, why, spare-node arithmetic, and the manifest. With
 * `--output yaml|json`, stdout carries the manifest alone (kubectl's convention, so it pipes into
 * `oc apply -f -`) and the explanation goes to stderr. No manifest is printed when there is no plan
 * to apply: no free set, no cluster that can host a router, or the name already exists (exit 3).
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { stringify } from "yaml";
import { listenedRefusalText } from "../../render/ingress-refusals.js";
import { CHECK_FAILED, type Run } from "../command.js";
import { type CliContext, UsageError } from "../context.js";
import { collect, commaList, instant, port, portRange, selector, wholeNumber } from "../flags.js";
import { staleLines } from "../time.js";

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
  output?: "yaml" | "json";
  includeStale?: boolean;
  move?: boolean;
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
    case "listened":
      return listenedRefusalText(r);
    case "excluded":
      return `${r.port} excluded on ${r.cluster}: ${r.range} ${r.why}`;
    case "reserved":
      return `${r.port} reserved on ${r.cluster} (#${r.reservation}, ${r.owner}: ${r.purpose})`;
  }
}

type Answer = PlanAnswer & { reservations?: { id: number; port: number }[]; alreadyReserved?: boolean };

/** A plan to apply: ports chosen, a cluster that can host it, and a name no target uses. */
const applicable = (answer: Answer) =>
  answer.choice !== null && answer.hostable && (answer.existing.length === 0 || answer.move);

function existingText(e: Answer["existing"][number]): string {
  const strategy = e.endpointPublishingStrategy ?? "strategy unset";
  const ports = e.hostNetwork
    ? ` ${e.hostNetwork.httpPort}/${e.hostNetwork.httpsPort}/${e.hostNetwork.statsPort}`
    : "";
  const replicas = e.replicas === null ? "replicas unset (2)" : `${e.replicas} replica(s)`;
  const available = e.availableReplicas === null ? "" : `, ${e.availableReplicas} available`;
  return `${e.cluster} already runs ${e.namespace}/${e.name}: ${strategy}${ports}, ${replicas}${available}`;
}

/** The explanation, line by line: to stdout, or to stderr when stdout carries the manifest alone. */
function explain(say: (text: string) => void, answer: Answer) {
  for (const line of staleLines(answer.staleClusters)) say(line);
  if (answer.existing.length > 0 && answer.move) {
    for (const e of answer.existing) say(`moving: ${existingText(e)}`);
    say(`  applying this plan rewrites ${answer.name} with the ports below (--move)`);
  } else if (answer.existing.length > 0) {
    for (const e of answer.existing) say(`name taken: ${existingText(e)}`);
    say(
      `  applying a plan named ${answer.name} would rewrite it; plan a free name instead, e.g. ${answer.suggestedName} (no manifest printed)`,
    );
  }
  if (!answer.hostable) say(`${answer.name}: no plan: ${answer.verdict}`);
  const { choice } = answer;
  if (!choice) say(`${answer.name}: no free port set on every eligible node of the target clusters`);
  else if (answer.hostable) {
    say(
      `${answer.name}: httpPort ${choice.httpPort}, httpsPort ${choice.httpsPort}, statsPort ${choice.statsPort} (rule: ${choice.rule})`,
    );
    say(`  why: ${choice.why}`);
  }
  for (const p of answer.passedOver) {
    say(`  passed over ${p.httpPort}/${p.httpsPort}/${p.statsPort} (${p.rule}):`);
    for (const r of p.refusals) say(`    ${refusalText(r)}`);
  }
  if (answer.clusters.length > 0) say("replicas keeping one eligible node spare:");
  for (const c of answer.clusters) {
    say(`  ${c.cluster} (${c.profile} profile${c.stale ? ", stale" : ""}): ${c.arithmetic}`);
    if (!c.diagnosis) continue;
    say(
      `    ${c.diagnosis.nodes} node(s), ${c.diagnosis.selectedNodes} match the node selector; what would make one eligible:`,
    );
    for (const hint of c.diagnosis.hints) say(`      - ${hint}`);
  }
  if (answer.reservations === undefined && answer.ownReservations.length > 0)
    say(
      `reserved for ${answer.name} earlier: ${answer.ownReservations.map((r) => `#${r.id} TCP ${r.port}`).join(", ")}`,
    );
  const already = answer.alreadyReserved ? "already reserved (nothing new)" : "reserved";
  for (const r of answer.reservations ?? []) say(`${already}: #${r.id} TCP ${r.port}`);
}

const manifestText = (answer: Answer, output: "yaml" | "json") =>
  output === "json" ? JSON.stringify(answer.manifest, null, 2) : stringify(answer.manifest).trimEnd();

function printPlan(ctx: CliContext, answer: Answer, output: "yaml" | "json" | undefined) {
  if (output) {
    // kubectl's convention: the manifest alone on stdout, everything else on stderr.
    explain(ctx.err, answer);
    if (applicable(answer) && answer.manifest) ctx.out(manifestText(answer, output));
    return;
  }
  explain(ctx.out, answer);
  if (applicable(answer) && answer.manifest) {
    ctx.out(`manifest (replicas ${answer.replicas}: the fewest any target cluster takes with a node spare):`);
    ctx.out(manifestText(answer, "yaml"));
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
    ...(options.includeStale ? { includeStale: true } : {}),
    ...(options.move ? { move: true } : {}),
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
  return applicable(answer) ? 0 : CHECK_FAILED;
}

export function registerIngressPlan(plan: Command, run: Run): void {
  plan
    .command("ingresscontroller")
    .description(
      "ports, replicas and manifest for a new HostNetwork IngressController (exit 3 if no plan: no free set, no cluster can host it, or the name exists)",
    )
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
    .option("--include-stale", "plan on stale clusters too (else they are left out, with their age)")
    .option(
      "--move",
      "move the existing IngressController of that name to the ports planned (its name may be taken)",
    )
    .addOption(
      new Option(
        "-o, --output <format>",
        "print the manifest alone on stdout in this format (the explanation goes to stderr)",
      ).choices(["yaml", "json"]),
    )
    .action(run(planIngressController));
}
