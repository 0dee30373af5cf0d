import {
  createReadToken,
  listReadTokens,
  listReadTokensInput,
  readTokenByNameInput,
  revokeReadToken,
} from "../../services/read-tokens.js";
import { adminProcedure, router } from "../trpc.js";

export const tokensRouter = router({
  createRead: adminProcedure
    .input(readTokenByNameInput)
    .mutation(({ ctx, input }) => createReadToken(ctx.services, input.name)),
  list: adminProcedure
    .input(listReadTokensInput)
    .query(({ ctx, input }) => listReadTokens(ctx.services, input)),
  revoke: adminProcedure
    .input(readTokenByNameInput)
    .mutation(({ ctx, input }) => revokeReadToken(ctx.services, input.name)),
});
