/**
 * Bounds of the snapshot contract that code without zod needs (the listener parsers, which the node
 * reader runs): plain numbers, no imports. src/contract/bounds.ts re-exports them with the rest.
 */

/**
 * Distinct listeners one node reports. Real nodes hold tens (an OpenShift master ~50 TCP + ~10 UDP in
 * the commatrix captures); a node with more is misread input or a runaway, and a partial set would
 * understate what is held, so the whole report is refused.
 */
export const MAX_LISTENERS_PER_NODE = 10_000;
/**
 * Listeners of all node reports of a state together: 5,000 nodes of 50 listeners each, the body
 * limit's worth of listener JSON at ~120 bytes apiece.
 */
export const MAX_LISTENERS = 250_000;
/** Processes kept on one socket (a forked daemon with many workers; ss lists every one). */
export const MAX_PROCESSES_PER_LISTENER = 64;
/** Issues listed in one refusal; parsing stops collecting there. */
export const MAX_ISSUES = 100;
