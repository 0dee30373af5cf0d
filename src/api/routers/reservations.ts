import { z } from "zod";
import { clusterNameSchema, storableText } from "../../contract/snapshot.js";
import { createReservation, deleteReservation, listReservations } from "../../services/reservations.js";
import {
  clusterListSchema,
  hostPortSchema,
  instantSchema,
  labelsSchema,
  MAX_INT4,
  protocolSchema,
} from "../schemas.js";
import { adminProcedure, readProcedure, router } from "../trpc.js";

export const reservationsRouter = router({
  create: adminProcedure
    .input(
      z.object({
        protocol: protocolSchema.default("TCP"),
        portFrom: hostPortSchema,
        portTo: hostPortSchema,
        clusters: clusterListSchema.optional(),
        labelSelector: labelsSchema.optional(),
        owner: storableText(200).min(1),
        purpose: storableText(1000).min(1),
        expiresAt: instantSchema.optional(),
      }),
    )
    .mutation(({ ctx, input }) => createReservation(ctx.services, input)),
  list: readProcedure
    .input(
      z.object({ cluster: clusterNameSchema.optional(), includeExpired: z.boolean().optional() }).default({}),
    )
    .query(({ ctx, input }) => listReservations(ctx.services, input)),
  delete: adminProcedure
    .input(z.object({ id: z.number().int().positive().max(MAX_INT4) }))
    .mutation(({ ctx, input }) => deleteReservation(ctx.services, input.id)),
});
