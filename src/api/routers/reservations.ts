import { z } from "zod";
import { clusterNameSchema } from "../../contract/snapshot.js";
import { createReservation, deleteReservation, listReservations } from "../../services/reservations.js";
import {
  clusterListSchema,
  hostPortSchema,
  instantSchema,
  labelsSchema,
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
        owner: z.string().min(1).max(200),
        purpose: z.string().min(1).max(1000),
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
    .input(z.object({ id: z.number().int().positive() }))
    .mutation(({ ctx, input }) => deleteReservation(ctx.services, input.id)),
});
