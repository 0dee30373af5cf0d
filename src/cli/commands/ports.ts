import type { Command } from "commander";
import type { Protocol } from "../../contract/schema.js";
import { shortList, table } from "../../render/text-table.js";
import type { Run } from "../command.js";
import type { CliContext } from "../context.js";
import { AS_OF_HELP, asOf, collect, port, protocol, wholeNumber } from "../flags.js";

const owner = (o: { kind: string; name: string } | null, fallback: string) =>
  o ? `${o.kind}/${o.name}` : fallback;

interface WhoOptions {
  protocol?: Protocol;
  cluster?: string[];
  asOf?: string;
  limit: number;
}

/** "of 9100/TCP in a, b as of …": what a question asked, to say it found nothing. */
function whoScope(hostPort: number, options: WhoOptions): string {
  const clusters = options.cluster ? ` in ${options.cluster.join(", ")}` : "";
  const when = options.asOf ? ` as of ${options.asOf}` : "";
  const protocol = options.protocol ? `/${options.protocol}` : " (any protocol)";
  return `${hostPort}${protocol}${clusters}${when}`;
}

async function who(ctx: CliContext, hostPort: number, options: WhoOptions): Promise<number> {
  const answer = await ctx.client.ports.who.query({
    hostPort,
    protocol: options.protocol,
    asOf: options.asOf,
    clusters: options.cluster,
    limit: options.limit,
  });
  if (ctx.json) {
    ctx.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  if (answer.allocations.length === 0) {
    ctx.out(`no allocations of ${whoScope(hostPort, options)}`);
    printListeners(ctx, answer);
    return 0;
  }
  if (answer.asOf) ctx.out(`as of ${answer.asOf}`);
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
  // A first page (no cursor) always carries the summary.
  const { summary } = answer;
  if (!summary) return 0;
  ctx.out(`\n${summary.total} allocation(s) in ${summary.byCluster.length} cluster(s)${more}`);
  for (const w of summary.byWorkload) {
    ctx.out(`  ${w.namespace}/${owner(w.owner, "bare pods")}: ${w.allocations} in ${w.clusters} cluster(s)`);
  }
  printListeners(ctx, answer);
  return 0;
}

interface ListenerLine {
  cluster: string;
  node: string;
  protocol: string;
  port: number;
  address: string;
  interface: string | null;
  scope: string;
  processes: { name: string; pid?: number | undefined }[];
  pod: { namespace: string; name: string; container?: string | undefined } | null;
  class: string;
}

/** What nodes were seen listening on: beside the declared holds, never mixed into them. */
function printListeners(ctx: CliContext, answer: { listeners: ListenerLine[]; listenersTruncated: boolean }) {
  if (answer.listeners.length === 0) return;
  ctx.out(
    `\nobserved listeners (${answer.listeners.length}${answer.listenersTruncated ? ", more not shown" : ""}):`,
  );
  ctx.out(
    table(
      ["CLUSTER", "NODE", "PORT", "ADDRESS", "SCOPE", "PROCESSES", "POD", "CLASS"],
      answer.listeners.map((l) => [
        l.cluster,
        l.node,
        `${l.port}/${l.protocol}`,
        l.interface ? `${l.address}%${l.interface}` : l.address,
        l.scope,
        l.processes.map((p) => (p.pid === undefined ? p.name : `${p.name}(${p.pid})`)).join(",") || "-",
        l.pod ? `${l.pod.namespace}/${l.pod.name}${l.pod.container ? `/${l.pod.container}` : ""}` : "-",
        l.class,
      ]),
    ),
  );
}

interface PageOptions {
  asOf?: string;
  limit?: number;
  cursor?: string;
}

/** One page of a map or a node: the server bounds each, so the CLI prints one and says how to go on. */
const nextPageHint = (command: string, shown: number, total: number, next: string | null) =>
  next === null ? [] : [`\n${shown} of ${total} shown; the next page: ${command} --cursor '${next}'`];

type MapAnswer = Awaited<ReturnType<CliContext["client"]["ports"]["map"]["query"]>>;
type MapRow = MapAnswer["ports"][number];
type MapNodeState = MapAnswer["unschedulableNodes"][number];

/**
 * DaemonSets and static pods (owner Node) hold the rows only they hold: their pods are pinned to their
 * nodes, so the row's eligible and free counts (judged by one pinned pod) say nothing of them.
 */
const pinnedKind = (p: MapRow) => {
  const kinds = new Set(p.workloads.map((w) => w.kind));
  return kinds.size === 1
    ? [...kinds][0] === "DaemonSet"
      ? "DaemonSet"
      : [...kinds][0] === "Node"
        ? "static pods"
        : null
    : null;
};
const pinned = (p: MapRow) => pinnedKind(p) !== null;

/**
 * Where a row is held, worded so that no count reads as an error: "all N eligible" only when the
 * holders are exactly the eligible nodes (the report's rule); else the holders, then how many of the
 * cluster's nodes are eligible (cordoned or NotReady holders are not).
 */
function heldOnCell(p: MapRow, answer: { nodes: number; unschedulableNodes: MapNodeState[] }): string {
  const kind = pinnedKind(p);
  const holders = shortList(p.nodes, 4, p.heldCount);
  if (kind === "DaemonSet") return `DaemonSet on ${p.heldCount} of ${answer.nodes} nodes: ${holders}`;
  if (kind) return `static pods, each on its node: ${holders}`;
  if (p.freeCount === 0 && p.heldCount === p.eligibleNodes && p.eligibleNodes > 0)
    return `all ${p.eligibleNodes} eligible`;
  const out = answer.unschedulableNodes
    .filter((n) => p.nodes.includes(n.name))
    .map(
      (n) =>
        `${n.name} ${[n.cordoned ? "cordoned" : "", n.ready ? "" : "NotReady"].filter(Boolean).join(", ")}`,
    );
  return `${p.heldCount}: ${holders}; ${p.eligibleNodes} of ${answer.nodes} nodes eligible${out.length > 0 ? ` (${out.join(", ")})` : ""}`;
}

async function map(ctx: CliContext, cluster: string, options: PageOptions): Promise<number> {
  const answer = await ctx.client.ports.map.query({
    cluster,
    asOf: options.asOf,
    limit: options.limit,
    cursor: options.cursor,
  });
  if (ctx.json) {
    ctx.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  ctx.out(
    `Port map of ${answer.cluster} as of ${answer.asOf ?? "never"}${answer.stale ? " (STALE)" : ""}: ${answer.nodes} nodes, ${answer.schedulableNodes} schedulable\n`,
  );
  if (answer.ports.length === 0) ctx.out("no host ports held");
  else
    ctx.out(
      table(
        ["PORT", "HOST IP", "WORKLOADS", "HELD ON", "FREE SLOTS"],
        answer.ports.map((p) => [
          `${p.hostPort}/${p.protocol}`,
          p.hostIP,
          p.workloads.map((w) => `${w.namespace}/${w.name} (${w.kind}, ${w.pods})`).join("; "),
          heldOnCell(p, answer),
          pinned(p)
            ? "n/a"
            : `${p.freeCount}${p.freeCount > 0 ? `: ${shortList(p.freeNodes, 3, p.freeCount)}` : ""}`,
        ]),
      ),
    );
  if (answer.undeclaredHostNetworkPodCount > 0) {
    ctx.out("\nhostNetwork pods that declare no ports (they may listen on ports the scheduler cannot see):");
    for (const p of answer.undeclaredHostNetworkPods)
      ctx.out(`  ${p.namespace}/${p.pod} on ${p.node ?? "(unscheduled)"}`);
    const unlisted = answer.undeclaredHostNetworkPodCount - answer.undeclaredHostNetworkPods.length;
    if (unlisted > 0) ctx.out(`  … and ${unlisted} more`);
  }
  for (const line of nextPageHint(
    `portolan ports map ${cluster}`,
    answer.ports.length,
    answer.totalPorts,
    answer.nextCursor,
  ))
    ctx.out(line);
  return 0;
}

interface FreeOptions {
  protocol?: Protocol;
  hostIp?: string;
  asOf?: string;
}

/** Every free node of one port-map row (the map names only the first): all pages, one name a line. */
async function free(ctx: CliContext, cluster: string, hostPort: number, options: FreeOptions) {
  const names: string[] = [];
  let answeredAsOf: string | null = null;
  let cursor: string | undefined;
  do {
    const page = await ctx.client.ports.freeNodes.query({
      cluster,
      hostPort,
      protocol: options.protocol,
      hostIP: options.hostIp,
      asOf: options.asOf,
      cursor,
    });
    names.push(...page.nodes);
    answeredAsOf = page.asOf;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  if (ctx.json) ctx.out(JSON.stringify({ cluster, hostPort, asOf: answeredAsOf, freeNodes: names }, null, 2));
  else {
    // stdout stays one name a line (scripts read it); the instant goes to stderr.
    if (options.asOf) ctx.err(`as of ${answeredAsOf}`);
    ctx.out(names.length === 0 ? `no node is free for ${hostPort} in ${cluster}` : names.join("\n"));
  }
  return 0;
}

async function node(ctx: CliContext, cluster: string, nodeName: string, options: PageOptions) {
  const answer = await ctx.client.ports.node.query({
    cluster,
    node: nodeName,
    asOf: options.asOf,
    limit: options.limit,
    cursor: options.cursor,
  });
  if (ctx.json) {
    ctx.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  const n = answer.node;
  ctx.out(
    `${answer.cluster}/${n.name}: ${n.ready ? "Ready" : "NotReady"}${n.unschedulable ? ", cordoned" : ""}${options.asOf ? ` (as of ${answer.asOf})` : ""}\n`,
  );
  if (answer.allocations.length === 0) ctx.out("no host ports held on this node");
  else
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
  for (const line of nextPageHint(
    `portolan ports node ${cluster} ${nodeName}`,
    answer.allocations.length,
    answer.allocationCount,
    answer.nextCursor,
  ))
    ctx.out(line);
  return 0;
}

export function registerPorts(program: Command, run: Run): void {
  const ports = program
    .command("ports")
    .description("who holds a host port, a cluster's port map, a node's ports");
  ports
    .command("who")
    .description("every holder of a host port in the fleet")
    .argument("<port>", "host port, 1–65535", port)
    .option("--protocol <protocol>", "TCP, UDP or SCTP (default: all)", protocol)
    .option("--cluster <name>", "only this cluster (repeatable)", collect)
    .option("--as-of <time>", AS_OF_HELP, asOf)
    .option("--limit <n>", "allocations per page", wholeNumber(1), 1000)
    .action(run(who));
  ports
    .command("map")
    .description("the cluster's port allocation map with free nodes")
    .argument("<cluster>")
    .option("--as-of <time>", AS_OF_HELP, asOf)
    .option("--limit <n>", "rows per page (1–1000, default 500)", wholeNumber(1))
    .option("--cursor <cursor>", "the page after this one (printed under a page that has more)")
    .action(run(map));
  ports
    .command("free")
    .description("every node where one more replica of the port's holders could take it")
    .argument("<cluster>")
    .argument("<port>", "host port, 1–65535", port)
    .option("--protocol <protocol>", "TCP, UDP or SCTP (default: TCP)", protocol)
    .option("--host-ip <ip>", "the row's host IP (default: 0.0.0.0)")
    .option("--as-of <time>", AS_OF_HELP, asOf)
    .action(run(free));
  ports
    .command("node")
    .description("what holds the host ports of one node")
    .argument("<cluster>")
    .argument("<node>")
    .option("--as-of <time>", AS_OF_HELP, asOf)
    .option("--limit <n>", "allocations per page (1–5000, default 1000)", wholeNumber(1))
    .option("--cursor <cursor>", "the page after this one (printed under a page that has more)")
    .action(run(node));
}
