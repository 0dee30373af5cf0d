/** The codes of the snapshot contract's refusals (docs/snapshot-contract.md, "Answers"). */

/** Error codes a rejected snapshot or delta carries; each maps to one HTTP status at the edge. */
export const snapshotErrorCodes = [
  "INVALID_SNAPSHOT",
  "INVALID_STRING",
  "INVALID_NAME",
  "INVALID_LABEL",
  "OBSERVED_AT_OUT_OF_RANGE",
  "PORT_OUT_OF_RANGE",
  "UNKNOWN_PROTOCOL",
  "DUPLICATE_NODE",
  "DUPLICATE_POD",
  "DUPLICATE_PORT",
  "DUPLICATE_INGRESS_CONTROLLER",
  "UNKNOWN_NODE",
  "TOO_MANY_NODES",
  "TOO_MANY_PODS",
  "TOO_MANY_CONTAINERS",
  "TOO_MANY_PORTS",
  "TOO_MANY_DISTINCT_PORTS",
  "TOO_MANY_LABELS",
  "TOO_MANY_ITEMS",
  "INVALID_ADDRESS",
  "DUPLICATE_LISTENER",
  "TOO_MANY_LISTENERS",
] as const;
export type SnapshotErrorCode = (typeof snapshotErrorCodes)[number];
