/**
 * Entry point of the node reader: `node dist/agents/src/node-reader/main.js`, from the agent's image,
 * in a hostNetwork DaemonSet (agents/deploy/node-reader/). It must load no package and not
 * agents/src/kube/ (test/agents/node-reader-config.test.ts): it only reads /proc and POSTs to the
 * agent, which keeps it within its memory budget.
 */
import { endianness } from "node:os";
import { REPORT_PATH } from "../listeners/protocol.js";
import { createLogger } from "../ops/log.js";
import { realDelay, systemClock } from "../util/time.js";
import { parseReaderArgs, ReaderUsageError } from "./config.js";
import { httpPost } from "./http-post.js";
import { runReaderLoop } from "./loop.js";
import { sendReport } from "./send.js";

let config: ReturnType<typeof parseReaderArgs>;
try {
  config = parseReaderArgs(process.argv.slice(2), process.env, endianness() === "LE" ? "little" : "big");
} catch (error) {
  if (!(error instanceof ReaderUsageError)) throw error;
  process.stderr.write(`portolan-node-reader: ${error.message}\n`);
  process.exit(2);
}

const logger = createLogger({ level: config.logLevel, base: { node: config.node } });
const stopping = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => stopping.abort());
const url = new URL(REPORT_PATH, config.agentUrl).toString();
logger.info("portolan-node-reader starting", {
  agent: url,
  procRoot: config.procRoot,
  attribution: config.attribution,
  scanMs: config.scanMs,
  heartbeatMs: config.heartbeatMs,
});
await runReaderLoop(
  {
    scan: {
      procRoot: config.procRoot,
      node: config.node,
      attribution: config.attribution,
      byteOrder: config.byteOrder,
    },
    scanMs: config.scanMs,
    heartbeatMs: config.heartbeatMs,
    clock: systemClock,
    delay: realDelay,
    logger,
    send: (report, signal) =>
      sendReport(
        report,
        {
          url,
          tokenFile: config.tokenFile,
          heartbeatMs: config.heartbeatMs,
          requestTimeoutMs: config.requestTimeoutMs,
          maxAttempts: config.maxAttempts,
          maxBodyBytes: config.maxBodyBytes,
          backoff: { initialMs: 1000, maxMs: 30_000 },
          post: httpPost,
          delay: realDelay,
          random: Math.random,
          logger,
        },
        signal,
      ),
  },
  stopping.signal,
);
logger.info("portolan-node-reader stopped");
