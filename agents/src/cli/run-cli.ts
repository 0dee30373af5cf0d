/**
 * The `portolan-agent` command: flags and environment → a running agent; SIGTERM/SIGINT stop it
 * gracefully. Returns the exit status: 0 done, 1 failed, 2 usage error.
 */
import { startAgent } from "../run/agent.js";
import { AGENT_VERSION } from "../version.js";
import { HELP, parseAgentArgs, UsageError } from "./args.js";

export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed: ReturnType<typeof parseAgentArgs>;
  try {
    parsed = parseAgentArgs(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`portolan-agent: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.kind === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.kind === "version") {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent(parsed.config);
  } catch (error) {
    const message = `cannot start: ${(error as Error).message}`;
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: message })}\n`,
    );
    return 1;
  }
  const stop = () => void agent.stop();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return agent.done;
}
