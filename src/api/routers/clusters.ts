import { attentionInput, fleetAttention } from "../../services/attention.js";
import { resetClockInput, resetClusterClock } from "../../services/cluster-clock.js";
import {
  clusterByNameInput,
  listClusters,
  listClustersInput,
  registerCluster,
  registerClusterInput,
  removeCluster,
  rotateClusterToken,
} from "../../services/clusters.js";
import { listIngressControllers, listIngressControllersInput } from "../../services/ingress-controllers.js";
import { adminProcedure, readProcedure, router } from "../trpc.js";

export const clustersRouter = router({
  register: adminProcedure
    .input(registerClusterInput)
    .mutation(({ ctx, input }) => registerCluster(ctx.services, input)),
  list: readProcedure.input(listClustersInput).query(({ ctx, input }) => listClusters(ctx.services, input)),
  attention: readProcedure
    .input(attentionInput)
    .query(({ ctx, input }) => fleetAttention(ctx.services, input)),
  rotateToken: adminProcedure
    .input(clusterByNameInput)
    .mutation(({ ctx, input }) => rotateClusterToken(ctx.services, input.name)),
  remove: adminProcedure
    .input(clusterByNameInput)
    .mutation(({ ctx, input }) => removeCluster(ctx.services, input.name)),
  ingressControllers: readProcedure
    .input(listIngressControllersInput)
    .query(({ ctx, input }) => listIngressControllers(ctx.services, input)),
  resetClock: adminProcedure
    .input(resetClockInput)
    .mutation(({ ctx, input }) => resetClusterClock(ctx.services, input)),
});
