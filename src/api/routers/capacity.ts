import { z } from "zod";
import {
  clusterNameSchema,
  MAX_TOLERATIONS,
  nodeAffinitySchema,
  tolerationSchema,
} from "../../contract/snapshot.js";
import { MAX_SAMPLE_SIZE } from "../../services/capacity/blockers.js";
import { hostPortConflicts, MAX_CONFLICTS_LIMIT } from "../../services/capacity/conflicts.js";
import { drain } from "../../services/capacity/drain.js";
import { fitCheck } from "../../services/capacity/fit.js";
import { freePortRanges } from "../../services/capacity/free-ranges.js";
import { headroom, MAX_HEADROOM_LIMIT } from "../../services/capacity/headroom.js";
import {
  clusterListSchema,
  hostPortSchema,
  instantSchema,
  labelsSchema,
  nodeNameSchema,
  protocolSchema,
} from "../schemas.js";
import { readProcedure, router } from "../trpc.js";

/** Ports one fit check asks about: a workload declares a handful. */
const MAX_FIT_PORTS = 1_000;

const sampleSizeSchema = z.number().int().min(1).max(MAX_SAMPLE_SIZE);

/** A page cursor made of `parts` text keys: the nextCursor of the previous page, unchanged. */
const keyCursorSchema = (parts: number) =>
  z
    .string()
    .max(4096)
    .transform((text, ctx) => {
      try {
        return z.array(z.string()).length(parts).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: "custom", message: "cursor is the nextCursor of the previous page" });
        return z.NEVER;
      }
    });

export const capacityRouter = router({
  headroom: readProcedure
    .input(
      z
        .object({
          clusters: clusterListSchema.optional(),
          asOf: instantSchema.optional(),
          limit: z.number().int().min(1).max(MAX_HEADROOM_LIMIT).optional(),
          cursor: keyCursorSchema(4).optional(),
        })
        .default({}),
    )
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
        sampleSize: sampleSizeSchema.optional(),
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
    .input(
      z
        .object({
          clusters: clusterListSchema.optional(),
          limit: z.number().int().min(1).max(MAX_CONFLICTS_LIMIT).optional(),
          cursor: keyCursorSchema(3).optional(),
          sampleSize: sampleSizeSchema.optional(),
        })
        .default({}),
    )
    .query(({ ctx, input }) => hostPortConflicts(ctx.services, input)),
});
