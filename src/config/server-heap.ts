/**
 * The Node flags the server runs with, wherever it runs (`npm start`, `portolan serve`, the image's
 * CMD, deploy/kubernetes). A push's peak RSS is mostly garbage the collector has not reclaimed yet:
 * V8 lets the old generation grow in proportion to the previous live peak, so a large push reached
 * 530–710 MiB while its live heap stayed near 100–200 MiB. A cap on the old generation makes the
 * collector run before RSS passes the memory target (docs/reliability.md); the largest legal push
 * keeps its live heap well below it. Kept in this one list: test/unit/server-heap.test.ts checks
 * every entry carries it.
 */
export const SERVER_HEAP_FLAGS = ["--max-old-space-size=256"] as const;
