import { portMapReport, portMapReportInput } from "../../services/reports.js";
import { readProcedure, router } from "../trpc.js";

export const reportsRouter = router({
  portMap: readProcedure
    .input(portMapReportInput)
    .query(({ ctx, input }) => portMapReport(ctx.services, input)),
});
