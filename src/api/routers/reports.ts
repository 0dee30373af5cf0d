import { portMapReport, portMapReportInput } from "../../services/reports.js";
import { trendReport, trendReportInput } from "../../services/trend-report.js";
import { readProcedure, router } from "../trpc.js";

export const reportsRouter = router({
  portMap: readProcedure
    .input(portMapReportInput)
    .query(({ ctx, input }) => portMapReport(ctx.services, input)),
  trends: readProcedure.input(trendReportInput).query(({ ctx, input }) => trendReport(ctx.services, input)),
});
