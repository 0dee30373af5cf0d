/** Starts a real agent in-process, configured through its own flag parser, with fast timings. */
import { parseAgentArgs } from "../../../agents/src/cli/args.js";
import { createLogger } from "../../../agents/src/ops/log.js";
import { type AgentDeps, type RunningAgent, startAgent } from "../../../agents/src/run/agent.js";

export interface TestAgent {
  agent: RunningAgent;
  logs: Record<string, unknown>[];
  output: string[];
}

export const FAST = [
  "--debounce",
  "30ms",
  "--heartbeat",
  "10m",
  "--watch-timeout",
  "60s",
  "--shutdown-timeout",
  "200ms",
];

export async function startTestAgent(
  args: string[],
  env: Record<string, string> = {},
  deps: AgentDeps = {},
): Promise<TestAgent> {
  const parsed = parseAgentArgs([...FAST, ...args], { PORTOLAN_TOKEN: "agent-token", ...env });
  if (parsed.kind !== "run") throw new Error("expected a run configuration");
  const logs: Record<string, unknown>[] = [];
  const output: string[] = [];
  const agent = await startAgent(parsed.config, {
    logger: createLogger({ level: "debug", write: (line) => logs.push(JSON.parse(line)) }),
    stdout: (text) => output.push(text),
    pushBackoff: { initialMs: 10, maxMs: 80 },
    kubeBackoff: { initialMs: 10, maxMs: 80 },
    maxWaitMs: 300,
    ...deps,
  });
  return { agent, logs, output };
}
