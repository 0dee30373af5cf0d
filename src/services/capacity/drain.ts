/**
 * capacity.drainCheck: one node of one cluster, judged on the cluster's view as it is now and on what
 * the other nodes were observed listening on, on the ports of the node's pods.
 */

import * as z from "zod";
import { clusterNameSchema } from "../../contract/snapshot.js";
import { drainCheck } from "../../domain/drain.js";
import { findCluster } from "../cluster-selection.js";
import { loadClusterView } from "../cluster-view.js";
import type { ServiceContext } from "../context.js";
import { notFound } from "../errors.js";
import { nodeNameSchema } from "../inputs.js";
import { blocker } from "./blockers.js";
import { listenedNodeSample, listenerReportsOn } from "./observed-listeners.js";

export const drainInput = z.object({ cluster: clusterNameSchema, node: nodeNameSchema });
export type DrainInput = z.output<typeof drainInput>;

/** listener-blocked nodes named per pod; `listenedNodes` counts them all */
const LISTENED_SAMPLE = 20;

export async function drain(ctx: ServiceContext, input: DrainInput) {
  const cluster = await findCluster(ctx.db, input.cluster);
  const view = await loadClusterView(ctx.db, { cluster });
  if (!view.nodes.some((n) => n.name === input.node))
    throw notFound(`node "${input.node}" in cluster "${cluster.name}"`);
  const ports = view.pods.filter((p) => p.node === input.node).flatMap((p) => p.ports.map((x) => x.hostPort));
  const listeners = await listenerReportsOn(
    ctx.db,
    cluster.id,
    ports.filter((p) => p > 0),
  );
  const check = drainCheck(input.node, view, listeners);
  return {
    cluster: cluster.name,
    node: check.node,
    drainable: check.drainable,
    pods: check.pods.map((p) => ({
      ...p,
      blockedOn: p.blockedOn.map((b) => ({ node: b.node, blockers: b.blockers.map(blocker) })),
      listenedNodes: p.listenedOn.length,
      listenedOn: p.listenedOn.slice(0, LISTENED_SAMPLE).map(listenedNodeSample),
    })),
  };
}
