import {
  freeNodes,
  freeNodesInput,
  nodePorts,
  nodePortsInput,
  portMap,
  portMapInput,
  portMapListeners,
  portMapListenersInput,
  whoHoldsPort,
  whoInput,
} from "../../services/ports.js";
import { readProcedure, router } from "../trpc.js";

export const portsRouter = router({
  who: readProcedure.input(whoInput).query(({ ctx, input }) => whoHoldsPort(ctx.services, input)),
  map: readProcedure.input(portMapInput).query(({ ctx, input }) => portMap(ctx.services, input)),
  mapListeners: readProcedure
    .input(portMapListenersInput)
    .query(({ ctx, input }) => portMapListeners(ctx.services, input)),
  freeNodes: readProcedure.input(freeNodesInput).query(({ ctx, input }) => freeNodes(ctx.services, input)),
  node: readProcedure.input(nodePortsInput).query(({ ctx, input }) => nodePorts(ctx.services, input)),
});
