import { clustersRouter } from "./routers/clusters.js";
import { portsRouter } from "./routers/ports.js";
import { tokensRouter } from "./routers/tokens.js";
import { createCallerFactory, router } from "./trpc.js";

export const appRouter = router({
  clusters: clustersRouter,
  ports: portsRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
