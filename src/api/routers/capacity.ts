import { z } from "zod";
import {
  clusterNameSchema,
  MAX_TOLERATIONS,
  nodeAffinitySchema,
  tolerationSchema,
} from "../../contract/snapshot.js";
import { drain, fitCheck, freePortRanges, headroom, hostPortConflicts } from "../../services/capacity.js";
import {
  clusterListSchema,
  hostPortSchema,
  instantSchema,
  labelsSchema,
  nodeNameSchema,
  protocolSchema,
} from "../schemas.js";

/** Ports one fit check asks about: a workload declares a handful. */
const MAX_FIT_PORTS = 1_000;

import { readProcedure, router } from "../trpc.js";

export const capacityRouter = router({
  headroom: readProcedure
    .input(z.object({ clusters: clusterListSchema.optional(), asOf: instantSchema.optional() }).default({}))
    .query(({ ctx, input }) => headroom(ctx.services, input)),
  checkFit: readProcedure
    .input(
      z.object({
        clusters: clusterListSchema,
        ports: z
          .array(
            z.object({
              hostPort: hostPortSchema,
              protocol: protocolSchema.optional(),
              hostIP: z.union([z.ipv4(), z.ipv6()]).optional(),
            }),
          )
          .min(1)
          .max(MAX_FIT_PORTS),
        replicas: z.number().int().min(1).max(10_000).default(1),
        nodeSelector: labelsSchema.optional(),
        tolerations: z.array(tolerationSchema).max(MAX_TOLERATIONS).optional(),
        requiredNodeAffinity: nodeAffinitySchema.optional(),
      }),
    )
    .query(({ ctx, input }) => fitCheck(ctx.services, input)),
  freeRanges: readProcedure
    .input(
      z.object({
        clusters: clusterListSchema.optional(),
        labelSelector: labelsSchema.optional(),
        protocol: protocolSchema.optional(),
        width: z.number().int().min(1).max(65535),
        min: hostPortSchema.optional(),
        max: hostPortSchema.optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        quietDays: z.number().int().min(1).max(3650).optional(),
        includeReserved: z.boolean().optional(),
        includeNodePortRange: z.boolean().optional(),
        includeEphemeralRange: z.boolean().optional(),
      }),
    )
    .query(({ ctx, input }) => freePortRanges(ctx.services, input)),
  drainCheck: readProcedure
    .input(z.object({ cluster: clusterNameSchema, node: nodeNameSchema }))
    .query(({ ctx, input }) => drain(ctx.services, input)),
});

export const conflictsRouter = router({
  list: readProcedure
    .input(z.object({ clusters: clusterListSchema.optional() }).default({}))
    .query(({ ctx, input }) => hostPortConflicts(ctx.services, input)),
});
