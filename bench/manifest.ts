/**
 * capacity.checkManifest's reading of a manifest, for the slowest 1 MiB shapes we know: how long the
 * event loop is held at a stretch (after: the longest delay monitorEventLoopDelay sees while the
 * manifest is read in slices) against the old way (parseAllDocuments, toJS, readManifest: one
 * synchronous block, so its duration is the stretch). Figures, not a test: the machine's load moves them.
 *
 * Usage: npx tsx bench/manifest.ts [KiB=1024] [shape...]
 * The old way is skipped for shapes where it is quadratic (a map of N distinct keys) above 128 KiB:
 * at 1 MiB it held the loop for minutes.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseAllDocuments } from "yaml";
import { readManifest } from "../src/contract/manifest.js";
import { readManifestText } from "../src/services/capacity/manifest.js";
import { parseManifestDocuments } from "../src/services/capacity/manifest-documents.js";

const KiB = Number(process.argv[2] ?? 1024);
const only = new Set(process.argv.slice(3));
const SIZE = KiB * 1024;

const fill = (unit: string, size = SIZE - 64) => unit.repeat(Math.floor(size / unit.length));
const grow = (line: (i: number) => string, head = "", tail = "") => {
  const parts = [head];
  let length = head.length + tail.length;
  for (let i = 0; length < SIZE - 300; i++) {
    const part = line(i);
    parts.push(part);
    length += part.length;
  }
  return parts.join("") + tail;
};
const deployment = (i: number) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d${i}, namespace: ns}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: c
        ports: [{containerPort: ${(i % 60000) + 1}, hostPort: ${(i % 60000) + 1}}]
`;
const listItem = (i: number) =>
  `- kind: Deployment\n  metadata: {name: d${i}}\n  spec: {template: {spec: {containers: [{name: c, ports: [{containerPort: 1, hostPort: 1}]}]}}}\n`;

/** name → [text, quadratic before] */
const shapes: Record<string, [() => string, boolean]> = {
  "empty documents": [() => fill("---\n"), false],
  "tiny documents": [() => fill("a: 1\n---\n"), false],
  "ConfigMaps (skipped kind)": [() => fill("kind: ConfigMap\nmetadata: {name: x}\n---\n"), false],
  "Deployments with host ports": [() => grow(deployment), false],
  "one map, distinct keys": [() => grow((i) => `k${i}: ${i}\n`), true],
  "one flow map, distinct keys": [() => grow((i) => `k${i}: ${i}, `, "{", "}"), true],
  "block sequence": [() => fill("- 1\n"), false],
  "flow sequence": [() => `[${fill("1,", SIZE - 64)}1]`, false],
  "deep block nesting": [() => grow((i) => `${" ".repeat(i % 2000)}a:\n`), false],
  "long plain scalar": [() => `a: ${"x".repeat(SIZE - 64)}`, false],
  "long quoted scalar": [() => `a: "${"\\u0041".repeat(Math.floor((SIZE - 64) / 6))}"`, false],
  aliases: [() => `a: &a [1]\nb: [${fill("*a,", SIZE - 64)}*a]`, false],
  anchors: [() => fill("- &a1 x\n"), false],
  "broken documents": [() => fill("a: [\n---\n"), false],
  "YAML List of Deployments": [() => grow(listItem, "kind: List\nitems:\n"), false],
  "JSON List of Deployments": [
    () =>
      grow(
        (i) =>
          `${i ? "," : ""}{"kind":"Deployment","metadata":{"name":"d${i}"},"spec":{"template":{"spec":{"containers":[{"name":"c","ports":[{"containerPort":1,"hostPort":1}]}]}}}}`,
        '{"kind":"List","items":[',
        "]}",
      ),
    false,
  ],
};

function before(text: string): number {
  const t0 = performance.now();
  const values = parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) return null;
    try {
      return doc.toJS({ maxAliasCount: 100 });
    } catch {
      return null;
    }
  });
  readManifest(values);
  return performance.now() - t0;
}

/**
 * The longest stretch the event loop was held while the manifest was read: in wall time
 * (monitorEventLoopDelay; on a loaded machine it includes time the OS gave to other processes) and
 * in this process's CPU time between two turns of a 1 ms ticker (what the code itself costs).
 */
async function after(text: string): Promise<{ wall: number; cpu: number; total: number; outcome: string }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let cpu = 0;
  let last = process.cpuUsage();
  const ticker = setInterval(() => {
    const used = process.cpuUsage(last);
    cpu = Math.max(cpu, (used.user + used.system) / 1000);
    last = process.cpuUsage();
  }, 1);
  delay.enable();
  const t0 = performance.now();
  let outcome = "read";
  try {
    const reading = await readManifestText(text);
    outcome = `${reading.workloads.length} workloads, ${reading.issues.length} issues`;
  } catch (error) {
    outcome = `refused: ${(error as Error).message.replace("the manifest cannot be read: ", "").slice(0, 70)}`;
  }
  const total = performance.now() - t0;
  // A last block is only seen when the loop turns again.
  await new Promise((resolve) => setTimeout(resolve, 20));
  delay.disable();
  clearInterval(ticker);
  // The monitor's figures are ns.
  return { wall: delay.max / 1e6, cpu, total, outcome };
}

console.log(
  `checkManifest reading, ${KiB} KiB manifests (ms; a stretch = the longest the event loop is held)`,
);
console.log(
  [
    "shape".padEnd(30),
    "before".padStart(9),
    "after wall".padStart(11),
    "after cpu".padStart(10),
    "after total".padStart(12),
    "  outcome",
  ].join(""),
);
const worst = { before: 0, wall: 0, cpu: 0 };
for (const [name, [make, quadratic]] of Object.entries(shapes)) {
  if (only.size > 0 && !only.has(name)) continue;
  const text = make();
  // warm the code paths once on a small piece so the first shape does not pay for JIT alone
  await parseManifestDocuments(text.slice(0, 2048)).catch(() => undefined);
  const old = quadratic && KiB > 128 ? null : before(text);
  const now = await after(text);
  worst.before = Math.max(worst.before, old ?? 0);
  worst.wall = Math.max(worst.wall, now.wall);
  worst.cpu = Math.max(worst.cpu, now.cpu);
  console.log(
    [
      name.padEnd(30),
      (old === null ? "skipped" : old.toFixed(0)).padStart(9),
      now.wall.toFixed(0).padStart(11),
      now.cpu.toFixed(0).padStart(10),
      now.total.toFixed(0).padStart(12),
      `  ${now.outcome}`,
    ].join(""),
  );
}
console.log(
  `worst stretch: before ${worst.before.toFixed(0)} ms (quadratic shapes skipped), after ${worst.wall.toFixed(0)} ms wall, ${worst.cpu.toFixed(0)} ms CPU`,
);
