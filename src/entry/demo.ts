/**
 * `npm run demo`: starts the server (embedded database, or DATABASE_URL) and fills it with the demo
 * fleet through the public API, or reuses the fleet a previous run seeded; then keeps the live
 * agents pushing until SIGINT/SIGTERM, so only the silent one's cluster goes stale.
 */
import { readNodeEnv } from "../config/node-env.js";
import { DEFAULT_DEMO_DAYS } from "../demo/fleet.js";
import { replayClock } from "../demo/replay-clock.js";
import { liveAgents, seedDemo } from "../demo/seed.js";
import { type LogSink, log, setLogSink } from "../logging/logger.js";
import { installCrashGuard } from "./crash-guard.js";
import { startServer } from "./node.js";

/** Unless set: a stale threshold and heartbeat short enough to show the silent agent within minutes. */
const DEMO_STALE_AFTER_SECONDS = 120;

installCrashGuard();
const env = readNodeEnv();
const staleAfterSeconds = process.env.PORTOLAN_STALE_AFTER_SECONDS
  ? env.PORTOLAN_STALE_AFTER_SECONDS
  : DEMO_STALE_AFTER_SECONDS;
const adminToken = env.PORTOLAN_ADMIN_TOKEN ?? "";
const started = new Date();
// Registrations at the history's start, each push received at its observedAt (replay-clock.ts).
const clock = replayClock(new Date(started.getTime() - (DEFAULT_DEMO_DAYS + 1) * 86_400_000));
const server = await startServer({ staleAfterSeconds, now: clock.now });
const target = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);

// One log line per push would bury what the demo prints: the seeding's request lines are dropped.
const quiet: LogSink = (level, line) => {
  if (level !== "info") console.error(line);
};
const restore = setLogSink(quiet);
const startedMs = performance.now();
let seeded: Awaited<ReturnType<typeof seedDemo>>;
let agents: Awaited<ReturnType<typeof liveAgents>>;
try {
  seeded = await seedDemo(clock.following(target), { adminToken, now: started });
  clock.release();
  agents = await liveAgents(target, { adminToken, clock: () => new Date() });
  await agents.heartbeat();
} catch (error) {
  restore();
  log("error", `demo: ${(error as Error).message}`);
  await server.close();
  process.exit(1);
}
const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);

const lines = [
  "",
  seeded.reused
    ? `Portolan demo: reused the fleet seeded before (${seconds}s)`
    : `Portolan demo: fleet seeded in ${seconds}s`,
  `  URL         ${server.url}/`,
  `  read token  ${seeded.readToken}`,
  adminToken
    ? "  admin token PORTOLAN_ADMIN_TOKEN"
    : "  admin       development mode (no PORTOLAN_ADMIN_TOKEN): admin calls open on loopback",
  `  live agents ${agents.clusters.join(", ")} (a push every ${staleAfterSeconds / 4}s; the others go stale after ${staleAfterSeconds}s)`,
  "  history:",
  ...seeded.events.map(
    (e) => `    ${e.at.toISOString()}  ${e.cluster.padEnd(10)} ${e.kind.padEnd(22)} ${e.summary}`,
  ),
  "",
];
console.log(lines.join("\n"));

const timer = setInterval(
  () => {
    agents
      .heartbeat()
      .catch((error: unknown) => log("warn", "demo heartbeat failed", { error: String(error) }));
  },
  (staleAfterSeconds / 4) * 1000,
);

const stop = () => {
  clearInterval(timer);
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
