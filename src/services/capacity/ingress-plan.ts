/**
 * capacity.planIngressController (and reserveIngressController): one (http, https, stats) set for a
 * new HostNetwork IngressController free on every eligible node of every target cluster, with the
 * per-cluster replicas that keep a node spare, what blocks the obvious candidates, and the manifest.
 * Eligibility is judged per node shape (node-shapes.ts); the held ports are read in SQL as distinct
 * values over the window and the candidates only, with fit.ts's conflict rule; with a reservation,
 * the whole plan runs under the reservation lock in the transaction that records it.
 */
import { type SQL, sql } from "drizzle-orm";
import * as z from "zod";
import {
  dns1123SubdomainSchema,
  MAX_TOLERATIONS,
  storableText,
  tolerationSchema,
} from "../../contract/snapshot.js";
import { arrayLiteral } from "../../db/bulk-insert.js";
import { rawRows } from "../../db/raw.js";
import { reservations } from "../../db/schema/index.js";
import type { Db } from "../../db/types.js";
import { DEFAULT_ROUTER_NODE_SELECTOR, DEFAULT_ROUTER_REPLICAS } from "../../domain/ingress-controllers.js";
import {
  type Candidate,
  choosePorts,
  ingressControllerManifest,
  obviousCandidates,
  type PlanCluster,
  type PortTriple,
  sparingReplicas,
  triplePorts,
} from "../../domain/ingress-plan.js";
import { diagnosePlacement, type NodeGroup } from "../../domain/placement-diagnosis.js";
import {
  excludedRanges,
  type ProfileName,
  profileNames,
  profileSettings,
  withReportedLocalRanges,
} from "../../domain/port-profiles.js";
import type { PlacementRules } from "../../domain/views.js";
import { workloadOf } from "../../domain/workload.js";
import { type ClusterRow, selectClusters } from "../cluster-selection.js";
import type { ServiceContext } from "../context.js";
import { ServiceError } from "../errors.js";
import { clusterListSchema, hostPortSchema, instantSchema, labelsSchema } from "../inputs.js";
import { RESERVATION_LOCK, reservationsInForce } from "../reservations-in-force.js";
import { ALL_STALE, dataAge, judgedTargets } from "../staleness.js";
import { conflictsWithWanted, openHolds } from "./fit.js";
import { existingNames, holdsText } from "./ingress-names.js";
import { judgeShapes, shapeOf } from "./node-shapes.js";
import {
  listenedPorts,
  type NodeListenerRow,
  openListenersOn,
  reportedLocalRanges,
} from "./observed-listeners.js";

/** Holders listed per passed-over candidate port; the rest are counted. */
const MAX_HOLDERS_SHOWN = 20;

const tripleInput = z.object({
  httpPort: hostPortSchema.optional(),
  httpsPort: hostPortSchema.optional(),
  statsPort: hostPortSchema.optional(),
});

export const planIngressControllerInput = z
  .object({
    name: dns1123SubdomainSchema,
    clusters: clusterListSchema.optional(),
    labelSelector: labelsSchema.optional(),
    replicas: z.number().int().min(1).max(10_000).default(DEFAULT_ROUTER_REPLICAS),
    /** spec.nodePlacement.nodeSelector.matchLabels; omitted: the CRD's default (workers) */
    nodeSelector: labelsSchema.optional(),
    tolerations: z.array(tolerationSchema).max(MAX_TOLERATIONS).default([]),
    /** preferred ports; a missing one takes the router default (80, 443, 1936) */
    ports: tripleInput.optional(),
    /** where patterned and contiguous sets are searched; default 1024–65535 (1–65535 with allowPrivileged) */
    window: z.object({ from: hostPortSchema, to: hostPortSchema }).optional(),
    profile: z.enum(profileNames).optional(),
    allowPrivileged: z.boolean().optional(),
    domain: dns1123SubdomainSchema.optional(),
    /** plan on stale target clusters too (else they are listed, with their age, and left out) */
    includeStale: z.boolean().optional(),
    /**
     * move an IngressController that exists to new ports: its name being taken is the point, so
     * `existing` is listed but does not stop the plan (headroom's shared port sets advise this)
     */
    move: z.boolean().optional(),
  })
  .refine((i) => i.clusters !== undefined || i.labelSelector !== undefined, {
    message: "name the target clusters or give a label selector",
  })
  .refine((i) => !i.window || i.window.from + 2 <= i.window.to, { message: "window must hold three ports" });

export const reserveIngressControllerInput = z.object({
  plan: planIngressControllerInput,
  owner: storableText(200).min(1),
  purpose: storableText(1000).min(1),
  expiresAt: instantSchema.optional(),
});

type PlanInput = z.output<typeof planIngressControllerInput>;

/**
 * The ports reserved for an IngressController of this name (reserveIngressController, one row per
 * port in http, https, stats order): its latest set of three, if it has one.
 */
function ownReservations(
  rows: readonly {
    id: number;
    protocol: string;
    portFrom: number;
    portTo: number;
    ingressController: string | null;
  }[],
  name: string,
): { ids: number[]; ports: PortTriple } | undefined {
  const latest = rows
    .filter((r) => r.ingressController === name && r.protocol === "TCP" && r.portFrom === r.portTo)
    .sort((a, b) => b.id - a.id)
    .slice(0, 3)
    .sort((a, b) => a.id - b.id);
  const [http, https, stats] = latest;
  if (!http || !https || !stats) return undefined;
  return {
    ids: latest.map((r) => r.id),
    ports: { httpPort: http.portFrom, httpsPort: https.portFrom, statsPort: stats.portFrom },
  };
}

/** Per cluster: nodes the placement admits now (Ready, schedulable, selected, tolerated). */
async function eligibleShapes(db: Db, ids: SQL, rules: PlacementRules) {
  const shape = shapeOf(rules);
  const rows = await rawRows<{ cluster_id: number; shape: string; nodes: number }>(
    db,
    sql`WITH g AS (SELECT n.cluster_id, ${shape.columns}, count(*)::int AS nodes FROM node_versions n
                   WHERE n.valid_to IS NULL AND n.cluster_id = ANY(${ids}) GROUP BY 1, 2, 3, 4, 5, 6)
        SELECT g.cluster_id, ${shape.json}::text AS shape, g.nodes FROM g`,
  );
  const verdicts = judgeShapes(
    rows.map((r) => r.shape),
    rules,
  );
  const eligible = [...verdicts].filter(([, v]) => v.eligible).map(([text]) => text);
  // Every node group per cluster, for saying why a cluster has no eligible node.
  const groups = new Map<number, NodeGroup[]>();
  for (const r of rows) {
    const shape = JSON.parse(r.shape) as Omit<NodeGroup, "nodes">;
    const list = groups.get(r.cluster_id) ?? [];
    list.push({ ...shape, nodes: r.nodes });
    groups.set(r.cluster_id, list);
  }
  const counts = new Map<number, number>();
  for (const r of rows)
    if (verdicts.get(r.shape)?.eligible) counts.set(r.cluster_id, (counts.get(r.cluster_id) ?? 0) + r.nodes);
  const eligibleNodes = sql`eligible AS (
      SELECT n.cluster_id, n.name FROM node_versions n CROSS JOIN LATERAL (SELECT ${shape.columns}) g
      WHERE n.valid_to IS NULL AND n.cluster_id = ANY(${ids})
        AND ${shape.json} IN (SELECT value FROM jsonb_array_elements(${`[${eligible.join(",")}]`}::jsonb)))`;
  return { counts, groups, eligibleNodes };
}

/** TCP ports wanted on 0.0.0.0, as fit.ts's `w`: the window (if any) and the candidates. */
function wantedPorts(window: { from: number; to: number } | null, candidates: readonly number[]): SQL {
  const listed = sql`SELECT unnest(${arrayLiteral(candidates)}::int[]) AS p`;
  const ports = window
    ? sql`SELECT generate_series(${window.from}::int, ${window.to}::int) AS p UNION ${listed}`
    : listed;
  return sql`w AS (SELECT 'TCP'::text AS protocol, '0.0.0.0'::text AS host_ip, p AS host_port FROM (${ports}) ports)`;
}

/** Distinct ports held on an eligible node of a target cluster, among the wanted ones. */
async function heldPorts(db: Db, ids: SQL, eligibleNodes: SQL, wanted: SQL) {
  const range = sql`IN (SELECT host_port FROM w)`;
  const rows = await rawRows<{ host_port: number }>(
    db,
    sql`WITH ${eligibleNodes}, ${wanted}
        SELECT DISTINCT a.host_port FROM ${openHolds({ ids, portRange: range })} a
        JOIN eligible e ON e.cluster_id = a.cluster_id AND e.name = a.node
        JOIN w ON ${conflictsWithWanted}`,
  );
  return new Set(rows.map((r) => r.host_port));
}

interface HolderRow {
  cluster_id: number;
  host_port: number;
  namespace: string;
  owner_kind: string | null;
  owner_name: string | null;
  pod: string | null;
  declared: boolean;
  nodes: number;
  first_node: string;
}

/** Who holds the passed-over candidates' ports on eligible nodes, where (count and first node). */
async function holdersOf(db: Db, ids: SQL, eligibleNodes: SQL, ports: readonly number[]) {
  if (ports.length === 0) return [];
  const list = sql`${arrayLiteral(ports)}::int[]`;
  return rawRows<HolderRow>(
    db,
    sql`WITH ${eligibleNodes}, ${wantedPorts(null, ports)}
        SELECT a.cluster_id, a.host_port, a.namespace, a.owner_kind, a.owner_name,
               CASE WHEN a.owner_name IS NULL THEN a.pod END AS pod, a.declared,
               count(DISTINCT a.node)::int AS nodes, min(a.node COLLATE "C") AS first_node
        FROM ${openHolds({ ids, ports: list })} a
        JOIN eligible e ON e.cluster_id = a.cluster_id AND e.name = a.node
        JOIN w ON ${conflictsWithWanted}
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        ORDER BY 2, 1, 8 DESC LIMIT ${MAX_HOLDERS_SHOWN * ports.length}`,
  );
}

function planClusters(
  selected: readonly ClusterRow[],
  input: PlanInput,
  inForce: Awaited<ReturnType<typeof reservationsInForce>>,
  localRanges: Awaited<ReturnType<typeof reportedLocalRanges>>,
): (PlanCluster & { profile: ProfileName })[] {
  return selected.map((cluster) => {
    const settings = profileSettings(cluster.labels, {
      ...(input.profile ? { profile: input.profile } : {}),
      ...(input.allowPrivileged !== undefined ? { allowPrivileged: input.allowPrivileged } : {}),
    });
    if (!settings.ok)
      throw new ServiceError(
        "BAD_REQUEST",
        "INVALID_PORT_PROFILE",
        `cluster "${cluster.name}": ${settings.message}`,
      );
    return {
      name: cluster.name,
      profile: settings.settings.profile,
      excluded: withReportedLocalRanges(
        excludedRanges(settings.settings),
        localRanges.get(cluster.id) ?? null,
      ),
      reserved: inForce
        .covering(cluster)
        .filter((r) => r.protocol === "TCP" && r.ingressController !== input.name)
        .map((r) => ({
          id: r.id,
          portFrom: r.portFrom,
          portTo: r.portTo,
          owner: r.owner,
          purpose: r.purpose,
        })),
    };
  });
}

export async function planIngressController(ctx: ServiceContext, input: PlanInput) {
  const targets = await selectClusters(ctx.db, {
    clusters: input.clusters,
    labelSelector: input.labelSelector,
  });
  if (targets.length === 0)
    throw new ServiceError("NOT_FOUND", "NOT_FOUND", "no cluster matches the selection");
  const { judged: selected, stale } = judgedTargets(ctx, targets, input.includeStale);
  const nodeSelector = input.nodeSelector ?? DEFAULT_ROUTER_NODE_SELECTOR;
  const rules: PlacementRules = { nodeSelector, tolerations: input.tolerations };
  const window = input.window ?? { from: input.allowPrivileged ? 1 : 1024, to: 65535 };
  const preferred = input.ports
    ? {
        httpPort: input.ports.httpPort ?? 80,
        httpsPort: input.ports.httpsPort ?? 443,
        statsPort: input.ports.statsPort ?? 1936,
      }
    : undefined;
  const ids = sql`${arrayLiteral(selected.map((c) => c.id))}::int[]`;
  // Every target, stale or not: applying the manifest there would rewrite an object of that name.
  const [{ counts, groups, eligibleNodes }, inForce, names] = await Promise.all([
    eligibleShapes(ctx.db, ids, rules),
    reservationsInForce(ctx, selected),
    existingNames(ctx.db, targets, input.name),
  ]);
  const own = ownReservations(inForce.all, input.name);
  const candidatePorts = obviousCandidates(preferred, own?.ports).flatMap((c) => triplePorts(c.ports));
  const selectedIds = selected.map((c) => c.id);
  const [held, listened, localRanges] = await Promise.all([
    heldPorts(ctx.db, ids, eligibleNodes, wantedPorts(window, candidatePorts)),
    // Every node of a target cluster, eligible or not: a listener says what the host runs there.
    listenedPorts(
      ctx.db,
      selectedIds,
      { from: Math.min(window.from, ...candidatePorts), to: Math.max(window.to, ...candidatePorts) },
      "TCP",
    ),
    reportedLocalRanges(ctx.db, selectedIds),
  ]);
  const clusters = planClusters(selected, input, inForce, localRanges);
  const choice = choosePorts({ preferred, reservedForName: own?.ports, clusters, held, listened, window });
  const heldPassedOver = [
    ...new Set(
      choice.passedOver.flatMap((p) => p.refusals.filter((r) => r.reason === "held").map((r) => r.port)),
    ),
  ];
  const listenedPassedOver = [
    ...new Set(
      choice.passedOver.flatMap((p) => p.refusals.filter((r) => r.reason === "listened").map((r) => r.port)),
    ),
  ];
  const [holders, listeners] = await Promise.all([
    holdersOf(ctx.db, ids, eligibleNodes, heldPassedOver),
    openListenersOn(ctx.db, selectedIds, listenedPassedOver, "TCP", MAX_LISTENERS_READ),
  ]);
  const nameOf = new Map(selected.map((c) => [c.id, c.name]));
  const hostable = selected.some((c) => (counts.get(c.id) ?? 0) > 0);
  const manifestWith = (replicas: number) =>
    choice.chosen && hostable
      ? ingressControllerManifest({
          name: input.name,
          replicas,
          ports: choice.chosen.ports,
          nodeSelector,
          tolerations: input.tolerations,
          domain: input.domain,
        })
      : null;
  const perCluster = selected.map((cluster, i) => {
    const eligible = counts.get(cluster.id) ?? 0;
    const replicas = sparingReplicas(input.replicas, eligible);
    const age = dataAge(ctx, cluster);
    return {
      cluster: cluster.name,
      profile: clusters[i]?.profile,
      stale: age.stale,
      silentForSeconds: age.silentForSeconds,
      eligibleNodes: eligible,
      askedReplicas: input.replicas,
      ...replicas,
      /** why no node can take a router here, and what would make one possible (null: some can) */
      diagnosis:
        eligible === 0
          ? diagnosePlacement(groups.get(cluster.id) ?? [], { nodeSelector, tolerations: input.tolerations })
          : null,
      manifest: eligible > 0 ? manifestWith(Math.max(1, replicas.replicas)) : null,
    };
  });
  // One manifest for all: the fewest replicas any cluster that can host takes with a node spare.
  const hosting = perCluster.filter((c) => c.eligibleNodes > 0);
  const replicasForAll = hosting.length > 0 ? Math.max(1, Math.min(...hosting.map((c) => c.replicas))) : 0;
  return {
    name: input.name,
    /** an IngressController of this name already runs there: applying the plan would rewrite it */
    existing: names.existing,
    /** the plan moves the existing IngressController: `existing` does not stop it */
    move: input.move === true,
    /** a name no target cluster uses, when the name is taken */
    suggestedName: names.suggestedName,
    /** stale targets with how old their data is; `inVerdict` false: left out of the plan */
    staleClusters: stale,
    /** false: no target cluster has a node that could run a router (see each cluster's diagnosis) */
    hostable,
    /** why there is no plan, in words (null when there is one) */
    verdict: hostable
      ? null
      : selected.length === 0
        ? ALL_STALE
        : "no target cluster has an eligible node for the routers (see each cluster's diagnosis)",
    clusters: perCluster,
    choice: choice.chosen
      ? {
          ...choice.chosen.ports,
          rule: choice.chosen.rule,
          why: why(choice.chosen, choice.passedOver.length),
        }
      : null,
    replicas: replicasForAll,
    /** reservations made for this name earlier (http, https, stats): the plan takes them as its own */
    ownReservations: own ? own.ids.map((id, i) => ({ id, port: triplePorts(own.ports)[i] ?? 0 })) : [],
    passedOver: choice.passedOver.map((p) => ({
      ...p.candidate.ports,
      rule: p.candidate.rule,
      refusals: p.refusals.map((r) =>
        r.reason === "listened"
          ? { ...r, listeners: listenersOf(listeners, r.port, nameOf) }
          : r.reason === "held"
            ? {
                ...r,
                holders: holders
                  .filter((h) => h.host_port === r.port)
                  .slice(0, MAX_HOLDERS_SHOWN)
                  .map((h) => ({
                    cluster: nameOf.get(h.cluster_id) ?? "",
                    ...workloadOf({
                      namespace: h.namespace,
                      pod: h.pod ?? "",
                      ownerKind: h.owner_kind,
                      ownerName: h.owner_name,
                    }),
                    declared: h.declared,
                    nodes: h.nodes,
                    firstNode: h.first_node,
                  })),
              }
            : r,
      ),
    })),
    manifest: manifestWith(replicasForAll),
  };
}

/** Listeners named per passed-over port; and rows read for them all at most. */
const MAX_LISTENERS_SHOWN = 20;
const MAX_LISTENERS_READ = 2_000;

/** Who listens on `port`: per (cluster, address, processes), on which nodes (the first few). */
function listenersOf(rows: readonly NodeListenerRow[], port: number, nameOf: Map<number, string>) {
  const groups = new Map<
    string,
    { cluster: string; address: string; processes: string[]; pod: string | null; nodes: string[] }
  >();
  for (const r of rows) {
    if (r.listener.port !== port) continue;
    const processes = r.listener.processes.map((p) => p.name);
    const pod = r.listener.pod ? `${r.listener.pod.namespace}/${r.listener.pod.name}` : null;
    const key = JSON.stringify([r.clusterId, r.listener.address, processes, pod]);
    const group = groups.get(key) ?? {
      cluster: nameOf.get(r.clusterId) ?? "",
      address: r.listener.address,
      processes,
      pod,
      nodes: [],
    };
    group.nodes.push(r.node);
    groups.set(key, group);
  }
  return [...groups.values()].slice(0, MAX_LISTENERS_SHOWN).map((g) => ({
    ...g,
    nodeCount: g.nodes.length,
    nodes: g.nodes.slice(0, MAX_LISTENERS_SHOWN),
  }));
}

function why(chosen: Candidate, passedOver: number): string {
  const skipped = passedOver > 0 ? ` (${passedOver} earlier candidate(s) passed over, see passedOver)` : "";
  switch (chosen.rule) {
    case "preferred":
      return "the preferred ports are free on every eligible node of every target cluster";
    case "reserved":
      return `the ports reserved for this name are free on every eligible node of every target cluster${skipped}`;
    case "pattern":
      return `the first free set of the pattern 80+k, 443+k, 1936+k (k = 10000, 20000, then 11000, 12000, …)${skipped}`;
    case "contiguous":
      return `no preferred or patterned set is free: the lowest three contiguous free ports in the window${skipped}`;
  }
}

/**
 * Plans and reserves the chosen ports in one transaction under the reservation lock, so two teams
 * planning at once get different ports (the second sees the first's reservation).
 */
export async function reserveIngressController(
  ctx: ServiceContext,
  input: z.output<typeof reserveIngressControllerInput>,
) {
  const now = ctx.now();
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    throw new ServiceError("BAD_REQUEST", "INVALID_EXPIRY", "expiresAt is in the past");
  }
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${RESERVATION_LOCK})`);
    const answer = await planIngressController({ ...ctx, db: tx }, input.plan);
    const [first] = answer.existing;
    if (first && !answer.move)
      throw new ServiceError(
        "CONFLICT",
        "INGRESS_CONTROLLER_EXISTS",
        `IngressController ${first.namespace}/${first.name} already exists on ${answer.existing.map((e) => e.cluster).join(", ")} (${first.cluster}: ${holdsText(first)}); applying this plan would rewrite it. Nothing was reserved: plan a free name such as ${answer.suggestedName}`,
      );
    // No plan (no cluster can host, or no free set): nothing to reserve.
    if (!answer.choice || !answer.manifest) return { ...answer, reservations: [], alreadyReserved: false };
    // Reserving a name twice keeps the first reservation when the plan still takes its ports.
    if (answer.choice.rule === "reserved")
      return { ...answer, reservations: answer.ownReservations, alreadyReserved: true };
    const names = answer.clusters.map((c) => c.cluster);
    const rows = await tx
      .insert(reservations)
      .values(
        triplePorts(answer.choice).map((port) => ({
          protocol: "TCP",
          portFrom: port,
          portTo: port,
          clusterNames: names,
          labelSelector: null,
          owner: input.owner,
          purpose: `${input.purpose} (IngressController ${input.plan.name})`,
          ingressController: input.plan.name,
          expiresAt: input.expiresAt ?? null,
        })),
      )
      .returning({ id: reservations.id, portFrom: reservations.portFrom });
    return {
      ...answer,
      reservations: rows.map((r) => ({ id: r.id, port: r.portFrom })),
      alreadyReserved: false,
    };
  });
}
