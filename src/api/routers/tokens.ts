import { z } from "zod";
import { storableText } from "../../contract/snapshot.js";
import { createReadToken, listReadTokens, revokeReadToken } from "../../services/read-tokens.js";
import { adminProcedure, router } from "../trpc.js";

const byName = z.object({ name: storableText(100).min(1) });

export const tokensRouter = router({
  createRead: adminProcedure
    .input(byName)
    .mutation(({ ctx, input }) => createReadToken(ctx.services, input.name)),
  list: adminProcedure.input(z.object({}).optional()).query(({ ctx }) => listReadTokens(ctx.services)),
  revoke: adminProcedure
    .input(byName)
    .mutation(({ ctx, input }) => revokeReadToken(ctx.services, input.name)),
});
