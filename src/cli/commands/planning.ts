import { protocols } from "../../contract/snapshot.js";
import { type CliContext, UsageError } from "../context.js";
import { shortList, table } from "../table.js";
import { parseSelector } from "./reserve.js";

/** Exit code of a check that ran but failed (headroom below the bar, proposal does not fit, …). */
export const CHECK_FAILED = 3;

export interface PlanningFlags {
  cluster: string[];
  clusters?: string | undefined;
  selector?: string | undefined;
  asOf?: string | undefined;
  failBelow?: string | undefined;
  ports?: string | undefined;
  replicas?: string | undefined;
  width?: string | undefined;
  protocol?: string | undefined;
  min?: string | undefined;
  max?: string | undefined;
  limit?: string | undefined;
  quietDays?: string | undefined;
  tolerateAll?: boolean | undefined;
}

const owner = (o: { kind: string; name: string } | null) => (o ? `${o.kind}/${o.name}` : "-");

function integer(text: string | undefined, flag: string, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number ≥ ${min}`);
  return n;
}

/** --cluster a --cluster b and --clusters a,b both work. */
function clusterList(flags: PlanningFlags): string[] | undefined {
  const names = [
    ...flags.cluster,
    ...(flags.clusters
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean) ?? []),
  ];
  return names.length > 0 ? names : undefined;
}

function protocolOf(text: string | undefined) {
  if (text === undefined) return undefined;
  const found = protocols.find((p) => p === text.toUpperCase());
  if (!found) throw new UsageError(`protocol must be one of ${protocols.join(", ")}`);
  return found;
}

/** "8080/TCP,8443,53/UDP" → [{hostPort, protocol}] */
function parsePorts(text: string | undefined) {
  if (!text) throw new UsageError("--ports is required, e.g. --ports 8080/TCP,8443/TCP");
  return text.split(",").map((item) => {
    const [port, protocol] = item.trim().split("/");
    const hostPort = integer(port, "--ports", 1);
    if (hostPort === undefined || hostPort > 65535) throw new UsageError(`"${item}" is not a port`);
    return { hostPort, protocol: protocolOf(protocol) };
  });
}

export async function headroomCommand(ctx: CliContext, flags: PlanningFlags): Promise<number> {
  const failBelow = integer(flags.failBelow, "--fail-below");
  const answer = await ctx.client.capacity.headroom.query({ clusters: clusterList(flags), asOf: flags.asOf });
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
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
        ],
        answer.workloads.map((w) => [
          `${w.cluster}${w.stale ? " (stale)" : ""}`,
          `${w.namespace}/${w.kind}/${w.name}`,
          w.ports.map((p) => `${p.hostPort}/${p.protocol}`).join(","),
          w.pending ? `${w.replicas} (${w.pending} pending)` : w.replicas,
          w.eligibleNodes,
          w.freeNodes,
          `${w.headroom} ${w.status}`,
          w.maxReplicasKeepingOneSpare,
        ]),
      ),
    );
  if (failBelow === undefined) return 0;
  const short = answer.workloads.filter((w) => w.headroom < failBelow);
  if (short.length === 0) return 0;
  if (!ctx.json) ctx.out(`\n${short.length} workload(s) below headroom ${failBelow}`);
  return CHECK_FAILED;
}

export async function conflictsCommand(ctx: CliContext, flags: PlanningFlags): Promise<number> {
  const answer = await ctx.client.conflicts.list.query({ clusters: clusterList(flags) });
  if (ctx.json) {
    ctx.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  if (answer.items.length === 0) {
    ctx.out("no pods are Pending on host ports");
    return 0;
  }
  for (const item of answer.items) {
    ctx.out(
      `${item.cluster} ${item.namespace}/${item.pod} (${owner(item.owner)}) wants ${item.ports.map((p) => `${p.hostPort}/${p.protocol}`).join(", ")}`,
    );
    ctx.out(`  pending since ${item.pendingSince}: ${item.message}`);
    for (const b of item.blockedNodes) {
      ctx.out(
        `  ${b.node}: ${b.blockers.map((x) => `${x.hostPort}/${x.protocol} held by ${x.namespace}/${x.pod} (${owner(x.owner)})`).join("; ")}`,
      );
    }
    if (item.freeNodes.length > 0)
      ctx.out(`  free now on: ${shortList(item.freeNodes)} (the scheduler's message predates a change)`);
    ctx.out(`  ${item.eligibleNodes} eligible node(s), ${item.blockedNodes.length} blocked`);
  }
  return 0;
}

async function planFit(ctx: CliContext, flags: PlanningFlags): Promise<number> {
  const clusters = clusterList(flags);
  if (!clusters) throw new UsageError("plan fit needs --clusters a,b (or --cluster)");
  const answer = await ctx.client.capacity.checkFit.query({
    clusters,
    ports: parsePorts(flags.ports),
    replicas: integer(flags.replicas, "--replicas", 1) ?? 1,
    nodeSelector: parseSelector(flags.selector),
    tolerations: flags.tolerateAll ? [{ operator: "Exists" }] : undefined,
  });
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
  else {
    for (const c of answer.clusters) {
      ctx.out(`${c.cluster}: ${c.verdict}`);
      ctx.out(
        `  eligible ${c.eligibleNodes.length}, fitting ${c.fittingNodes.length}: ${shortList(c.fittingNodes)}; headroom after ${c.headroomAfter} (${c.statusAfter})`,
      );
      for (const b of c.blockedNodes) {
        ctx.out(
          `  ${b.node} blocked by ${b.blockers.map((x) => `${x.hostPort}/${x.protocol} ${x.namespace}/${x.pod} (${owner(x.owner)})`).join("; ")}`,
        );
      }
      for (const r of c.reservations)
        ctx.out(
          `  note: ${r.protocol} ${r.portFrom}–${r.portTo} is reserved (#${r.id}, ${r.owner}: ${r.purpose})`,
        );
    }
  }
  return answer.fits ? 0 : CHECK_FAILED;
}

async function planFree(ctx: CliContext, flags: PlanningFlags): Promise<number> {
  const width = integer(flags.width, "--width", 1);
  if (width === undefined) throw new UsageError("plan free needs --width N");
  const answer = await ctx.client.capacity.freeRanges.query({
    width,
    clusters: clusterList(flags),
    labelSelector: parseSelector(flags.selector),
    protocol: protocolOf(flags.protocol),
    min: integer(flags.min, "--min", 1),
    max: integer(flags.max, "--max", 1),
    limit: integer(flags.limit, "--limit", 1),
    quietDays: integer(flags.quietDays, "--quiet-days", 1),
  });
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
  else {
    ctx.out(
      `free ${width}-port ranges on every node of ${answer.clusters.length} cluster(s) (${answer.clusters.join(", ")}):`,
    );
    ctx.out(
      table(
        ["FROM", "TO", "GAP ENDS AT"],
        answer.ranges.map((r) => [r.from, r.to, r.freeUntil]),
      ),
    );
  }
  return answer.ranges.length > 0 ? 0 : CHECK_FAILED;
}

export async function planCommand(ctx: CliContext, args: string[], flags: PlanningFlags): Promise<number> {
  if (args[0] === "fit") return planFit(ctx, flags);
  if (args[0] === "free") return planFree(ctx, flags);
  throw new UsageError(
    "usage: portolan plan fit --ports P/PROTO,… --replicas N --clusters a,b | plan free --width N [--selector k=v]",
  );
}

export async function drainCheckCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [cluster, node] = args;
  if (!cluster || !node) throw new UsageError("usage: portolan drain-check CLUSTER NODE");
  const answer = await ctx.client.capacity.drainCheck.query({ cluster, node });
  if (ctx.json) ctx.out(JSON.stringify(answer, null, 2));
  else {
    ctx.out(`${answer.cluster}/${answer.node}: ${answer.drainable ? "drainable" : "NOT drainable"}`);
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
  }
  return answer.drainable ? 0 : CHECK_FAILED;
}
