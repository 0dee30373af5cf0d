import { protocols } from "../../contract/snapshot.js";
import { type CliContext, UsageError } from "../context.js";
import { shortList, table } from "../table.js";

const owner = (o: { kind: string; name: string } | null, fallback: string) =>
  o ? `${o.kind}/${o.name}` : fallback;

function parsePort(text: string | undefined): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`"${text}" is not a port (1–65535)`);
  return port;
}

function parseProtocol(text: string | undefined) {
  if (text === undefined) return undefined;
  const upper = text.toUpperCase();
  const found = protocols.find((p) => p === upper);
  if (!found) throw new UsageError(`--protocol must be one of ${protocols.join(", ")}`);
  return found;
}

export interface PortsFlags {
  protocol?: string | undefined;
  asOf?: string | undefined;
  cluster: string[];
  limit?: string | undefined;
}

async function who(ctx: CliContext, portText: string | undefined, flags: PortsFlags): Promise<number> {
  const input = {
    hostPort: parsePort(portText),
    protocol: parseProtocol(flags.protocol),
    asOf: flags.asOf,
    clusters: flags.cluster.length ? flags.cluster : undefined,
    limit: flags.limit ? Number(flags.limit) : 1000,
  };
  const answer = await ctx.client.ports.who.query(input);
  if (ctx.json) {
    ctx.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  const rows = [...answer.allocations].sort(
    (a, b) =>
      a.cluster.localeCompare(b.cluster) || a.node.localeCompare(b.node) || a.pod.localeCompare(b.pod),
  );
  ctx.out(
    table(
      ["CLUSTER", "NODE", "NAMESPACE", "POD", "OWNER", "CONTAINER", "PORT", "HOST IP", "HOSTNET", "SINCE"],
      rows.map((a) => [
        a.cluster,
        a.node,
        a.namespace,
        a.pod,
        owner(a.owner, "-"),
        a.container,
        `${a.hostPort}/${a.protocol}`,
        a.hostIP,
        a.hostNetwork ? "yes" : "no",
        a.since,
      ]),
    ),
  );
  const more = answer.nextCursor
    ? ` (first ${rows.length} shown; use --json and the cursor for the rest)`
    : "";
  ctx.out(`\n${answer.summary.total} allocation(s) in ${answer.summary.byCluster.length} cluster(s)${more}`);
  for (const w of answer.summary.byWorkload) {
    ctx.out(`  ${w.namespace}/${owner(w.owner, "bare pods")}: ${w.allocations} in ${w.clusters} cluster(s)`);
  }
  return 0;
}

async function map(ctx: CliContext, cluster: string | undefined, flags: PortsFlags): Promise<number> {
  if (!cluster) throw new UsageError("usage: portolan ports map CLUSTER [--as-of TIME]");
  const answer = await ctx.client.ports.map.query({ cluster, asOf: flags.asOf });
  if (ctx.json) {
    ctx.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  const total = answer.schedulableNodes.length;
  ctx.out(
    `Port map of ${answer.cluster} as of ${answer.asOf ?? "never"}${answer.stale ? " (STALE)" : ""}: ${answer.nodes} nodes, ${total} schedulable\n`,
  );
  ctx.out(
    table(
      ["PORT", "HOST IP", "WORKLOADS", "HELD ON", "FREE SLOTS"],
      answer.ports.map((p) => [
        `${p.hostPort}/${p.protocol}`,
        p.hostIP,
        p.workloads.map((w) => `${w.namespace}/${w.name} (${w.kind}, ${w.pods})`).join("; "),
        p.freeCount === 0 && p.nodes.length >= p.eligibleNodes && p.eligibleNodes > 0
          ? `all ${p.nodes.length} eligible`
          : `${p.nodes.length} of ${p.eligibleNodes} eligible: ${shortList(p.nodes)}`,
        `${p.freeCount}${p.freeCount > 0 ? `: ${shortList(p.freeNodes, 3)}` : ""}`,
      ]),
    ),
  );
  if (answer.undeclaredHostNetworkPods.length > 0) {
    ctx.out("\nhostNetwork pods that declare no ports (they may listen on ports the scheduler cannot see):");
    for (const p of answer.undeclaredHostNetworkPods)
      ctx.out(`  ${p.namespace}/${p.pod} on ${p.node ?? "(unscheduled)"}`);
  }
  return 0;
}

async function node(
  ctx: CliContext,
  cluster: string | undefined,
  nodeName: string | undefined,
  flags: PortsFlags,
) {
  if (!cluster || !nodeName) throw new UsageError("usage: portolan ports node CLUSTER NODE [--as-of TIME]");
  const answer = await ctx.client.ports.node.query({ cluster, node: nodeName, asOf: flags.asOf });
  if (ctx.json) {
    ctx.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  const n = answer.node;
  ctx.out(
    `${answer.cluster}/${n.name}: ${n.ready ? "Ready" : "NotReady"}${n.unschedulable ? ", cordoned" : ""}\n`,
  );
  ctx.out(
    table(
      ["PORT", "HOST IP", "NAMESPACE", "POD", "OWNER", "CONTAINER", "SINCE"],
      answer.allocations.map((a) => [
        `${a.hostPort}/${a.protocol}`,
        a.hostIP,
        a.namespace,
        a.pod,
        owner(a.owner, "-"),
        a.container,
        a.since,
      ]),
    ),
  );
  return 0;
}

export async function portsCommand(ctx: CliContext, args: string[], flags: PortsFlags): Promise<number> {
  const [action, a, b] = args;
  if (action === "who") return who(ctx, a, flags);
  if (action === "map") return map(ctx, a, flags);
  if (action === "node") return node(ctx, a, b, flags);
  throw new UsageError("usage: portolan ports who PORT | map CLUSTER | node CLUSTER NODE");
}
