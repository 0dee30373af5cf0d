/** Capacity planning over stored state: headroom, fit, drain, free ranges, host-port conflicts. */
import { and, gt, inArray, isNull, or } from "drizzle-orm";
import { portAllocations } from "../db/schema/index.js";
import { hostPortConflicts as conflictsIn } from "../domain/conflicts.js";
import { drainCheck } from "../domain/drain.js";
import { checkFit } from "../domain/fit.js";
import { freeRanges } from "../domain/free-ranges.js";
import { workloadHeadroom } from "../domain/headroom.js";
import { normaliseHostPort } from "../domain/ports.js";
import { rangesOverlap } from "../domain/reservation-scope.js";
import { ownerOf } from "../domain/workload.js";
import type { FitInput, FreeRangeInput } from "./capacity-inputs.js";
import type { ServiceContext } from "./context.js";
import { notFound } from "./errors.js";
import {
  type ClusterRow,
  type ClusterSelection,
  findCluster,
  isStale,
  loadClusterView,
  type StoredAllocation,
  selectClusters,
  selectedClusterIds,
} from "./read-model.js";
import { reservationsInForce } from "./reservations.js";

/** What a blocking allocation looks like in answers. */
const blocker = (a: StoredAllocation) => ({
  node: a.node,
  namespace: a.namespace,
  pod: a.pod,
  owner: ownerOf(a),
  container: a.container,
  protocol: a.protocol,
  hostIP: a.hostIP,
  hostPort: a.hostPort,
  since: a.validFrom.toISOString(),
});

async function statesOf(ctx: ServiceContext, selected: ClusterRow[], asOf: Date | undefined) {
  const states = [];
  for (const cluster of selected)
    states.push({ cluster, state: await loadClusterView(ctx.db, { cluster, asOf }) });
  return states;
}

export async function headroom(
  ctx: ServiceContext,
  input: { clusters?: string[] | undefined; asOf?: Date | undefined },
) {
  const selected = await selectClusters(ctx.db, { clusters: input.clusters, asOf: input.asOf });
  const workloads = [];
  for (const { cluster, state } of await statesOf(ctx, selected, input.asOf)) {
    for (const w of workloadHeadroom(state)) {
      workloads.push({
        cluster: cluster.name,
        stale: isStale(ctx, cluster),
        namespace: w.namespace,
        kind: w.kind,
        name: w.name,
        ports: w.ports,
        replicas: w.replicas,
        pending: w.pending,
        eligibleNodes: w.eligibleNodes.length,
        freeNodes: w.freeNodes.length,
        freeNodeNames: w.freeNodes,
        headroom: w.headroom,
        status: w.status,
        maxReplicasKeepingOneSpare: w.maxReplicasKeepingOneSpare,
      });
    }
  }
  return { workloads };
}

export async function fitCheck(ctx: ServiceContext, input: FitInput) {
  const selected = await selectClusters(ctx.db, { clusters: input.clusters });
  const wanted = input.ports.map((p) =>
    normaliseHostPort({ hostPort: p.hostPort, protocol: p.protocol ?? "TCP", hostIP: p.hostIP ?? "" }),
  );
  const proposal = {
    ports: wanted,
    replicas: input.replicas,
    ...(input.nodeSelector ? { nodeSelector: input.nodeSelector } : {}),
    ...(input.tolerations ? { tolerations: input.tolerations } : {}),
    ...(input.requiredNodeAffinity ? { requiredNodeAffinity: input.requiredNodeAffinity } : {}),
  };
  const inForce = await reservationsInForce(ctx, selected);
  const results = [];
  for (const { cluster, state } of await statesOf(ctx, selected, undefined)) {
    const fit = checkFit(proposal, state);
    const reserved = inForce
      .covering(cluster)
      .filter((r) =>
        wanted.some(
          (p) => p.protocol === r.protocol && rangesOverlap(r, { portFrom: p.hostPort, portTo: p.hostPort }),
        ),
      );
    results.push({
      cluster: cluster.name,
      stale: isStale(ctx, cluster),
      fits: fit.fits,
      verdict: fit.verdict,
      replicas: fit.replicas,
      eligibleNodes: fit.eligibleNodes,
      fittingNodes: fit.fittingNodes,
      blockedNodes: fit.blockedNodes.map((b) => ({ node: b.node, blockers: b.blockers.map(blocker) })),
      ineligibleNodes: fit.ineligibleNodes,
      headroomAfter: fit.headroomAfter,
      statusAfter: fit.statusAfter,
      reservations: reserved.map((r) => ({
        id: r.id,
        protocol: r.protocol,
        portFrom: r.portFrom,
        portTo: r.portTo,
        owner: r.owner,
        purpose: r.purpose,
      })),
    });
  }
  return { fits: results.every((r) => r.fits), clusters: results };
}

export async function drain(ctx: ServiceContext, input: { cluster: string; node: string }) {
  const cluster = await findCluster(ctx.db, input.cluster);
  const state = await loadClusterView(ctx.db, { cluster });
  if (!state.nodes.some((n) => n.name === input.node))
    throw notFound(`node "${input.node}" in cluster "${cluster.name}"`);
  const check = drainCheck(input.node, state);
  return {
    cluster: cluster.name,
    node: check.node,
    drainable: check.drainable,
    pods: check.pods.map((p) => ({
      ...p,
      blockedOn: p.blockedOn.map((b) => ({ node: b.node, blockers: b.blockers.map(blocker) })),
    })),
  };
}

/** Ports in use now (and, with quietDays, used recently) anywhere in the selected clusters, per protocol. */
async function usedPorts(ctx: ServiceContext, selection: ClusterSelection, quietDays: number | undefined) {
  const since = quietDays ? new Date(ctx.now().getTime() - quietDays * 86_400_000) : undefined;
  const rows = await ctx.db
    .selectDistinct({ protocol: portAllocations.protocol, hostPort: portAllocations.hostPort })
    .from(portAllocations)
    .where(
      and(
        inArray(portAllocations.clusterId, selectedClusterIds(ctx.db, selection)),
        since
          ? or(isNull(portAllocations.validTo), gt(portAllocations.validTo, since))
          : isNull(portAllocations.validTo),
      ),
    );
  // Appending in place: copying the list per row was quadratic (45 s for one pod with 60,000 ports).
  const used: Record<string, number[]> = {};
  for (const r of rows) {
    const ports = used[r.protocol];
    if (ports) ports.push(r.hostPort);
    else used[r.protocol] = [r.hostPort];
  }
  return used;
}

export async function freePortRanges(ctx: ServiceContext, input: FreeRangeInput) {
  const selected = await selectClusters(ctx.db, {
    clusters: input.clusters,
    labelSelector: input.labelSelector,
  });
  const used = await usedPorts(
    ctx,
    { clusters: input.clusters, labelSelector: input.labelSelector },
    input.quietDays,
  );
  const reservations = input.includeReserved ? [] : (await reservationsInForce(ctx, selected)).all;
  const ranges = freeRanges({
    width: input.width,
    ...(input.protocol ? { protocol: input.protocol } : {}),
    used,
    reservations,
    ...(input.includeNodePortRange !== undefined ? { includeNodePortRange: input.includeNodePortRange } : {}),
    ...(input.includeEphemeralRange !== undefined
      ? { includeEphemeralRange: input.includeEphemeralRange }
      : {}),
    ...(input.min !== undefined ? { min: input.min } : {}),
    ...(input.max !== undefined ? { max: input.max } : {}),
    ...(input.limit !== undefined ? { limit: input.limit } : {}),
  });
  return {
    clusters: selected.map((c) => c.name),
    protocol: input.protocol ?? null,
    width: input.width,
    ranges,
    skippedReservations: reservations.map((r) => ({
      id: r.id,
      protocol: r.protocol,
      portFrom: r.portFrom,
      portTo: r.portTo,
      owner: r.owner,
    })),
  };
}

export async function hostPortConflicts(ctx: ServiceContext, input: { clusters?: string[] | undefined }) {
  const selected = await selectClusters(ctx.db, { clusters: input.clusters });
  const items = [];
  for (const { cluster, state } of await statesOf(ctx, selected, undefined)) {
    for (const { pod, eligibleNodes, blockedNodes, freeNodes } of conflictsIn(state)) {
      items.push({
        cluster: cluster.name,
        namespace: pod.namespace,
        pod: pod.name,
        owner: ownerOf(pod),
        ports: pod.ports.map(({ protocol, hostIP, hostPort }) => ({ protocol, hostIP, hostPort })),
        message: pod.schedulingMessage,
        pendingSince: pod.validFrom.toISOString(),
        eligibleNodes,
        blockedNodes: blockedNodes.map((b) => ({ node: b.node, blockers: b.blockers.map(blocker) })),
        /** eligible nodes with no conflicting allocation: the scheduler's message predates a change */
        freeNodes,
      });
    }
  }
  return { items };
}
