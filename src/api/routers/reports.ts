import { z } from "zod";
import { clusterNameSchema } from "../../contract/snapshot.js";
import { portMapReport } from "../../services/reports.js";
import { instantSchema } from "../schemas.js";
import { readProcedure, router } from "../trpc.js";

export const reportsRouter = router({
  portMap: readProcedure
    .input(
      z.object({
        cluster: clusterNameSchema.optional(),
        format: z.enum(["markdown", "csv", "json"]).default("markdown"),
        asOf: instantSchema.optional(),
      }),
    )
    .query(({ ctx, input }) => portMapReport(ctx.services, input)),
});
