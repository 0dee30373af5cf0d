/** What the node reader and the agent's receiver agree on (shared by both; only types imported). */
import type { NodeListeners } from "../../../src/contract/listeners.js";

/** The agent's route for node reports. */
export const REPORT_PATH = "/v1/node-listeners";
/** How often the reader reports at the latest, in seconds: the agent expires its reports on it. */
export const HEARTBEAT_HEADER = "portolan-heartbeat-seconds";
/** The audience of the reader's projected token, and what the agent's TokenReview asks for. */
export const READER_AUDIENCE = "portolan-agent";

/**
 * Where a socket-owning process sits, from its /proc/<pid>/cgroup (the reader's pod tier): `pod`
 * absent means outside every pod (a host service). A process whose cgroup could not be read has no
 * entry. The reader cannot name pods (it has no Kubernetes API); the agent maps these to them.
 */
export interface ProcessOwner {
  pid: number;
  pod?: { uid?: string; containerId?: string };
}

/** The most owners one report carries (socket-owning processes; a real node has a few dozen). */
export const MAX_OWNERS_PER_REPORT = 10_000;

/**
 * What a reader sends: the contract's NodeListeners, and with the pod tier (`attribution: "pod"`)
 * the owners of its listeners' processes. The agent resolves owners to each listener's `pod` and
 * drops them: they never reach a snapshot.
 */
export type ReaderReport = NodeListeners & { owners?: ProcessOwner[] };
