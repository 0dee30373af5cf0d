import { capacityRouter, conflictsRouter } from "./routers/capacity.js";
import { clustersRouter } from "./routers/clusters.js";
import { listenersRouter } from "./routers/listeners.js";
import { portsRouter } from "./routers/ports.js";
import { reportsRouter } from "./routers/reports.js";
import { reservationsRouter } from "./routers/reservations.js";
import { tokensRouter } from "./routers/tokens.js";
import { trendsRouter } from "./routers/trends.js";
import { router } from "./trpc.js";

export const appRouter = router({
  clusters: clustersRouter,
  ports: portsRouter,
  tokens: tokensRouter,
  trends: trendsRouter,
  reservations: reservationsRouter,
  reports: reportsRouter,
  capacity: capacityRouter,
  conflicts: conflictsRouter,
  listeners: listenersRouter,
});

export type AppRouter = typeof appRouter;
