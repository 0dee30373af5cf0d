export * from "./clusters.js";
export * from "./history.js";
export * from "./ingress.js";
export * from "./listeners.js";
export * from "./planning.js";
export * from "./snapshots.js";
