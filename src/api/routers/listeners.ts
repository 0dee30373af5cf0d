import { listenerMatrixInput, listenerMatrixOf } from "../../services/listeners.js";
import { readProcedure, router } from "../trpc.js";

export const listenersRouter = router({
  matrix: readProcedure
    .input(listenerMatrixInput)
    .query(({ ctx, input }) => listenerMatrixOf(ctx.services, input)),
});
