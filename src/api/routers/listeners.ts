import {
  listenerMatrixDiffInput,
  listenerMatrixDiffOf,
  listenerMatrixInput,
  listenerMatrixOf,
} from "../../services/listeners.js";
import { readProcedure, router } from "../trpc.js";

export const listenersRouter = router({
  matrix: readProcedure
    .input(listenerMatrixInput)
    .query(({ ctx, input }) => listenerMatrixOf(ctx.services, input)),
  // A mutation only so that it is a POST: a baseline does not fit in a URL. It writes nothing.
  diff: readProcedure
    .input(listenerMatrixDiffInput)
    .mutation(({ ctx, input }) => listenerMatrixDiffOf(ctx.services, input)),
});
