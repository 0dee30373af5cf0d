import { z } from "zod";
import { clusterNameSchema } from "../../contract/snapshot.js";
import { resetClusterClock } from "../../services/cluster-clock.js";
import { listClusters, registerCluster, removeCluster, rotateClusterToken } from "../../services/clusters.js";
import { instantSchema, labelsSchema } from "../schemas.js";
import { adminProcedure, readProcedure, router } from "../trpc.js";

const byName = z.object({ name: clusterNameSchema });

export const clustersRouter = router({
  register: adminProcedure
    .input(z.object({ name: clusterNameSchema, labels: labelsSchema.optional() }))
    .mutation(({ ctx, input }) => registerCluster(ctx.services, input)),
  list: readProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(1000).default(200),
          cursor: clusterNameSchema.optional(),
          labelSelector: labelsSchema.optional(),
        })
        .default({ limit: 200 }),
    )
    .query(({ ctx, input }) => listClusters(ctx.services, input)),
  rotateToken: adminProcedure
    .input(byName)
    .mutation(({ ctx, input }) => rotateClusterToken(ctx.services, input.name)),
  remove: adminProcedure.input(byName).mutation(({ ctx, input }) => removeCluster(ctx.services, input.name)),
  resetClock: adminProcedure
    .input(z.object({ name: clusterNameSchema, to: instantSchema.optional() }))
    .mutation(({ ctx, input }) => resetClusterClock(ctx.services, input)),
});
