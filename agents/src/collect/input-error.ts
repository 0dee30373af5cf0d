/**
 * --from-file input that cannot make a snapshot (a dump without its node or pod list, a listener
 * report for a node the dump does not list, a listener file over the contract's bounds): the run
 * exits 2 without pushing anything, as for a usage error.
 */
export class UnusableInputError extends Error {}
