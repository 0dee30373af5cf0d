/** capacity.drainCheck: one node of one cluster, judged on the cluster's view as it is now. */

import { z } from "zod";
import { clusterNameSchema } from "../../contract/snapshot.js";
import { drainCheck } from "../../domain/drain.js";
import { findCluster } from "../cluster-selection.js";
import { loadClusterView } from "../cluster-view.js";
import type { ServiceContext } from "../context.js";
import { notFound } from "../errors.js";
import { nodeNameSchema } from "../inputs.js";
import { blocker } from "./blockers.js";

export const drainInput = z.object({ cluster: clusterNameSchema, node: nodeNameSchema });
export type DrainInput = z.output<typeof drainInput>;

export async function drain(ctx: ServiceContext, input: DrainInput) {
  const cluster = await findCluster(ctx.db, input.cluster);
  const view = await loadClusterView(ctx.db, { cluster });
  if (!view.nodes.some((n) => n.name === input.node))
    throw notFound(`node "${input.node}" in cluster "${cluster.name}"`);
  const check = drainCheck(input.node, view);
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
