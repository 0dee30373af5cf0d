import { z } from "zod";
import { createReadToken, listReadTokens, revokeReadToken } from "../../services/read-tokens.js";
import { adminProcedure, router } from "../trpc.js";

const byName = z.object({ name: z.string().min(1).max(100) });

export const tokensRouter = router({
  createRead: adminProcedure
    .input(byName)
    .mutation(({ ctx, input }) => createReadToken(ctx.services, input.name)),
  list: adminProcedure.input(z.object({}).optional()).query(({ ctx }) => listReadTokens(ctx.services)),
  revoke: adminProcedure
    .input(byName)
    .mutation(({ ctx, input }) => revokeReadToken(ctx.services, input.name)),
});
