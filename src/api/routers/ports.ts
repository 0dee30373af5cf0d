import { z } from "zod";
import { clusterNameSchema, protocols } from "../../contract/snapshot.js";
import { nodePorts, portMap, whoHoldsPort } from "../../services/ports.js";
import { clusterListSchema, cursorSchema, instantSchema, nodeNameSchema } from "../schemas.js";
import { readProcedure, router } from "../trpc.js";

export const pageLimitSchema = z.number().int().min(1).max(10_000).default(1000);

export const portsRouter = router({
  who: readProcedure
    .input(
      z.object({
        hostPort: z.number().int().min(1).max(65535),
        protocol: z.enum(protocols).optional(),
        clusters: clusterListSchema.optional(),
        asOf: instantSchema.optional(),
        limit: pageLimitSchema,
        cursor: cursorSchema.optional(),
      }),
    )
    .query(({ ctx, input }) => whoHoldsPort(ctx.services, input)),
  map: readProcedure
    .input(z.object({ cluster: clusterNameSchema, asOf: instantSchema.optional() }))
    .query(({ ctx, input }) => portMap(ctx.services, input)),
  node: readProcedure
    .input(z.object({ cluster: clusterNameSchema, node: nodeNameSchema, asOf: instantSchema.optional() }))
    .query(({ ctx, input }) => nodePorts(ctx.services, input)),
});
