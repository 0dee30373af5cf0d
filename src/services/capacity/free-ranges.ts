/** capacity.freeRanges: ports used in the selected clusters are read as distinct values in SQL. */
import { and, gt, inArray, isNull, or } from "drizzle-orm";
import { declaredPortVersions, portAllocations } from "../../db/schema/index.js";
import { freeRanges } from "../../domain/free-ranges.js";
import type { ServiceContext } from "../context.js";
import {
  type ClusterSelection,
  reservationsInForce,
  selectClusters,
  selectedClusterIds,
} from "../read-model.js";
import type { FreeRangeInput } from "./inputs.js";

/**
 * Ports in use now (and, with quietDays, used recently) anywhere in the selected clusters, per
 * protocol: pods' allocations and IngressControllers' declared ports (held even with no router pod).
 */
async function usedPorts(ctx: ServiceContext, selection: ClusterSelection, quietDays: number | undefined) {
  const since = quietDays ? new Date(ctx.now().getTime() - quietDays * 86_400_000) : undefined;
  const heldIn = (t: typeof portAllocations | typeof declaredPortVersions) =>
    ctx.db
      .selectDistinct({ protocol: t.protocol, hostPort: t.hostPort })
      .from(t)
      .where(
        and(
          inArray(t.clusterId, selectedClusterIds(ctx.db, selection)),
          since ? or(isNull(t.validTo), gt(t.validTo, since)) : isNull(t.validTo),
        ),
      );
  const rows = await heldIn(portAllocations).union(heldIn(declaredPortVersions));
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
