import { consoleIo, main, SERVING } from "./main.js";
import { nodeFetch } from "./node-fetch.js";

// `portolan … | head -1`: the reader left, so nothing more can be said; end quietly, not with a trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});

const outcome = await main(process.argv.slice(2), process.env, { ...consoleIo, fetch: nodeFetch });
if (outcome !== SERVING) {
  // The command is done: end once stdout is flushed, rather than wait a fifth of a second or more for
  // fetch's idle keep-alive connection to the server to close.
  process.exitCode = outcome;
  process.stdout.write("", () => process.exit());
}
