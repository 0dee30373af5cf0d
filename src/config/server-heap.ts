/**
 * The Node flags the server runs with, wherever it starts (`npm start`, `portolan serve`, the image's
 * CMD, which the Kubernetes Deployment of docs/deploy.md runs). A large push's peak RSS was mostly
 * garbage the collector had not reclaimed yet: uncapped, V8 let the heap grow to 530–730 MiB of RSS
 * while a full collection left at most ~150–230 MiB live. The cap makes the collector run before RSS
 * passes the 512 MiB target, with room above the largest legal push's live peak (docs/reliability.md,
 * "The heap cap"). test/integration/server-heap.test.ts holds every entry to this list.
 */
export const SERVER_HEAP_FLAGS = ["--max-old-space-size=320"] as const;
