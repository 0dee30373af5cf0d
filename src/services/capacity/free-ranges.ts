/**
 * capacity.freeRanges: ports used in the selected clusters are read as distinct values in SQL; each
 * cluster's port profile (its labels, or the caller's `profile`) adds the ranges it must avoid.
 */
import { and, gt, inArray, isNull, or } from "drizzle-orm";
import * as z from "zod";
import {
  clusters,
  declaredPortVersions,
  nodeListenerVersions,
  portAllocations,
} from "../../db/schema/index.js";
import { fleetExclusions, freeRanges } from "../../domain/free-ranges.js";
import {
  excludedRanges,
  type ProfileName,
  profileNames,
  profileSettings,
  withReportedLocalRanges,
} from "../../domain/port-profiles.js";
import {
  type ClusterRow,
  type ClusterSelection,
  selectClusters,
  selectionWhere,
} from "../cluster-selection.js";
import type { ServiceContext } from "../context.js";
import { ServiceError } from "../errors.js";
import { clusterListSchema, hostPortSchema, labelsSchema, queryProtocolSchema } from "../inputs.js";
import { reservationsInForce } from "../reservations-in-force.js";
import { requireRetained } from "../retention.js";
import { ALL_STALE, freshWhere, judgedTargets } from "../staleness.js";
import { reportedLocalRanges } from "./observed-listeners.js";

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
  /** read stale clusters' ports too (else they are listed with their age and left out) */
  includeStale: z.boolean().optional(),
});
export type FreeRangeInput = z.output<typeof freeRangeInput>;

/**
 * Ports in use now (and, with quietDays, used recently) anywhere in the selected clusters, per
 * protocol: pods' allocations, IngressControllers' declared ports (held even with no router pod) and
 * the ports observed nodes listen on.
 */
async function usedPorts(
  ctx: ServiceContext,
  selection: ClusterSelection & { includeStale?: boolean | undefined },
  quietDays: number | undefined,
) {
  // A subquery, whatever the fleet's size; stale clusters are left out by the same rule as isStale.
  const ids = ctx.db
    .select({ id: clusters.id })
    .from(clusters)
    .where(and(selectionWhere(selection), selection.includeStale ? undefined : freshWhere(ctx)));
  const since = quietDays ? new Date(ctx.now().getTime() - quietDays * 86_400_000) : undefined;
  // Allocations older than the retention are pruned: a longer quiet period cannot be told.
  if (since) requireRetained(ctx, "quietDays", since);
  const heldIn = (t: typeof portAllocations | typeof declaredPortVersions) =>
    ctx.db
      .selectDistinct({ protocol: t.protocol, hostPort: t.hostPort })
      .from(t)
      .where(
        and(
          inArray(t.clusterId, ids),
          since ? or(isNull(t.validTo), gt(t.validTo, since)) : isNull(t.validTo),
        ),
      );
  // A port an observed node listens on (any address) is taken: a bind there would fail.
  const l = nodeListenerVersions;
  const listened = ctx.db
    .selectDistinct({ protocol: l.protocol, hostPort: l.port })
    .from(l)
    .where(
      and(inArray(l.clusterId, ids), since ? or(isNull(l.validTo), gt(l.validTo, since)) : isNull(l.validTo)),
    );
  const rows = await heldIn(portAllocations).union(heldIn(declaredPortVersions)).union(listened);
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
  selected: readonly Pick<ClusterRow, "id" | "name" | "labels">[],
  choice: { profile?: ProfileName; allowPrivileged?: boolean },
  localRanges: Awaited<ReturnType<typeof reportedLocalRanges>>,
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
    return { cluster: cluster.name, id: cluster.id, settings: result.settings };
  });
  return fleetExclusions(
    profiles.map((p) => ({
      cluster: p.cluster,
      ranges: withReportedLocalRanges(excludedRanges(p.settings), localRanges.get(p.id) ?? null),
    })),
  );
}

/** Clusters named per excluded range in an answer; `clusterCount` says how many there are. */
const NAMED_CLUSTERS = 20;

export async function freePortRanges(ctx: ServiceContext, input: FreeRangeInput) {
  const selection = { clusters: input.clusters, labelSelector: input.labelSelector };
  const targets = await selectClusters(ctx.db, selection);
  const { judged: selected, stale } = judgedTargets(ctx, targets, input.includeStale);
  const localRanges = await reportedLocalRanges(
    ctx.db,
    selected.map((c) => c.id),
  );
  const excluded = profileExclusions(
    selected,
    {
      ...(input.profile ? { profile: input.profile } : {}),
      ...(input.allowPrivileged !== undefined ? { allowPrivileged: input.allowPrivileged } : {}),
    },
    localRanges,
  );
  const used = await usedPorts(ctx, { ...selection, includeStale: input.includeStale }, input.quietDays);
  const reservations = input.includeReserved ? [] : (await reservationsInForce(ctx, selected)).all;
  // Every selected cluster stale and left out: no cluster was read, so no range is known free.
  const noneJudged = targets.length > 0 && selected.length === 0;
  const ranges = noneJudged
    ? []
    : freeRanges({
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
    /** stale selected clusters with how old their data is; `inVerdict` false: their ports were not read */
    staleClusters: stale,
    verdict: noneJudged ? ALL_STALE : null,
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
