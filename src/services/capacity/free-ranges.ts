/**
 * capacity.freeRanges: ports used in the selected clusters are read as distinct values in SQL; each
 * cluster's port profile (its labels, or the caller's `profile`) adds the ranges it must avoid.
 */
import { and, gt, inArray, isNull, or } from "drizzle-orm";
import { z } from "zod";
import { declaredPortVersions, portAllocations } from "../../db/schema/index.js";
import { fleetExclusions, freeRanges } from "../../domain/free-ranges.js";
import {
  excludedRanges,
  type ProfileName,
  profileNames,
  profileSettings,
} from "../../domain/port-profiles.js";
import {
  type ClusterRow,
  type ClusterSelection,
  selectClusters,
  selectedClusterIds,
} from "../cluster-selection.js";
import type { ServiceContext } from "../context.js";
import { ServiceError } from "../errors.js";
import { clusterListSchema, hostPortSchema, labelsSchema, queryProtocolSchema } from "../inputs.js";
import { reservationsInForce } from "../reservations-in-force.js";

export const freeRangeInput = z.object({
  clusters: clusterListSchema.optional(),
  labelSelector: labelsSchema.optional(),
  protocol: queryProtocolSchema.optional(),
  width: z.number().int().min(1).max(65535),
  min: hostPortSchema.optional(),
  max: hostPortSchema.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  quietDays: z.number().int().min(1).max(3650).optional(),
  includeReserved: z.boolean().optional(),
  /** every selected cluster's profile instead of the one its labels give (port-profiles.ts) */
  profile: z.enum(profileNames).optional(),
  /** offer ports below 1024 (they need root or CAP_NET_BIND_SERVICE) */
  allowPrivileged: z.boolean().optional(),
});
export type FreeRangeInput = z.output<typeof freeRangeInput>;

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

/**
 * Every selected cluster's excluded ranges, merged. With no cluster selected the default profile
 * still applies: an empty selection must not offer the kubelet's ports.
 */
function profileExclusions(
  selected: readonly Pick<ClusterRow, "name" | "labels">[],
  choice: { profile?: ProfileName; allowPrivileged?: boolean },
) {
  if (selected.length === 0) {
    const defaults = profileSettings({}, choice);
    if (defaults.ok) return excludedRanges(defaults.settings).map((r) => ({ ...r, clusters: [] }));
  }
  const profiles = selected.map((cluster) => {
    const result = profileSettings(cluster.labels, choice);
    if (!result.ok)
      throw new ServiceError(
        "BAD_REQUEST",
        "INVALID_PORT_PROFILE",
        `cluster ${cluster.name}: ${result.message}`,
      );
    return { cluster: cluster.name, settings: result.settings };
  });
  return fleetExclusions(profiles.map((p) => ({ cluster: p.cluster, ranges: excludedRanges(p.settings) })));
}

/** Clusters named per excluded range in an answer; `clusterCount` says how many there are. */
const NAMED_CLUSTERS = 20;

export async function freePortRanges(ctx: ServiceContext, input: FreeRangeInput) {
  const selection = { clusters: input.clusters, labelSelector: input.labelSelector };
  const selected = await selectClusters(ctx.db, selection);
  const excluded = profileExclusions(selected, {
    ...(input.profile ? { profile: input.profile } : {}),
    ...(input.allowPrivileged !== undefined ? { allowPrivileged: input.allowPrivileged } : {}),
  });
  const used = await usedPorts(ctx, selection, input.quietDays);
  const reservations = input.includeReserved ? [] : (await reservationsInForce(ctx, selected)).all;
  const ranges = freeRanges({
    width: input.width,
    ...(input.protocol ? { protocol: input.protocol } : {}),
    used,
    reservations,
    excluded,
    ...(input.min !== undefined ? { min: input.min } : {}),
    ...(input.max !== undefined ? { max: input.max } : {}),
    ...(input.limit !== undefined ? { limit: input.limit } : {}),
  });
  return {
    clusters: selected.map((c) => c.name),
    protocol: input.protocol ?? null,
    width: input.width,
    ranges,
    excludedRanges: excluded.map(({ clusters, ...range }) => ({
      ...range,
      clusters: clusters.slice(0, NAMED_CLUSTERS),
      clusterCount: clusters.length,
    })),
    skippedReservations: reservations.map((r) => ({
      id: r.id,
      protocol: r.protocol,
      portFrom: r.portFrom,
      portTo: r.portTo,
      owner: r.owner,
    })),
  };
}
