import { trendEvents, trendEventsInput } from "../../services/trend-events.js";
import {
  allocationTrend,
  allocationTrendInput,
  headroomSeries,
  headroomSeriesInput,
  headroomTrend,
  headroomTrendInput,
} from "../../services/trends.js";
import { readProcedure, router } from "../trpc.js";

export const trendsRouter = router({
  allocations: readProcedure
    .input(allocationTrendInput)
    .query(({ ctx, input }) => allocationTrend(ctx.services, input)),
  headroom: readProcedure
    .input(headroomTrendInput)
    .query(({ ctx, input }) => headroomTrend(ctx.services, input)),
  events: readProcedure.input(trendEventsInput).query(({ ctx, input }) => trendEvents(ctx.services, input)),
  headroomSeries: readProcedure
    .input(headroomSeriesInput)
    .query(({ ctx, input }) => headroomSeries(ctx.services, input)),
});
