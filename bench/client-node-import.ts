/**
 * What importing @kubernetes/client-node costs a Node process: peak RSS of a bare `node` (the
 * baseline) and of one that imports client-node; and, under tsx (which adds its own compiler), of
 * one that imports the agent's own Kubernetes client (agents/src/kube/http.ts and config.ts) and of
 * one that also imports client-node, as the agent does for a kubeconfig auth-provider
 * (client-node-auth.ts). Interleaved round by round; medians of N rounds.
 *
 * Usage: npx tsx bench/client-node-import.ts [--runs N]
 */
import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { parseArgs, promisify } from "node:util";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const RUNS = Number(values.runs);
const ROOT = new URL("../", import.meta.url).pathname;
const run = promisify(execFile);

const report = "console.log(process.resourceUsage().maxRSS)";
const variants: { label: string; args: string[] }[] = [
  { label: "bare node (baseline)", args: ["-e", report] },
  {
    label: "bare node + @kubernetes/client-node",
    args: ["-e", `await import("@kubernetes/client-node"); ${report}`],
  },
  {
    label: "tsx + agent's kube client (in-cluster path)",
    args: [
      "--import",
      "tsx",
      "-e",
      `await import("./agents/src/kube/http.ts"); await import("./agents/src/kube/config.ts"); ${report}`,
    ],
  },
  {
    label: "tsx + agent's kube client + @kubernetes/client-node",
    args: [
      "--import",
      "tsx",
      "-e",
      `await import("./agents/src/kube/http.ts"); await import("./agents/src/kube/config.ts"); await import("@kubernetes/client-node"); ${report}`,
    ],
  },
];

const samples = variants.map(() => [] as number[]);
for (let round = 0; round < RUNS; round++) {
  for (const [i, variant] of variants.entries()) {
    const { stdout } = await run(process.execPath, ["--input-type=module", ...variant.args], { cwd: ROOT });
    samples[i]?.push(Number(stdout.trim()) / 1024);
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const base = median(samples[0] ?? []);
console.log(
  `${RUNS} interleaved rounds, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
for (const [i, variant] of variants.entries()) {
  const m = median(samples[i] ?? []);
  console.log(`${variant.label}: peak RSS ${m.toFixed(1)} MiB (×${(m / base).toFixed(2)} of baseline)`);
}
