import { z } from "zod";
import { clusterNameSchema } from "../../contract/snapshot.js";
import { listClusters, registerCluster, removeCluster, rotateClusterToken } from "../../services/clusters.js";
import { labelsSchema } from "../schemas.js";
import { adminProcedure, readProcedure, router } from "../trpc.js";

const byName = z.object({ name: clusterNameSchema });

export const clustersRouter = router({
  register: adminProcedure
    .input(z.object({ name: clusterNameSchema, labels: labelsSchema.optional() }))
    .mutation(({ ctx, input }) => registerCluster(ctx.services, input)),
  list: readProcedure.input(z.object({}).optional()).query(({ ctx }) => listClusters(ctx.services)),
  rotateToken: adminProcedure
    .input(byName)
    .mutation(({ ctx, input }) => rotateClusterToken(ctx.services, input.name)),
  remove: adminProcedure.input(byName).mutation(({ ctx, input }) => removeCluster(ctx.services, input.name)),
});
