import {
  createReservation,
  deleteReservation,
  listReservations,
  listReservationsInput,
  reservationByIdInput,
  reservationInput,
} from "../../services/reservations.js";
import { adminProcedure, readProcedure, router } from "../trpc.js";

export const reservationsRouter = router({
  create: adminProcedure
    .input(reservationInput)
    .mutation(({ ctx, input }) => createReservation(ctx.services, input)),
  list: readProcedure
    .input(listReservationsInput)
    .query(({ ctx, input }) => listReservations(ctx.services, input)),
  delete: adminProcedure
    .input(reservationByIdInput)
    .mutation(({ ctx, input }) => deleteReservation(ctx.services, input.id)),
});
