import { main } from "./main.js";

// `portolan … | head -1`: the reader left, so nothing more can be said; end quietly, not with a trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});

const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
