/**
 * Snapshot contract v1: what an agent pushes to `POST /v1/snapshots`.
 * One source of truth for the API and agents/ (see docs/snapshot-contract.md): the bounds and text
 * rules, the zod schemas, and the parser that applies both.
 */
export * from "./bounds.js";
export * from "./delta.js";
export * from "./parse.js";
export * from "./schema.js";
export * from "./state-bounds.js";
