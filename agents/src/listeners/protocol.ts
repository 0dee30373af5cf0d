/** What the node reader and the agent's receiver agree on (shared by both; imports nothing). */

/** The agent's route for node reports. */
export const REPORT_PATH = "/v1/node-listeners";
/** How often the reader reports at the latest, in seconds: the agent expires its reports on it. */
export const HEARTBEAT_HEADER = "portolan-heartbeat-seconds";
/** The audience of the reader's projected token, and what the agent's TokenReview asks for. */
export const READER_AUDIENCE = "portolan-agent";
