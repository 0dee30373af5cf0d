export * from "./clusters.js";
export * from "./history.js";
export * from "./snapshots.js";
