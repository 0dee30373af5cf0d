/**
 * The reader's settings: defaults, flags over the environment, and a clear message naming the flag and
 * variable of each bad value. And its import graph: no package, no agents/src/kube/.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseReaderArgs, ReaderUsageError } from "../../agents/src/node-reader/config.js";
import { metafileOf } from "../helpers/import-graph.js";

const ENV = { NODE_NAME: "worker-1", PORTOLAN_AGENT_URL: "http://portolan-agent.portolan-agent.svc:9091" };

describe("the node reader's settings", () => {
  it("default to /proc, no attribution, a 15 s scan and a 10 min heartbeat", () => {
    expect(parseReaderArgs([], ENV, "little")).toEqual({
      node: "worker-1",
      agentUrl: ENV.PORTOLAN_AGENT_URL,
      tokenFile: "/var/run/secrets/portolan-agent/token",
      procRoot: "/proc",
      attribution: "none",
      scanMs: 15_000,
      heartbeatMs: 600_000,
      requestTimeoutMs: 10_000,
      maxAttempts: 5,
      maxBodyBytes: 4096 * 1024,
      byteOrder: "little",
      logLevel: "info",
    });
  });

  it("take the pod tier", () => {
    expect(parseReaderArgs([], { ...ENV, PORTOLAN_READER_ATTRIBUTION: "pod" }, "little").attribution).toBe(
      "pod",
    );
  });

  it("take flags over the environment", () => {
    const config = parseReaderArgs(
      ["--proc-root", "/fixture/proc", "--scan-interval", "2s", "--attribution", "process"],
      { ...ENV, PORTOLAN_PROC_ROOT: "/elsewhere", PORTOLAN_READER_HEARTBEAT: "1m" },
      "big",
    );
    expect(config).toMatchObject({
      procRoot: "/fixture/proc",
      scanMs: 2000,
      heartbeatMs: 60_000,
      attribution: "process",
      byteOrder: "big",
    });
  });

  it.each([
    [{ NODE_NAME: "" }, "--node (NODE_NAME) is required"],
    [{ NODE_NAME: "Not_A_Node" }, '--node (NODE_NAME) "Not_A_Node" is not a Kubernetes node name'],
    [{ PORTOLAN_AGENT_URL: "" }, "--agent-url (PORTOLAN_AGENT_URL) is required"],
    [{ PORTOLAN_AGENT_URL: "ftp://x" }, "--agent-url (PORTOLAN_AGENT_URL) must be an http(s) URL"],
    [
      { PORTOLAN_READER_SCAN_INTERVAL: "soon" },
      '--scan-interval (PORTOLAN_READER_SCAN_INTERVAL) "soon" is not a duration',
    ],
    [
      { PORTOLAN_READER_SCAN_INTERVAL: "2h" },
      '--scan-interval (PORTOLAN_READER_SCAN_INTERVAL) "2h" must lie between',
    ],
    [
      { PORTOLAN_READER_HEARTBEAT: "5s" },
      "--heartbeat (PORTOLAN_READER_HEARTBEAT) the heartbeat must not be shorter than the scan interval",
    ],
    [
      { PORTOLAN_READER_ATTRIBUTION: "container" },
      '--attribution (PORTOLAN_READER_ATTRIBUTION) must be "none", "process" or "pod"',
    ],
    [
      { PORTOLAN_READER_MAX_ATTEMPTS: "0" },
      "--max-attempts (PORTOLAN_READER_MAX_ATTEMPTS) must be at least 1",
    ],
  ])("refuse %j with a message naming the setting", (env, message) => {
    expect(() => parseReaderArgs([], { ...ENV, ...env }, "little")).toThrow(ReaderUsageError);
    expect(() => parseReaderArgs([], { ...ENV, ...env }, "little")).toThrow(message);
  });

  it("refuse an unknown flag", () => {
    expect(() => parseReaderArgs(["--kubeconfig", "x"], ENV, "little")).toThrow(ReaderUsageError);
  });

  it("stop the process with status 2 and the message", async () => {
    const run = promisify(execFile)(process.execPath, ["--import", "tsx", "agents/src/node-reader/main.ts"], {
      env: { PATH: process.env.PATH ?? "", NODE_NAME: "worker-1" },
    });
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("portolan-node-reader: --agent-url (PORTOLAN_AGENT_URL) is required"),
    });
  });
});

describe("the node reader's import graph", () => {
  it("loads no package and not agents/src/kube/", async () => {
    const graph = await metafileOf("agents/src/node-reader/main.ts");
    const inputs = Object.keys(graph.inputs);
    expect(inputs).toContain("agents/src/node-reader/scan.ts");
    expect(inputs).toContain("src/contract/listener-parsers/proc-net.ts");
    expect(inputs.filter((path) => path.startsWith("agents/src/kube/"))).toEqual([]);
    const packages = Object.values(graph.inputs).flatMap((input) =>
      input.imports.filter((i) => i.external).map((i) => i.path),
    );
    expect(packages.filter((p) => p.startsWith("@kubernetes/"))).toEqual([]);
    // Nor zod (about 11 MiB of resident memory: bench/node-reader.ts), nor any other package.
    expect(packages.filter((p) => !p.startsWith("node:"))).toEqual([]);
    // And the reader reaches src/ only through the contract, as the agent does.
    expect(inputs.filter((path) => path.startsWith("src/") && !path.startsWith("src/contract/"))).toEqual([]);
  });

  it("the check itself sees packages where they are imported (the agent's kubeconfig reader)", async () => {
    const graph = await metafileOf("agents/src/kube/kubeconfig.ts");
    const packages = Object.values(graph.inputs).flatMap((input) =>
      input.imports.filter((i) => i.external).map((i) => i.path),
    );
    expect(packages).toEqual(expect.arrayContaining(["yaml", "zod"]));
  });
});
