import { z } from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { boundedPortMap } from "../domain/port-map.js";
import type { ClusterPortMap } from "../domain/port-report-content.js";
import { type ReportFormat, renderPortReport } from "../render/port-report.js";
import type { ServiceContext } from "./context.js";
import { ingressControllersAt } from "./ingress-controllers.js";
import { instantSchema } from "./inputs.js";
import {
  type ClusterRow,
  findCluster,
  isStale,
  loadPortMapFacts,
  selectClusterPage,
  viewInstant,
} from "./read-model.js";

const contentTypes: Record<ReportFormat, string> = {
  markdown: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  json: "application/json",
};

/** Clusters one page of the fleet report covers: each cluster is read, so a page is a bounded cost. */
export const MAX_REPORT_CLUSTERS_PER_PAGE = 50;

export const portMapReportInput = z.object({
  cluster: clusterNameSchema.optional(),
  format: z.enum(["markdown", "csv", "json"]).default("markdown"),
  asOf: instantSchema.optional(),
  /** fleet report only: clusters per page */
  limit: z.number().int().min(1).max(MAX_REPORT_CLUSTERS_PER_PAGE).default(20),
  /** fleet report only: the nextCursor of the previous page (the last cluster name it covered) */
  cursor: clusterNameSchema.optional(),
});

async function clusterMap(ctx: ServiceContext, cluster: ClusterRow, asOf: Date | undefined) {
  const [facts, controllers] = await Promise.all([
    loadPortMapFacts(ctx.db, { cluster, asOf }, 0),
    ingressControllersAt(ctx.db, cluster.id, asOf),
  ]);
  return {
    cluster: cluster.name,
    asOf: viewInstant(cluster, asOf),
    stale: isStale(ctx, cluster),
    ...boundedPortMap(facts),
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
}

/**
 * The port allocation document for one cluster, or a page of the fleet's: the pages after the first
 * leave out the document's heading, so that concatenated they are the whole document.
 */
export async function portMapReport(ctx: ServiceContext, input: z.output<typeof portMapReportInput>) {
  const selected = input.cluster
    ? { page: [await findCluster(ctx.db, input.cluster, { asOf: input.asOf })], nextCursor: null }
    : await selectClusterPage(ctx.db, { asOf: input.asOf }, { after: input.cursor, limit: input.limit });
  const maps = [];
  for (const cluster of selected.page) maps.push(await clusterMap(ctx, cluster, input.asOf));
  return {
    format: input.format,
    contentType: contentTypes[input.format],
    content: renderPortReport(maps, input.format, {
      heading: input.cluster !== undefined || input.cursor === undefined,
    }),
    nextCursor: selected.nextCursor,
  };
}
