/** Answer shapes the tests read back from the API, taken from the router. */
import type { OutputOf } from "./trpc-types.js";

/** One allocation as ports.who presents it (ports.node presents the same). */
export type AllocationAnswer = OutputOf<"ports.who">["allocations"][number];
