import { readFile } from "node:fs/promises";
import { TRPCClientError } from "@trpc/client";
import { type Command, InvalidArgumentError } from "commander";
import type { Protocol } from "../../contract/schema.js";
import type { ProfileName } from "../../domain/port-profiles.js";
import { shortList, table } from "../../render/text-table.js";
import { CHECK_FAILED, type Run } from "../command.js";
import { type CliContext, InputError, UsageError } from "../context.js";
import { AS_OF_HELP, asOf, collect, commaList, portList, protocol, selector, wholeNumber } from "../flags.js";
import { durationText, staleLines } from "../time.js";
import { registerIngressPlan } from "./ingress-plan.js";

/** The server's profiles, spelled here because the CLI loads no domain module (a new one fails to compile). */
const PROFILES = { kubernetes: true, openshift: true } satisfies Record<ProfileName, true>;
const profileNames = Object.keys(PROFILES);

function profileName(value: string): ProfileName {
  if (!profileNames.includes(value)) throw new InvalidArgumentError(`one of ${profileNames.join(", ")}.`);
  return value as ProfileName;
}

const owner = (o: { kind: string; name: string } | null) => (o ? `${o.kind}/${o.name}` : "-");

/** --cluster a --cluster b and --clusters a,b both work. */
interface ClusterChoice {
  cluster?: string[];
  clusters?: string[];
}

function clusterList(options: ClusterChoice): string[] | undefined {
  const names = [...(options.cluster ?? []), ...(options.clusters ?? [])];
  return names.length > 0 ? names : undefined;
}

function clusterOptions(command: Command): Command {
  return command
    .option("--cluster <name>", "only this cluster (repeatable)", collect)
    .option("--clusters <a,b>", "only these clusters", commaList);
}

/** Every page of a paged answer, in order: each page is bounded, the walk is the CLI's. */
async function allPages<T>(page: (cursor: string | undefined) => Promise<{ nextCursor: string | null } & T>) {
  const pages: T[] = [];
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    pages.push(answer);
    cursor = answer.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

const more = (n: number, noun: string) => (n > 0 ? ` and ${n} more ${noun}` : "");
/** Listeners in the way of a port, as the planners print them. */
const listenerWords = (
  listeners: readonly {
    address: string;
    port: number;
    processes: string[];
    pod: { namespace: string; name: string } | null;
    class: string;
  }[],
) =>
  listeners
    .map(
      (l) =>
        `listened on by ${l.processes.join(",") || "no process"}${l.pod ? ` (pod ${l.pod.namespace}/${l.pod.name})` : ""} on ${l.address}:${l.port} [${l.class}]`,
    )
    .join("; ");

const ROLLOUT_COLUMN = { completes: "completes", stalls: "STALLS", manual: "manual", none: "-" } as const;

async function headroom(ctx: CliContext, options: ClusterChoice & { asOf?: string; failBelow?: number }) {
  const pages = await allPages((cursor) =>
    ctx.client.capacity.headroom.query({ clusters: clusterList(options), asOf: options.asOf, cursor }),
  );
  const answer = {
    asOf: pages[0]?.asOf ?? null,
    workloads: pages.flatMap((p) => p.workloads),
    sharedPortSets: pages.flatMap((p) => p.sharedPortSets),
    nextCursor: null,
  };
  // A router Deployment's shortage is its IngressController's: one row for both (the JSON keeps both).
  const rows = answer.workloads.filter((w) => w.partOf === null);
  const folded = answer.workloads.length - rows.length;
  if (!ctx.json && answer.asOf) ctx.out(`as of ${answer.asOf}`);
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
  else if (rows.length === 0) ctx.out("no host-port workloads");
  else
    ctx.out(
      table(
        [
          "CLUSTER",
          "WORKLOAD",
          "PORTS",
          "REPLICAS",
          "ELIGIBLE",
          "FREE",
          "HEADROOM",
          "MAX REPLICAS (1 SPARE)",
          "NEXT ROLLOUT",
        ],
        rows.map((w) => [
          `${w.cluster}${w.stale ? " (stale)" : ""}`,
          `${w.namespace}/${w.kind}/${w.name}`,
          w.ports.map((p) => `${p.hostPort}/${p.protocol}`).join(",") || "-",
          w.pending ? `${w.replicas} (${w.pending} pending)` : w.replicas,
          w.eligibleNodes,
          w.freeNodes,
          `${w.headroom} ${w.status}`,
          w.maxReplicasKeepingOneSpare,
          ROLLOUT_COLUMN[w.rollout.outcome],
        ]),
      ),
    );
  if (!ctx.json && folded > 0)
    ctx.out(`(${folded} router Deployment(s) shown as their IngressController's row)`);
  if (!ctx.json && answer.sharedPortSets.length > 0) {
    ctx.out("\nShared port sets (each is one cause; lowering replicas does not end it):");
    for (const set of answer.sharedPortSets) {
      ctx.out(`  ${set.cluster}: ${set.summary}`);
      for (const advice of set.advice) ctx.out(`    ${advice}`);
    }
  }
  const stalling = rows.filter((w) => w.rollout.outcome === "stalls");
  if (!ctx.json && stalling.length > 0) {
    ctx.out(
      "\nRollouts that would not finish (judged with the kind's default strategy; snapshots carry none):",
    );
    for (const w of stalling) {
      ctx.out(`  ${w.cluster} ${w.namespace}/${w.kind}/${w.name}: ${w.rollout.why}`);
      ctx.out(`    fix: ${w.rollout.fixes.join("; or ")}`);
    }
  }
  const listened = rows.filter((w) => w.listenerBlockedNodes > 0);
  if (!ctx.json && listened.length > 0) {
    ctx.out("\nNodes observed listeners keep from workloads (not free, not in max replicas):");
    for (const w of listened) {
      const e = w.listenerExample;
      const example = e
        ? `, e.g. ${e.node} ${e.hostPort}/${e.protocol}: ${e.processes.join(",") || "no process"}${e.pod ? ` (pod ${e.pod.namespace}/${e.pod.name})` : ""} on ${e.address}:${e.port}${e.interface ? `%${e.interface}` : ""} [${e.class}]`
        : "";
      ctx.out(
        `  ${w.cluster} ${w.namespace}/${w.kind}/${w.name}: ${w.listenerBlockedNodes} node(s)${example}`,
      );
    }
  }
  const patches = rows.filter((w) => w.patch);
  if (!ctx.json && patches.length > 0) {
    ctx.out("\nIngressControllers leaving no eligible node spare (unset replicas count as 2):");
    for (const w of patches) ctx.out(`  ${w.cluster}: ${w.patch}`);
  }
  const { failBelow } = options;
  if (failBelow === undefined) return 0;
  const short = rows.filter((w) => w.headroom < failBelow);
  if (short.length === 0) return 0;
  if (!ctx.json) ctx.out(`\n${short.length} workload(s) below headroom ${failBelow}`);
  return CHECK_FAILED;
}

async function conflicts(ctx: CliContext, options: ClusterChoice) {
  const pages = await allPages((cursor) =>
    ctx.client.conflicts.list.query({ clusters: clusterList(options), cursor }),
  );
  const items = pages.flatMap((p) => p.items);
  const willCrash = pages.flatMap((p) => p.willCrash);
  if (ctx.json) {
    ctx.out(JSON.stringify({ items, willCrash, nextCursor: null }, null, 2));
    return 0;
  }
  for (const c of willCrash)
    ctx.out(
      `${c.cluster} ${c.namespace}/${c.pod} (${owner(c.owner)}) WILL CRASH on ${c.node}: ${c.port.hostPort}/${c.port.protocol} is held by ${c.heldBy.map((b) => `${b.processes.join(",") || "no process"}${b.pod ? ` (pod ${b.pod.namespace}/${b.pod.name})` : ""} on ${b.address} [${b.class}]`).join("; ")} (EADDRINUSE, not Pending)`,
    );
  if (items.length === 0) {
    ctx.out("no pods are Pending on host ports");
    return 0;
  }
  for (const item of items) {
    ctx.out(
      `${item.cluster} ${item.namespace}/${item.pod} (${owner(item.owner)}) wants ${item.ports.map((p) => `${p.hostPort}/${p.protocol}`).join(", ")}`,
    );
    ctx.out(`  pending since ${item.pendingSince}: ${item.message}`);
    for (const b of item.blockedSample) {
      ctx.out(
        `  ${b.node}: ${b.blockers.map((x) => `${x.hostPort}/${x.protocol} held by ${x.namespace}/${x.pod} (${owner(x.owner)})`).join("; ")}`,
      );
    }
    const unlisted = item.blockedNodes - item.blockedSample.length;
    if (unlisted > 0) ctx.out(`  …${more(unlisted, "blocked node(s)")}`);
    if (item.freeNodes > 0)
      ctx.out(
        `  free now on: ${item.freeSample.join(", ")}${more(item.freeNodes - item.freeSample.length, "node(s)")} (the scheduler's message predates a change)`,
      );
    ctx.out(`  ${item.eligibleNodes} eligible node(s), ${item.blockedNodes} blocked`);
  }
  return 0;
}

interface FitOptions extends ClusterChoice {
  ports?: { hostPort: number; protocol: Protocol | undefined }[];
  replicas?: number;
  selector?: Record<string, string>;
  tolerateAll?: boolean;
  file?: string;
  includeStale?: boolean;
}

type FitAnswer = Awaited<ReturnType<CliContext["client"]["capacity"]["checkFit"]["query"]>>;

function printFitClusters(ctx: CliContext, clusters: FitAnswer["clusters"], indent: string) {
  for (const c of clusters) {
    const stale = c.noPushYet
      ? " (no push yet: left out of the verdict)"
      : c.stale
        ? ` (stale: silent for ${durationText(c.silentForSeconds)}${c.inVerdict ? "" : ", left out of the verdict"})`
        : "";
    ctx.out(`${indent}${c.cluster}${stale}: ${c.verdict}`);
    ctx.out(
      `${indent}  eligible ${c.eligibleNodes}, fitting ${c.fittingNodes}, blocked ${c.blockedNodes}, ineligible ${c.ineligibleNodes}; headroom after ${c.headroomAfter} (${c.statusAfter})`,
    );
    for (const b of c.blockedSample) {
      ctx.out(
        `${indent}  ${b.node} blocked by ${b.blockers.map((x) => `${x.hostPort}/${x.protocol} ${x.namespace}/${x.pod} (${owner(x.owner)})`).join("; ")}`,
      );
    }
    for (const b of c.listenerBlockedSample)
      for (const p of b.ports)
        ctx.out(
          `${indent}  ${b.node} blocked by ${p.listeners.map((l) => `${l.address}:${l.port}/${l.protocol} listened on by ${l.processes.join(",") || "no process"}${l.pod ? ` (pod ${l.pod.namespace}/${l.pod.name})` : ""} [${l.class}]`).join("; ")}: ${p.effect === "crash-loop-eaddrinuse" ? "the pod would crash-loop with EADDRINUSE, not stay Pending" : "its hostPort mapping would capture the host service's traffic"}`,
        );
    const listed = new Set([...c.blockedSample, ...c.listenerBlockedSample].map((b) => b.node)).size;
    const unlisted = c.blockedNodes - listed;
    if (unlisted > 0) ctx.out(`${indent}  …${more(unlisted, "blocked node(s)")}`);
    if (c.unobservedEligibleNodes > 0)
      ctx.out(
        `${indent}  ${c.unobservedEligibleNodes} eligible node(s) not observed: what they listen on is unknown`,
      );
    if (c.blockingWorkloads.length > 0)
      ctx.out(
        `${indent}  in the way: ${c.blockingWorkloads.map((w) => `${w.namespace}/${w.kind}/${w.name} on ${w.nodes}`).join(", ")}${more(c.moreBlockingWorkloads, "workload(s)")}`,
      );
    for (const r of c.ineligibleReasons) ctx.out(`${indent}  ineligible: ${r.reason} (${r.nodes} node(s))`);
    if (c.moreIneligibleReasons > 0) ctx.out(`${indent}  …${more(c.moreIneligibleReasons, "reason(s)")}`);
    for (const r of c.reservations)
      ctx.out(
        `${indent}  note: ${r.protocol} ${r.portFrom}–${r.portTo} is reserved (#${r.id}, ${r.owner}: ${r.purpose})`,
      );
  }
}

async function planFit(ctx: CliContext, options: FitOptions) {
  if (options.file !== undefined) return planFitManifest(ctx, options.file, options);
  const clusters = clusterList(options);
  if (!options.ports) throw new UsageError("plan fit needs --ports (or -f FILE)");
  if (!clusters) throw new UsageError("plan fit needs --clusters a,b (or --cluster)");
  const answer = await ctx.client.capacity.checkFit.query({
    clusters,
    ports: options.ports,
    replicas: options.replicas ?? 1,
    nodeSelector: options.selector,
    tolerations: options.tolerateAll ? [{ operator: "Exists" }] : undefined,
    ...(options.includeStale ? { includeStale: true } : {}),
  });
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
  else {
    for (const line of staleLines(answer.staleClusters)) ctx.out(line);
    if (answer.verdict) ctx.out(`does not fit: ${answer.verdict}`);
    printFitClusters(ctx, answer.clusters, "");
  }
  return answer.fits ? 0 : CHECK_FAILED;
}

async function readManifestText(ctx: CliContext, file: string): Promise<string> {
  if (file === "-") return ctx.readStdin();
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

interface ManifestIssue {
  document?: number;
  path: string;
  message: string;
}

/**
 * What a refused manifest check says when the input is at fault (exit 2): INVALID_MANIFEST one line
 * per issue ("document 2, spec.template…: message"); any other bad request (over 1 MiB, a bad
 * selector) as the server words it.
 */
function manifestIssues(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data = error.data as { code?: string; reason?: string; issues?: ManifestIssue[] } | undefined;
  if (data?.reason !== "INVALID_MANIFEST") return data?.code === "BAD_REQUEST" ? error.message : undefined;
  const issues = data.issues ?? [];
  // The server's message repeats the first issue for curl users; here every issue gets its own line.
  if (issues.length === 0) return error.message;
  const lines = issues.map(
    (i) => `  document ${i.document ?? "?"}${i.path ? `, ${i.path}` : ""}: ${i.message}`,
  );
  return ["the manifest cannot be read:", ...lines].join("\n");
}

async function planFitManifest(ctx: CliContext, file: string, options: FitOptions) {
  if (options.ports || options.replicas !== undefined || options.tolerateAll)
    throw new UsageError(
      "-f reads ports, replicas and placement from the manifest: drop --ports, --replicas, --tolerate-all",
    );
  const manifest = await readManifestText(ctx, file);
  const answer = await ctx.client.capacity.checkManifest
    .mutate({
      manifest,
      clusters: clusterList(options),
      labelSelector: options.selector,
      ...(options.includeStale ? { includeStale: true } : {}),
    })
    .catch((error: unknown) => {
      const issues = manifestIssues(error);
      throw issues ? new InputError(issues) : error;
    });
  // A rollout that would stall fails the gate like a misfit: applying it leaves the workload stuck.
  if (ctx.json) {
    ctx.out(JSON.stringify(answer, null, 2));
    return answer.passes ? 0 : CHECK_FAILED;
  }
  for (const n of answer.notes)
    ctx.out(`note: document ${n.document}${n.path ? ` ${n.path}` : ""}: ${n.message}`);
  if (answer.workloads.length === 0) ctx.out("no host-port workload in the manifest: nothing to check");
  for (const w of answer.workloads) {
    const ports = w.ports.map((p) => `${p.hostPort}/${p.protocol}`).join(",");
    const count = w.everyEligibleNode ? "on every eligible node" : `×${w.replicas}`;
    const where =
      w.targets.source === "all"
        ? "all clusters"
        : w.targets.source === "annotation"
          ? `clusters labelled ${selectorText(w.targets.labelSelector)} (annotation)`
          : "the clusters asked for";
    ctx.out(
      `document ${w.document}${w.path ? ` ${w.path}` : ""}: ${w.kind} ${w.namespace ? `${w.namespace}/` : ""}${w.name} wants ${ports} ${count} on ${where}: ${w.fits ? "fits" : `DOES NOT FIT (${w.verdict})`}${w.fits && !w.rolloutCompletes ? `, but ITS ROLLOUT WILL NOT COMPLETE (${w.verdict})` : ""}`,
    );
    for (const line of staleLines(w.staleClusters)) ctx.out(`  ${line}`);
    printFitClusters(ctx, w.clusters, "  ");
    for (const c of w.clusters) printRollout(ctx, c.cluster, c.rollout);
  }
  return answer.passes ? 0 : CHECK_FAILED;
}

type ManifestAnswer = Awaited<ReturnType<CliContext["client"]["capacity"]["checkManifest"]["mutate"]>>;
type Rollout = ManifestAnswer["workloads"][number]["clusters"][number]["rollout"];

const ROLLOUT_WORDS = {
  completes: "completes",
  stalls: "WILL NOT COMPLETE",
  manual: "does not roll by itself",
  none: "no rollout",
} as const;

function printRollout(ctx: CliContext, cluster: string, r: Rollout) {
  if (r.outcome === "none") return;
  const basis = r.running ? "its running pods" : "its pods once created";
  ctx.out(`  ${cluster}: rollout ${ROLLOUT_WORDS[r.outcome]} (${r.strategy}; judged on ${basis}): ${r.why}`);
  if (r.fixes.length > 0) ctx.out(`    fix: ${r.fixes.join("; or ")}`);
}

const selectorText = (labels: Record<string, string> | null) =>
  Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

interface FreeOptions extends ClusterChoice {
  width: number;
  selector?: Record<string, string>;
  protocol?: Protocol;
  min?: number;
  max?: number;
  limit?: number;
  quietDays?: number;
  profile?: ProfileName;
  allowPrivileged?: boolean;
  includeStale?: boolean;
}

async function planFree(ctx: CliContext, options: FreeOptions) {
  const answer = await ctx.client.capacity.freeRanges.query({
    width: options.width,
    clusters: clusterList(options),
    labelSelector: options.selector,
    protocol: options.protocol,
    min: options.min,
    max: options.max,
    limit: options.limit,
    quietDays: options.quietDays,
    profile: options.profile,
    allowPrivileged: options.allowPrivileged,
    ...(options.includeStale ? { includeStale: true } : {}),
  });
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
  else {
    for (const line of staleLines(answer.staleClusters)) ctx.out(line);
    if (answer.verdict) ctx.out(`no range: ${answer.verdict}`);
    const where = `on every node of ${answer.clusters.length} cluster(s) (${answer.clusters.join(", ")})`;
    if (answer.ranges.length === 0) ctx.out(`no free ${options.width}-port range ${where}`);
    else {
      ctx.out(`free ${options.width}-port ranges ${where}:`);
      ctx.out(
        table(
          ["FROM", "TO", "GAP ENDS AT"],
          answer.ranges.map((r) => [r.from, r.to, r.freeUntil]),
        ),
      );
    }
    ctx.out("\nexcluded (port profiles):");
    ctx.out(
      table(
        ["PORTS", "PROTOCOL", "REASON", "CLUSTERS", "SOURCE"],
        answer.excludedRanges.map((r) => [
          r.from === r.to ? r.from : `${r.from}-${r.to}`,
          r.protocol ?? "any",
          r.reason,
          r.clusterCount === 0
            ? "(default profile)"
            : `${r.clusters.join(",")}${more(r.clusterCount - r.clusters.length, "")}`,
          r.source,
        ]),
      ),
    );
    for (const r of answer.skippedReservations)
      ctx.out(`reserved: ${r.protocol} ${r.portFrom}-${r.portTo} (#${r.id}, ${r.owner})`);
  }
  return answer.ranges.length > 0 ? 0 : CHECK_FAILED;
}

async function drainCheck(ctx: CliContext, cluster: string, node: string) {
  const answer = await ctx.client.capacity.drainCheck.query({ cluster, node });
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
  else {
    ctx.out(`${answer.cluster}/${answer.node}: ${answer.drainable ? "drainable" : "NOT drainable"}`);
    if (answer.pods.length === 0) ctx.out("no host-port pods on this node");
    else
      ctx.out(
        table(
          ["POD", "WORKLOAD", "PORTS", "OUTCOME", "CAN GO TO"],
          answer.pods.map((p) => [
            `${p.namespace}/${p.pod}`,
            `${p.workload.kind}/${p.workload.name}`,
            p.ports.map((x) => `${x.hostPort}/${x.protocol}`).join(","),
            p.disposition,
            p.disposition === "movable" ? shortList(p.destinations) : p.note,
          ]),
        ),
      );
    // The scheduler's blind spot: nodes it counts as free where an observed listener is in the way.
    for (const p of answer.pods.filter((x) => x.listenedNodes > 0))
      ctx.out(
        `${p.namespace}/${p.pod}: ${p.note}: ${p.listenedOn
          .map(
            (n) =>
              `${n.node} (${n.ports.map((x) => `${x.hostPort}/${x.protocol} ${listenerWords(x.listeners)}`).join(", ")})`,
          )
          .join(", ")}${more(p.listenedNodes - p.listenedOn.length, "nodes")}`,
      );
  }
  return answer.drainable ? 0 : CHECK_FAILED;
}

export function registerPlanning(program: Command, run: Run): void {
  clusterOptions(
    program
      .command("headroom")
      .description("per host-port workload: free eligible nodes for one more replica"),
  )
    .option("--as-of <time>", AS_OF_HELP, asOf)
    .option("--fail-below <n>", "exit 3 when a workload's headroom is below n", wholeNumber(0))
    .action(run(headroom));
  clusterOptions(
    program
      .command("conflicts")
      .description("Pending pods blocked on host ports, and what blocks them where"),
  ).action(run(conflicts));
  const plan = program.command("plan").description("would a new workload fit; where is a free port range");
  clusterOptions(
    plan
      .command("fit")
      .description(
        "would a new host-port workload (or every one in a manifest) fit (exit 3 if not, 2 if the manifest is unreadable)",
      ),
  )
    .option("--ports <port/protocol,…>", "the ports it needs, e.g. 8080/TCP,8443/TCP", portList)
    .option("--replicas <n>", "replicas it needs (default 1)", wholeNumber(1))
    .option(
      "--selector <k=v,…>",
      "its node selector; with -f, the labels of the clusters to check on (else each object's portolan.dev/clusters annotation, else all)",
      selector,
    )
    .option("--tolerate-all", "it tolerates every taint")
    .option("--include-stale", "count stale clusters in the verdict (else they are marked and left out)")
    .option(
      "-f, --file <path>",
      "a manifest (YAML or JSON, - for stdin): Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, DeploymentConfig, Job, CronJob, Pod, IngressController, List",
    )
    .action(run(planFit));
  clusterOptions(
    plan
      .command("free")
      .description(
        "lowest port ranges free on every node, outside reservations and each cluster's port profile (exit 3 if none)",
      ),
  )
    .requiredOption("--width <n>", "ports in a range", wholeNumber(1))
    .option("--selector <k=v,…>", "only clusters with these labels", selector)
    .option("--protocol <protocol>", "TCP, UDP or SCTP", protocol)
    .option("--min <port>", "lowest port to consider", wholeNumber(1))
    .option("--max <port>", "highest port to consider", wholeNumber(1))
    .option("--limit <n>", "ranges to list", wholeNumber(1))
    .option(
      "--quiet-days <d>",
      "also avoid ports whose allocations ended within the last d days",
      wholeNumber(1),
    )
    .option(
      "--profile <name>",
      `port profile for every cluster instead of its labels' (${profileNames.join(", ")})`,
      profileName,
    )
    .option("--allow-privileged", "also offer ports below 1024")
    .option("--include-stale", "read stale clusters' ports too (else they are left out, with their age)")
    .action(run(planFree));
  registerIngressPlan(plan, run);
  program
    .command("drain-check")
    .description("where each host-port pod of a node could go (exit 3 if not drainable)")
    .argument("<cluster>")
    .argument("<node>")
    .action(run(drainCheck));
}
