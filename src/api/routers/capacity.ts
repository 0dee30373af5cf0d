import { drain, fitCheck, freePortRanges, headroom, hostPortConflicts } from "../../services/capacity.js";
import {
  conflictsInput,
  drainInput,
  fitInput,
  freeRangeInput,
  headroomInput,
} from "../../services/capacity-inputs.js";
import { readProcedure, router } from "../trpc.js";

export const capacityRouter = router({
  headroom: readProcedure.input(headroomInput).query(({ ctx, input }) => headroom(ctx.services, input)),
  checkFit: readProcedure.input(fitInput).query(({ ctx, input }) => fitCheck(ctx.services, input)),
  freeRanges: readProcedure
    .input(freeRangeInput)
    .query(({ ctx, input }) => freePortRanges(ctx.services, input)),
  drainCheck: readProcedure.input(drainInput).query(({ ctx, input }) => drain(ctx.services, input)),
});

export const conflictsRouter = router({
  list: readProcedure.input(conflictsInput).query(({ ctx, input }) => hostPortConflicts(ctx.services, input)),
});
