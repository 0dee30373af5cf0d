/** clusters.ingressControllers: one cluster's IngressControllers now or as of an instant. */
import * as z from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { findCluster } from "./cluster-selection.js";
import { viewInstant } from "./cluster-view.js";
import type { ServiceContext } from "./context.js";
import { ingressControllersAt } from "./ingress-controllers-at.js";
import { instantSchema } from "./inputs.js";
import { requireRetained } from "./retention.js";
import { isStale } from "./staleness.js";

export const listIngressControllersInput = z.object({
  cluster: clusterNameSchema,
  asOf: instantSchema.optional(),
});

export async function listIngressControllers(
  ctx: ServiceContext,
  input: z.output<typeof listIngressControllersInput>,
) {
  requireRetained(ctx, "asOf", input.asOf);
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  return {
    cluster: cluster.name,
    asOf: viewInstant(cluster, input.asOf),
    stale: isStale(ctx, cluster),
    ingressControllers: await ingressControllersAt(ctx.db, cluster.id, input.asOf),
  };
}
