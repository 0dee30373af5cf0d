import { hostPortConflicts } from "../../services/capacity/conflicts.js";
import { drain } from "../../services/capacity/drain.js";
import { fitCheck } from "../../services/capacity/fit.js";
import { freePortRanges } from "../../services/capacity/free-ranges.js";
import { headroom } from "../../services/capacity/headroom.js";
import {
  conflictsInput,
  drainInput,
  fitInput,
  freeRangeInput,
  headroomInput,
} from "../../services/capacity/inputs.js";
import { checkManifest, checkManifestInput } from "../../services/capacity/manifest.js";
import { readProcedure, router } from "../trpc.js";

export const capacityRouter = router({
  headroom: readProcedure.input(headroomInput).query(({ ctx, input }) => headroom(ctx.services, input)),
  checkFit: readProcedure.input(fitInput).query(({ ctx, input }) => fitCheck(ctx.services, input)),
  freeRanges: readProcedure
    .input(freeRangeInput)
    .query(({ ctx, input }) => freePortRanges(ctx.services, input)),
  drainCheck: readProcedure.input(drainInput).query(({ ctx, input }) => drain(ctx.services, input)),
  // A mutation only so that it is a POST: a manifest of up to 1 MiB does not fit in a URL. It writes nothing.
  checkManifest: readProcedure
    .input(checkManifestInput)
    .mutation(({ ctx, input }) => checkManifest(ctx.services, input)),
});

export const conflictsRouter = router({
  list: readProcedure.input(conflictsInput).query(({ ctx, input }) => hostPortConflicts(ctx.services, input)),
});
