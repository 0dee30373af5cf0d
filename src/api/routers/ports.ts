import { z } from "zod";
import { clusterNameSchema, protocols } from "../../contract/snapshot.js";
import { nodePorts, portMap, whoHoldsPort } from "../../services/ports.js";
import { instantSchema } from "../schemas.js";
import { readProcedure, router } from "../trpc.js";

export const pageLimitSchema = z.number().int().min(1).max(10_000).default(1000);

export const portsRouter = router({
  who: readProcedure
    .input(
      z.object({
        hostPort: z.number().int().min(1).max(65535),
        protocol: z.enum(protocols).optional(),
        clusters: z.array(clusterNameSchema).optional(),
        asOf: instantSchema.optional(),
        limit: pageLimitSchema,
        cursor: z
          .string()
          .regex(/^\d+$/, "cursor is the nextCursor of the previous page")
          .transform(Number)
          .optional(),
      }),
    )
    .query(({ ctx, input }) => whoHoldsPort(ctx.services, input)),
  map: readProcedure
    .input(z.object({ cluster: clusterNameSchema, asOf: instantSchema.optional() }))
    .query(({ ctx, input }) => portMap(ctx.services, input)),
  node: readProcedure
    .input(z.object({ cluster: clusterNameSchema, node: z.string().min(1), asOf: instantSchema.optional() }))
    .query(({ ctx, input }) => nodePorts(ctx.services, input)),
});
