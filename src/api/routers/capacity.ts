import { conflictsInput, hostPortConflicts } from "../../services/capacity/conflicts.js";
import { drain, drainInput } from "../../services/capacity/drain.js";
import { fitCheck, fitInput } from "../../services/capacity/fit.js";
import { freePortRanges, freeRangeInput } from "../../services/capacity/free-ranges.js";
import { headroom, headroomInput } from "../../services/capacity/headroom.js";
import {
  planIngressController,
  planIngressControllerInput,
  reserveIngressController,
  reserveIngressControllerInput,
} from "../../services/capacity/ingress-plan.js";
import { checkManifest, checkManifestInput } from "../../services/capacity/manifest.js";
import { adminProcedure, readProcedure, router } from "../trpc.js";

export const capacityRouter = router({
  headroom: readProcedure.input(headroomInput).query(({ ctx, input }) => headroom(ctx.services, input)),
  checkFit: readProcedure.input(fitInput).query(({ ctx, input }) => fitCheck(ctx.services, input)),
  freeRanges: readProcedure
    .input(freeRangeInput)
    .query(({ ctx, input }) => freePortRanges(ctx.services, input)),
  drainCheck: readProcedure.input(drainInput).query(({ ctx, input }) => drain(ctx.services, input)),
  planIngressController: readProcedure
    .input(planIngressControllerInput)
    .query(({ ctx, input }) => planIngressController(ctx.services, input)),
  /** the plan, and its ports reserved in the same transaction (a write: admin, like reservations.create) */
  reserveIngressController: adminProcedure
    .input(reserveIngressControllerInput)
    .mutation(({ ctx, input }) => reserveIngressController(ctx.services, input)),
  // A mutation only so that it is a POST: a manifest of up to 1 MiB does not fit in a URL. It writes nothing.
  checkManifest: readProcedure
    .input(checkManifestInput)
    .mutation(({ ctx, input }) => checkManifest(ctx.services, input)),
});

export const conflictsRouter = router({
  list: readProcedure.input(conflictsInput).query(({ ctx, input }) => hostPortConflicts(ctx.services, input)),
});
