import * as z from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { observedPortKey, observedPortSummaries } from "../domain/observed-ports.js";
import { NODE_NAME_SAMPLE, type PortRowKey, withObservedOnlyEntries } from "../domain/port-map.js";
import { heldPortMapPage } from "../domain/port-map-held.js";
import { type ClusterPortMap, observedOnPort } from "../domain/port-report-content.js";
import { type ReportFormat, renderPortReport } from "../render/port-report.js";
import { type ClusterRow, findCluster, selectClusterPage } from "./cluster-selection.js";
import { viewInstant } from "./cluster-view.js";
import type { ServiceContext } from "./context.js";
import { ingressControllersAt } from "./ingress-controllers-at.js";
import { instantSchema } from "./inputs.js";
import { loadObservedCells } from "./observed-cells.js";
import { listenerCountsOnPorts } from "./observed-listeners.js";
import { loadHeldPortFacts } from "./port-map-held.js";
import { portMapLimitSchema, portMapPage, rowCursorSchema } from "./port-map-page.js";
import { requireRetained } from "./retention.js";
import { isStale } from "./staleness.js";

const contentTypes: Record<ReportFormat, string> = {
  markdown: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  json: "application/json",
};

/** Clusters one page of the fleet report covers: each cluster is read, so a page is a bounded cost. */
export const MAX_REPORT_CLUSTERS_PER_PAGE = 50;

/**
 * Where a page starts: after a cluster (its name), or inside one, after a row of its map
 * ("<cluster>/<row cursor>"): a cluster's map longer than a page goes on over the next pages.
 */
const reportCursorSchema = z
  .string()
  .max(128)
  .transform((text, ctx) => {
    const slash = text.indexOf("/");
    const cluster = clusterNameSchema.safeParse(slash < 0 ? text : text.slice(0, slash));
    const row = slash < 0 ? undefined : rowCursorSchema.safeParse(text.slice(slash + 1));
    if (!cluster.success || (row !== undefined && !row.success)) {
      ctx.addIssue({ code: "custom", message: "cursor is the nextCursor of the previous page" });
      return z.NEVER;
    }
    return { cluster: cluster.data, afterRow: row?.data };
  });

export const portMapReportInput = z.object({
  cluster: clusterNameSchema.optional(),
  format: z.enum(["markdown", "csv", "json"]).default("markdown"),
  asOf: instantSchema.optional(),
  /** fleet report only: clusters per page */
  limit: z.number().int().min(1).max(MAX_REPORT_CLUSTERS_PER_PAGE).default(20),
  /** port map rows per page, all clusters of the page together */
  portLimit: portMapLimitSchema,
  /** the nextCursor of the previous page */
  cursor: reportCursorSchema.optional(),
});

/**
 * Listeners one report page reads to name processes and classes (counts stay exact past it): a page of
 * 1,000 ports on a few hundred nodes; a DaemonSet-wide listener on thousands of nodes is named from
 * the first ones.
 */
export const MAX_REPORT_LISTENERS = 20_000;

/** One cluster's rows after `afterRow`, at most `limit` of them, and where the rest goes on. */
async function clusterMap(
  ctx: ServiceContext,
  cluster: ClusterRow,
  asOf: Date | undefined,
  rows: { afterRow: PortRowKey | undefined; limit: number },
) {
  const continued = rows.afterRow !== undefined;
  const page = await portMapPage(
    ctx.db,
    { clusterId: cluster.id, asOf },
    // Ports only observed listeners hold are rows of the document too, marked so.
    { after: rows.afterRow, limit: rows.limit, observedOnly: true },
  );
  const ports = page.keys.map((k) => k.hostPort);
  const at = { clusterId: cluster.id, asOf };
  const [facts, controllers, counts, observed] = await Promise.all([
    loadHeldPortFacts(ctx.db, { cluster, asOf }, [...new Set(ports)], 0),
    // The cluster's IngressControllers head its section: on its first page only.
    continued ? [] : ingressControllersAt(ctx.db, cluster.id, asOf),
    listenerCountsOnPorts(ctx.db, at, ports),
    loadObservedCells(ctx.db, { ...at, ports }, MAX_REPORT_LISTENERS),
  ]);
  const summaries = observedPortSummaries(observed.cells);
  // A document has no node page: its rows list the first holders and free nodes by name.
  const built = heldPortMapPage(facts, page.keys, [], NODE_NAME_SAMPLE);
  const bounded = { ...built, ports: built.ports.map(({ pageNodes: _, ...entry }) => entry) };
  const map = {
    cluster: cluster.name,
    asOf: viewInstant(cluster, asOf),
    stale: isStale(ctx, cluster),
    schedulableNodes: bounded.schedulableNodes,
    ports: withObservedOnlyEntries(bounded.ports, page.keys).map((row) => ({
      ...row,
      observed: observedOnPort(
        counts.get(observedPortKey(row)),
        summaries.get(observedPortKey(row)),
        observed.truncated,
      ),
    })),
    totalPorts: page.total,
    continued,
    ingressControllers: controllers.map((ic) => ({
      namespace: ic.namespace,
      name: ic.name,
      endpointPublishingStrategy: ic.endpointPublishingStrategy,
      hostNetwork: ic.hostNetwork
        ? {
            httpPort: ic.hostNetwork.httpPort,
            httpsPort: ic.hostNetwork.httpsPort,
            statsPort: ic.hostNetwork.statsPort,
          }
        : null,
      replicas: ic.replicas,
      availableReplicas: ic.availableReplicas,
    })),
  } satisfies ClusterPortMap;
  return { map, rest: page.nextCursor };
}

/**
 * The clusters a page covers, in name order: the one the cursor is inside of (its map goes on), then
 * those after the cursor's cluster, `limit` in all; `more` when clusters follow them.
 */
async function pageClusters(ctx: ServiceContext, input: z.output<typeof portMapReportInput>) {
  if (input.cluster) {
    const resumes = input.cursor?.cluster === input.cluster ? input.cursor.afterRow : undefined;
    return {
      clusters: [await findCluster(ctx.db, input.cluster, { asOf: input.asOf })],
      resumeAfterRow: resumes,
      more: false,
    };
  }
  const cursor = input.cursor;
  const resumed = cursor?.afterRow ? await findCluster(ctx.db, cursor.cluster, { asOf: input.asOf }) : null;
  const others = resumed ? input.limit - 1 : input.limit;
  const after = await selectClusterPage(
    ctx.db,
    { asOf: input.asOf },
    { after: cursor?.cluster, limit: Math.max(others, 1) },
  );
  const following = others === 0 ? [] : after.page;
  return {
    clusters: resumed ? [resumed, ...following] : following,
    resumeAfterRow: cursor?.afterRow,
    more: others === 0 ? after.page.length > 0 : after.nextCursor !== null,
  };
}

/**
 * The port allocation document for one cluster, or a page of the fleet's: at most `limit` clusters
 * and `portLimit` map rows a page, a cluster's rows going on over pages as long as it needs. The
 * pages after the first leave out the document's heading, and a cluster's later pages its section
 * heading, so that concatenated they are the whole document.
 */
export async function portMapReport(ctx: ServiceContext, input: z.output<typeof portMapReportInput>) {
  requireRetained(ctx, "asOf", input.asOf);
  const selected = await pageClusters(ctx, input);
  let budget = input.portLimit;
  let nextCursor: string | null = null;
  const maps: ClusterPortMap[] = [];
  for (const [i, cluster] of selected.clusters.entries()) {
    const afterRow = i === 0 ? selected.resumeAfterRow : undefined;
    const { map, rest } = await clusterMap(ctx, cluster, input.asOf, { afterRow, limit: budget });
    maps.push(map);
    budget -= map.ports.length;
    if (rest !== null) {
      nextCursor = `${cluster.name}/${rest}`;
      break;
    }
    const last = i === selected.clusters.length - 1;
    if (last) nextCursor = selected.more ? cluster.name : null;
    else if (budget === 0) {
      nextCursor = cluster.name;
      break;
    }
  }
  return {
    format: input.format,
    contentType: contentTypes[input.format],
    content: renderPortReport(maps, input.format, {
      heading:
        input.cluster !== undefined ? selected.resumeAfterRow === undefined : input.cursor === undefined,
    }),
    nextCursor,
  };
}
