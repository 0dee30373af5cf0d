import { z } from "zod";
import { clusterNameSchema } from "../../contract/snapshot.js";
import { allocationTrend, headroomTrend } from "../../services/trends.js";
import { hostPortSchema, instantSchema, protocolSchema, stepSchema, workloadSchema } from "../schemas.js";
import { readProcedure, router } from "../trpc.js";

const range = { from: instantSchema, to: instantSchema, step: stepSchema };

export const trendsRouter = router({
  allocations: readProcedure
    .input(
      z.object({
        ...range,
        hostPort: hostPortSchema.optional(),
        protocol: protocolSchema.optional(),
        cluster: clusterNameSchema.optional(),
        workload: workloadSchema.optional(),
      }),
    )
    .query(({ ctx, input }) => allocationTrend(ctx.services, { ...input, stepSeconds: input.step })),
  headroom: readProcedure
    .input(z.object({ ...range, cluster: clusterNameSchema, ...workloadSchema.shape }))
    .query(({ ctx, input }) => headroomTrend(ctx.services, { ...input, stepSeconds: input.step })),
});
